import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { runGate } from "../readiness/gate";
import { makeFixture } from "../test/readinessFixture";
import { bindEvidence, initEvidence, PAPER_MEASURED_ITEMS } from "./evidence";
import { OpsRefused } from "../platform/errors";

// Evidence before live is configured: `cdb evidence init --stack live` on the
// repository's incomplete Pulumi.live.yaml writes a pending digest; nothing in
// it counts until `bind`, which keeps only the paper measurements.

const fx = makeFixture();
const incomplete = path.join(REPO_ROOT, "Pulumi.live.yaml");
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

/** A pending file holding every entry of the complete fixture. */
function pendingWithEntries(): string {
  const file = path.join(fx.dir, `pending-${Math.random().toString(36).slice(2)}.evidence.yaml`);
  initEvidence({ stack: "live", file, stackConfig: incomplete });
  const doc = parse(readFileSync(file, "utf8")) as { items: Record<string, unknown> };
  doc.items = fx.evidence.items;
  writeFileSync(file, stringify(doc));
  return file;
}

describe("evidence on an incomplete live config", () => {
  it("init writes configDigest pending and names the missing settings; the gate says the digest is pending", () => {
    const file = path.join(fx.dir, "init.evidence.yaml");
    const r = initEvidence({ stack: "live", file, stackConfig: incomplete });
    expect(r.configDigest).toBe("pending");
    expect(r.missing).toContain("cdb:mexcApiKey");
    expect(readFileSync(file, "utf8")).toMatch(/^configDigest: pending$/m);
    const gate = runGate({ stack: "live", evidenceFile: file, configFiles: { live: incomplete } });
    expect(gate.verdict.ready).toBe(false);
    expect(gate.notes.join("\n")).toMatch(/configDigest pending .*npx cdb evidence bind --stack live/);
  });

  it("a pending file counts for nothing on a complete config, not even complete entries", () => {
    const gate = runGate({ stack: "live", evidenceFile: pendingWithEntries(), configFiles: { live: fx.liveConfig }, now: fx.now });
    expect(gate.verdict.ready).toBe(false);
    const evidenceItems = gate.verdict.items.filter((i) => i.id in fx.evidence.items);
    expect(evidenceItems.length).toBeGreaterThan(0);
    for (const i of evidenceItems) expect(i).toMatchObject({ status: "invalid", reason: expect.stringMatching(/configDigest is pending/) });
  });

  it("bind on the complete config keeps the paper measurements only, and binds the file to the config's digest", () => {
    const file = pendingWithEntries();
    const r = bindEvidence({ stack: "live", file, stackConfig: fx.liveConfig });
    expect(r.configDigest).toBe(runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig } }).configDigest);
    expect(new Set(r.kept)).toEqual(new Set(Object.keys(fx.evidence.items).filter((id) => PAPER_MEASURED_ITEMS.has(id))));
    expect(r.dropped.length).toBeGreaterThan(0);
    const after = parse(readFileSync(file, "utf8")) as { configDigest: string; items: Record<string, unknown> };
    expect(after.configDigest).toBe(r.configDigest);
    expect(Object.keys(after.items).sort()).toEqual([...r.kept].sort());
    const gate = runGate({ stack: "live", evidenceFile: file, configFiles: { live: fx.liveConfig }, now: fx.now });
    // Bound: no kept entry is judged by its digest any more (signatures are judged on their own: entries sign the digest).
    for (const id of r.kept) expect(gate.verdict.items.find((i) => i.id === id)?.reason).not.toMatch(/pending|config digest/);
  });

  it("bind refuses while settings are missing, and never rebinds a bound file", () => {
    const file = pendingWithEntries();
    expect(() => bindEvidence({ stack: "live", file, stackConfig: incomplete })).toThrow(OpsRefused);
    expect(readFileSync(file, "utf8")).toMatch(/^configDigest: pending$/m);
    expect(() => bindEvidence({ stack: "live", file: fx.evidenceFile, stackConfig: fx.liveConfig })).toThrow(/only a pending file is bound/);
  });
});
