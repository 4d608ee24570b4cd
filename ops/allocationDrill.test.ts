import { appendFileSync, readFileSync } from "node:fs";
import { APP_SERVICES } from "../config/services";
import { liveImages } from "../test/mockRun";
import { describe, expect, it } from "vitest";
import { runGate } from "../readiness/gate";
import { readRecord } from "../readiness/records";
import { doublesAround } from "../test/doublesAround";
import { npxCdb } from "../test/npxCdb";
import { paperPlan } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { DECISIONS, lastDecision, REGIME_SIGNALS, runAllocationRestartDrill, runAllocationZeroDrill, writeAllocationRestartRecord, writeAllocationZeroRecords } from "./allocationDrill";
import { dockerTarget } from "./docker";
import { OpsRefused } from "../platform/errors";
import { addEvidence } from "./evidence";
import { imageSubjects } from "./recordSubjects";
import { containerRedis } from "./redis";
import { startWitness, stopWitness } from "../test/witnessAround";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";

// The allocation drills on a paper stack of TEST DOUBLES (test/images/double:
// signal publishes signals, risk gates them by allocation, allocation decides
// at start from the newest regime signal; each models only that).

const t = dockerTarget();
const STACK = "alloctest";
/** Drill records count only as their stack's witness signs them: the records of runs called here name paper's (the fixture's key stands in for its volume's). */
const WITNESS = witnessPrincipal("paper");

describe("cdb drill allocation-restart and allocation-zero on a paper stack of test doubles", () => {
  const { plan, file: stackFile } = paperPlan(STACK);
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  const doubles = doublesAround(t, plan, { only: ["redis", "signal", "risk", "allocation"], signalIntervalMs: 100 });
  const redis = () => containerRedis(t, name("redis"));
  const subjects = () => imageSubjects(t, ["risk", "allocation", "signal", "redis"].map((s) => ({ service: s, container: name(s) })));
  const decisions = async () => ((await redis().call(["XRANGE", DECISIONS, "-", "+"])) ?? []) as [string, string[]][];

  it("refuses to drill a strategy to zero that allocation never decided, and writes nothing", async () => {
    await expect(runAllocationZeroDrill({ stack: "paper", redis: redis(), by: WITNESS, strategyId: "paper", windowMs: 1_000 })).rejects.toThrow(OpsRefused);
    await expect(runAllocationZeroDrill({ stack: "paper", redis: redis(), by: WITNESS, strategyId: "paper", windowMs: 1_000 })).rejects.toThrow(/allocation has published no decision for paper/);
    expect(await decisions()).toEqual([]);
  });

  it("records a failed restart while stream.regime_signals is empty: allocation decides nothing at start", async () => {
    const r = await runAllocationRestartDrill({ stack: "paper", redis: redis(), docker: t, by: WITNESS, container: name("allocation"), strategyIds: ["paper"], boundMs: 3_000 });
    expect(r.figures.decisions).toEqual([]);
    expect(r.figures.regimeSignal).toBeUndefined();
    const fx = makeFixture();
    const { file } = writeAllocationRestartRecord(r, { subjects: await subjects(), key: fx.keys.witnessPaper.file, namespace: WITNESS_NAMESPACE, dir: repoTmpDir("alloc-") });
    const rec = readRecord(file);
    expect(rec.ok && rec.statement.predicate).toMatchObject({ outcome: "failed", explanation: expect.stringContaining("stream.regime_signals is empty") });
    expect(() => addEvidence({ file: fx.evidenceFile, id: "stability.allocation-restart", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [file] })).toThrow(/outcome failed/);
  }, 60_000);

  it("restarts allocation through npx cdb drill, sees its decision within the bound, and the gate counts the record", async () => {
    await redis().call(["XADD", REGIME_SIGNALS, "*", "ts", String(Math.floor(Date.now() / 1000)), "symbol", "BTCUSDT", "timeframe", "60s", "regime", "HIGH_VOL_CHAOTIC", "adx", "28.000000", "atr", "2.400000"]);
    const out = repoTmpDir("alloc-");
    // The stack's witness runs the drill and signs the record (issue 22).
    const w = await startWitness(t, plan, doubles());
    let run;
    try {
      run = await npxCdb(["drill", "allocation-restart", "--stack", STACK, "--stack-config", stackFile, "--out", out, "--bound", "30", "--by", "janne", "--json"], { env: { CDB_AUDIT_FILE: `${out}/audit.jsonl` } });
    } finally {
      await stopWitness(t, w);
    }
    expect(run.code, run.err).toBe(0);
    const r = JSON.parse(run.out) as { outcome: string; file: string; figures: { decisions: { id: string; strategy_id: string; allocation_pct: string }[]; requestedAtMs: number } };
    expect(r.outcome).toBe("passed");
    expect(r.figures.decisions).toEqual([expect.objectContaining({ strategy_id: "paper", allocation_pct: "0.020000" })]);
    const seconds = (Number(r.figures.decisions[0]!.id.split("-")[0]) - r.figures.requestedAtMs) / 1000;
    process.stdout.write(`allocation restart -> first decision (s, Redis clock): ${seconds}\n`);
    const rec = readRecord(r.file);
    expect(rec.ok && rec.statement.predicate).toMatchObject({ kind: "allocation-restart", by: `witness@${STACK}`, outcome: "passed" });
    expect(readFileSync(`${out}/audit.jsonl`, "utf8")).toContain('"op":"drill.allocation-restart"');
    // The operator adds it over the witness's record, with the witness's line (as `cdb witness key` prints it)
    // in the signer list, and live pinning the images the doubles run: the gate counts it.
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const fx = makeFixture(new Date(), { images: liveImages(Object.fromEntries(APP_SERVICES.map((x) => [x, imageId]))) });
    appendFileSync(fx.allowedSigners, `${w.allowedSignersLine}\n`);
    addEvidence({ file: fx.evidenceFile, id: "stability.allocation-restart", by: "janne", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [r.file] });
    const gate = runGate({ ...fx.gateRequest(), now: new Date() });
    expect(gate.verdict.items.find((i) => i.id === "stability.allocation-restart")).toMatchObject({ status: "satisfied", reason: expect.stringContaining(`signed by witness@${STACK}`) });
  }, 120_000);

  it("sets paper's allocation to 0, observes risk block its signals, restores it, and both records count", async () => {
    const before = await lastDecision(redis(), "paper");
    expect(before?.fields.allocation_pct).toBe("0.020000");
    const r = await runAllocationZeroDrill({ stack: "paper", redis: redis(), by: WITNESS, strategyId: "paper", windowMs: 10_000 });
    expect(r.risk.before.orders).toBeGreaterThan(0);
    expect(r.risk.blocked).toMatchObject({ orders: 0 });
    expect(r.risk.blocked.signals).toBeGreaterThanOrEqual(5);
    expect(r.risk.after.orders).toBeGreaterThan(0);
    expect(r.allocation.deleted).toEqual([r.allocation.zero.id, r.allocation.restore!.id]);
    process.stdout.write(`allocation 0 -> risk read it (ms, Redis clock): ${Math.round(r.allocation.zeroRead!.atMs - Number(r.allocation.zero.id.split("-")[0]))}; blocked ${r.risk.blocked.signals} signals\n`);
    // The stream holds allocation's own decisions only, as before the drill.
    expect(await lastDecision(redis(), "paper")).toEqual(before);

    // The drill counts for live only when live pins the images it exercised (DRILLED_SERVICES): the doubles'.
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const fx = makeFixture(new Date(), { images: liveImages(Object.fromEntries(APP_SERVICES.map((x) => [x, imageId]))) });
    const written = writeAllocationZeroRecords(r, { subjects: await subjects(), key: fx.keys.witnessPaper.file, namespace: WITNESS_NAMESPACE, dir: repoTmpDir("alloc-") });
    for (const [id, file] of [["killswitch.allocation-zero", written.allocation.file], ["killswitch.risk-blocks-zero", written.risk.file]] as const) {
      addEvidence({ file: fx.evidenceFile, id, key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [file] });
    }
    const gate = runGate({ ...fx.gateRequest(), now: new Date() });
    for (const id of ["killswitch.allocation-zero", "killswitch.risk-blocks-zero"]) expect(gate.verdict.items.find((i) => i.id === id), id).toMatchObject({ status: "satisfied" });
    expect(gate.verdict.items.filter((i) => i.status !== "satisfied")).toEqual([]);
  }, 120_000);

  it("restores the allocation when risk never reads the zero, and the records say failed", async () => {
    const before = await lastDecision(redis(), "paper");
    await t.docker.getContainer(name("risk")).stop({ t: 1 });
    try {
      const r = await runAllocationZeroDrill({ stack: "paper", redis: redis(), by: WITNESS, strategyId: "paper", windowMs: 1_500 });
      expect(r.allocation.zeroRead).toBeUndefined();
      expect(r.allocation.restore!.fields.allocation_pct).toBe(before!.fields.allocation_pct);
      expect(await lastDecision(redis(), "paper")).toEqual(before);
      const fx = makeFixture();
      const written = writeAllocationZeroRecords(r, { subjects: await subjects(), key: fx.keys.witnessPaper.file, namespace: WITNESS_NAMESPACE, dir: repoTmpDir("alloc-") });
      const a = readRecord(written.allocation.file);
      const k = readRecord(written.risk.file);
      expect(a.ok && a.statement.predicate).toMatchObject({ outcome: "failed", explanation: expect.stringContaining("risk never read stream.allocation_decisions past the zero decision") });
      expect(k.ok && k.statement.predicate).toMatchObject({ outcome: "failed", explanation: expect.stringContaining("risk approved no order of paper before the drill") });
      expect(() => addEvidence({ file: fx.evidenceFile, id: "killswitch.risk-blocks-zero", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [written.risk.file] })).toThrow(/outcome failed/);
    } finally {
      await t.docker.getContainer(name("risk")).start();
    }
  }, 60_000);

  it("restores the allocation when the drill is interrupted", async () => {
    const before = await lastDecision(redis(), "paper");
    const abort = { aborted: false };
    setTimeout(() => (abort.aborted = true), 300);
    const r = await runAllocationZeroDrill({ stack: "paper", redis: redis(), by: WITNESS, strategyId: "paper", windowMs: 20_000, abort });
    expect(r.allocation.note).toMatch(/ended early \(interrupted\)/);
    expect(r.allocation.restore!.fields.allocation_pct).toBe("0.020000");
    expect(await lastDecision(redis(), "paper")).toEqual(before);
  }, 60_000);
});
