import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SERVICE_NAMES } from "../config/services";
import { liveSettings } from "../test/mockRun";
import { npxCdbSync } from "../test/npxCdb";
import { REPO_ROOT } from "../platform/paths";
import { runGate } from "./gate";
import { repoTmpDir } from "../test/repoTmp";

// Issue 11: a live config that only lacks operator settings is "not ready"
// with every missing setting named (exit 1); malformed input stays exit 2; an
// evidence path that is a directory is unusable input.

const cdb = (...args: string[]) => npxCdbSync(args);

function liveConfig(settings: Record<string, unknown>, secrets = false): string {
  mkdirSync(path.join(REPO_ROOT, ".tmp"), { recursive: true });
  const dir = repoTmpDir("incomplete-");
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`cdb:${k}`, v]));
  if (secrets) {
    config["cdb:mexcApiKey"] = { secure: "v1:AAAA" };
    config["cdb:mexcApiSecret"] = { secure: "v1:BBBB" };
  }
  const file = path.join(dir, "Pulumi.live.yaml");
  writeFileSync(file, stringify({ config }));
  return file;
}

// Each case starts the CLI (`npx cdb`): seconds on a loaded machine, more than vitest's 5 s default.
describe("cdb readiness on a live config without operator settings", { timeout: 60_000 }, () => {
  it("names every missing setting as a blocking item and exits 1", () => {
    const { images: _images, mexcKeyFingerprint: _fp, ...rest } = liveSettings();
    const file = liveConfig(rest);
    const r = cdb("readiness", "--stack", "live", "--stack-config", file, "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    const v = JSON.parse(r.out) as { ready: boolean; items: { id: string; status: string; reason: string }[] };
    expect(v.ready).toBe(false);
    expect(v.items.map((i) => i.id).sort()).toEqual(
      ["config.mexcApiKey", "config.mexcApiSecret", "config.mexcKeyFingerprint", ...SERVICE_NAMES.map((s) => `config.images.${s}`)].sort(),
    );
    expect(v.items.every((i) => i.status === "missing")).toBe(true);
    const text = cdb("readiness", "--stack", "live", "--stack-config", file);
    expect(text.code).toBe(1);
    expect(text.out).toContain("0. Stack configuration (operator settings)");
    expect(text.out).toMatch(/Blocking items \(\d+\):\n  - config\.mexcKeyFingerprint: missing: cdb:mexcKeyFingerprint is required in live/);
  });

  it("one missing image is one blocking item", () => {
    const s = liveSettings() as { images: Record<string, string> };
    delete s.images.execution;
    const v = runGate({ stack: "live", configFiles: { live: liveConfig(s, true) }, evidenceFile: undefined });
    expect(v.verdict.items).toEqual([{ id: "config.images.execution", section: "config", status: "missing", reason: expect.stringContaining("cdb:images.execution") }]);
  });

  it("a wrong value is still unusable input (exit 2)", () => {
    const file = liveConfig({ ...liveSettings(), risk: { maxPositionPct: 1.5 } }, true);
    const r = cdb("readiness", "--stack", "live", "--stack-config", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdb: unusable input: .*invalid stack config: cdb:risk\.maxPositionPct/);
  });

  it("an evidence path that is a directory is unusable input (exit 2)", () => {
    const dir = repoTmpDir("evdir-");
    const r = cdb("readiness", "--stack", "paper", "--evidence", dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cdb: unusable input: ${dir}: is a directory, not a file\n`);
  });
});
