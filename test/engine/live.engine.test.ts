import { cpSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsatisfied } from "../../readiness/evaluate";
import { runGate } from "../../readiness/gate";
import { initLiveStack, liveConfigFile, liveEvidenceFile, pulumiOk as ok, writeLiveEvidence } from "./liveStack";
import type { StandinOp } from "./standins/standinProvider";
import { engineWorkspace, type EngineWorkspace } from "./workspace";

// The live stack through the real Pulumi CLI, language host and policy
// analyzer, completed as an operator would, with STAND-IN docker and random
// providers (they echo inputs and start no container).

let ws: EngineWorkspace;
let configFile: string;
let evidenceFile: string;

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const pulumiOk = (args: string[]) => ok(ws, args);

/** Any container input that makes it trade for real, as the stand-in provider received it. */
const tradesForReal = (o: StandinOp) =>
  o.type === "docker:index/container:Container" &&
  ((o.inputs.envs as string[] | undefined) ?? []).some((e) => /^(MOCK_TRADING=(?!true$)|USE_REAL_BALANCE=(?!false$)|DRY_RUN=(?!true$)|CONFIRM_LIVE_TRADING=)/.test(e));

beforeAll(async () => {
  ws = await engineWorkspace("engine-live-passphrase");
  configFile = liveConfigFile(ws);
  evidenceFile = liveEvidenceFile(ws);
  await initLiveStack(ws);
});
afterAll(() => ws?.dispose());

describe("live stack on the real engine (stand-in providers)", () => {
  it("refuses a preview without evidence, naming every unsatisfied item under live-readiness", async () => {
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    const text = output(r);
    expect(text).not.toContain("could not be evaluated");
    expect(text).toContain("[mandatory]  live-readiness");
    const open = unsatisfied(runGate({ stack: "live", configFiles: { live: configFile }, evidenceFile: undefined }).verdict).map((i) => i.id);
    expect(open.length).toBeGreaterThan(10);
    for (const id of open) expect(text).toContain(`live-readiness: ${id} `);
  });

  it("with `up --skip-preview` and no evidence, creates no container that trades for real", async () => {
    const r = await ws.pulumi(["up", "-s", "live", "--yes", "--skip-preview", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    const created = ws.standinOps().filter((o) => o.op === "create" && o.type === "docker:index/container:Container");
    // The update ran (the check is not vacuous), but no trader was among what it created.
    expect(created.length).toBeGreaterThan(5);
    expect(created.filter(tradesForReal).map((o) => o.name)).toEqual([]);
  });

  it("passes with complete, fresh evidence bound to the config digest", async () => {
    writeLiveEvidence(ws);
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(/Policies:\s+✅ cdb@v0\.1\.0/);
    // Ready, so the program declares the traders, and the pack let them pass.
    expect(r.stdout).toContain("cdb_execution");
  });

  it("refuses when one live image is not the image paper soaked: the paper stability items fail, naming it", async () => {
    // Evidence bound to the current digest, complete, fresh; only paper's records name another execution image.
    writeLiveEvidence(ws, { execution: `registry.example/cdb/execution@sha256:${"f".repeat(64)}` });
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    const text = output(r);
    expect(text).toMatch(/live-readiness: not ready, 2 of \d+ checklist items unsatisfied/);
    for (const id of ["stability.paper-orders", "stability.observation-window"]) {
      expect(text).toMatch(new RegExp(`live-readiness: ${id.replace(".", "\\.")} failed: not the soaked freight: \\S+: execution: live pins sha256:[0-9a-f]{12}…, paper soaked image`));
    }
    expect(text).not.toContain("could not be evaluated");
  });

  it("refuses again after one risk limit changes (the evidence is bound to the old digest)", async () => {
    await pulumiOk(["config", "set", "-s", "live", "--path", "--type", "float", "cdb:risk.maxPositionPct", "0.05"]);
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    expect(output(r)).toMatch(/live-readiness: .*configDigest|config digest/i);
    expect(output(r)).not.toContain("could not be evaluated");
  });

  it.each([
    ["cdb:signal.thresholdPct", "float", "0.007"],
    ["cdb:regime.confirmationBars", "int", "4"],
  ])("refuses after %s changes: evidence bound to the old digest does not carry over", async (key, type, value) => {
    // Evidence for the current settings first (the passing case above shows it passes), then one trading setting.
    const before = writeLiveEvidence(ws);
    await pulumiOk(["config", "set", "-s", "live", "--path", "--type", type, key, value]);
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    expect(output(r)).toContain(`live-readiness: stability.paper-orders invalid: evidence is for config digest ${before.slice(0, 12)}…`);
    expect(output(r)).not.toContain("could not be evaluated");
  });

  it("lets a live stack returned to paper flags (as `cdb rollback` leaves it) update without evidence, trading nothing", async () => {
    rmSync(evidenceFile, { force: true });
    await pulumiOk(["config", "set", "-s", "live", "cdb:mode", "paper"]);
    const before = ws.standinOps().length;
    const r = await ws.pulumi(["up", "-s", "live", "--yes", "--policy-pack", "policies"]);
    expect(r.code, output(r)).toBe(0);
    const ops = ws.standinOps().slice(before);
    const execution = ops.filter((o) => o.op === "create" && o.name === "cdb_execution");
    expect(execution).toHaveLength(1);
    expect(execution[0]!.inputs.envs).toContain("MOCK_TRADING=true");
    expect(ops.filter(tradesForReal)).toEqual([]);
  });

  it("reports a throwing policy as a mandatory violation, not an advisory", async () => {
    // At the same relative path, so that its import of the project's guard resolves.
    const pack = path.join(ws.project, "test", "engine", "throwing-pack");
    rmSync(pack, { recursive: true, force: true });
    cpSync(path.join(__dirname, "throwing-pack"), pack, { recursive: true });
    await pulumiOk(["stack", "init", "paper"]);
    const r = await ws.pulumi(["preview", "-s", "paper", "--policy-pack", pack]);
    expect(r.code).not.toBe(0);
    const text = output(r);
    expect(text).toContain("[mandatory]  always-throws");
    expect(text).toContain("always-throws could not be evaluated, so it refuses: TypeError: deliberate failure for the engine suite");
    expect(text).not.toContain("[advisory]");
  });
});
