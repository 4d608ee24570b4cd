import { copyFileSync, cpSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { paperOrdersStatement } from "../../ops/collect";
import { drillStatement, type DrillRecord } from "../../ops/drill";
import { fileSha256 } from "../../readiness/artifacts";
import { pulumiErrorLines } from "../../ops/pulumiErrors";
import { loadCatalog } from "../../readiness/catalog";
import { signApproval, type SignedFields } from "../../readiness/entrySignature";
import { unsatisfied } from "../../readiness/evaluate";
import type { Evidence } from "../../readiness/evidence";
import { runGate } from "../../readiness/gate";
import { DRILLED_SERVICES } from "../../readiness/paperDrillKinds";
import { signRecordFile, type Statement, writeRecord } from "../../readiness/records";
import { witnessPrincipal } from "../../config/witness";
import { checkExchange } from "../../exchange/check";
import { parseKeys } from "../../exchange/keys";
import { DEFAULT_SCENARIO } from "../../exchange/scenario";
import { startSimulator } from "../../exchange/server";
import { rehearsalStatement } from "../../exchange/statements";
import { passingRehearsalFigures } from "../exchangeRecordsFixture";
import { fixtureKeys, signEntry, writeFixtureSigners, writeWitnessedRecord } from "../readinessFixture";
import { makeKey, writeAllowedSigners } from "../sshKeys";
import { allowedSignersFile, engineArtifactsDir, initLiveStack, LIVE_KEY, LIVE_SECRET, liveConfigFile, liveEvidenceFile, pulumiOk as ok, writeLiveEvidence } from "./liveStack";
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
    // What `cdb` prints of this output (ops/pulumiErrors.ts): the violation with its message, not only "preview failed".
    const cdbLines = pulumiErrorLines(`${r.stdout}\n${r.stderr}`);
    const readiness = cdbLines.filter((l) => l.startsWith("policy violation: live-readiness ")).join("\n");
    for (const id of open) expect(readiness, cdbLines.join("\n")).toContain(`live-readiness: ${id} `);
    expect(cdbLines).not.toContain("error: preview failed");
  });

  it("with `up --skip-preview` and no evidence, stops before registering any resource, naming the unsatisfied items", async () => {
    const r = await ws.pulumi(["up", "-s", "live", "--yes", "--skip-preview", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    expect(output(r)).toMatch(/live is not updated: cdb_risk and cdb_execution would trade for real and the readiness gate is not ready: \d+ checklist item\(s\) unsatisfied \(.*killswitch\.manual-drill/);
    expect(ws.standinOps().filter((o) => o.op === "create")).toEqual([]);
  });

  it("passes with complete, fresh evidence bound to the config digest", async () => {
    writeLiveEvidence(ws);
    // The execution items from rehearsal records, the key items from a check of the live key against MEXC (issue 15).
    const items = (parse(readFileSync(evidenceFile, "utf8")) as Omit<Evidence, "file">).items;
    for (const id of ["execution.retry-tested", "execution.partial-fill-tested", "execution.timeout-tested", "execution.rate-limits"]) expect(items[id]!.artifacts![0]!.path).toMatch(/\/rehearsal-[a-z-]+\.json$/);
    for (const id of ["secrets.key-permissions", "secrets.mainnet-verified", "secrets.testnet-verified", "risk.account-balance"]) expect(items[id]!.artifacts![0]!.path).toMatch(/\/exchange-check\.json$/);
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(/Policies:\s+✅ cdb@v0\.1\.0/);
    // Ready, so the program declares the traders, and the pack let them pass.
    expect(r.stdout).toContain("cdb_execution");
    // And the stack really goes live (stand-ins), for the bypass attempts below to have a running live stack.
    await pulumiOk(["up", "-s", "live", "--yes", "--policy-pack", "policies"]);
    expect(ws.standinOps().filter((o) => o.op === "create" && tradesForReal(o)).map((o) => o.name).sort()).toEqual(["cdb_execution", "cdb_risk"]);
  });

  it("refuses CDB_ALLOWED_SIGNERS naming a list of one's own keys that would make live ready, and CDB_EVIDENCE_FILE: program and pack name them", async () => {
    // Complete evidence signed by janne and mara; the repository's allowed_signers lists only rex, a private list janne and mara.
    writeLiveEvidence(ws);
    const own = path.join(ws.project, "..", "own_signers");
    copyFileSync(allowedSignersFile(ws), own);
    writeAllowedSigners(allowedSignersFile(ws), [{ principals: ["rex"], key: makeKey("rex") }]);
    // Control: the repository's list decides, and the entries are not signed by anyone it lists.
    const control = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(control.code).not.toBe(0);
    expect(output(control)).toMatch(/live-readiness: compliance\.legal-tax invalid: entry by janne: signed by key SHA256:\S+, which is not in allowed_signers/);
    const refused = (name: string) => `${name}: refused for live: a live gate reads only the repository's readiness/allowed_signers, readiness/checklist.yaml and readiness/live.evidence.yaml`;
    const attempts = async (env: NodeJS.ProcessEnv, name: string) => {
      // The pack, on a preview (the program withholds the traders and says why).
      const preview = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"], { env });
      expect(preview.code).not.toBe(0);
      expect(output(preview)).toContain(`live-readiness could not be evaluated, so it refuses: UnusableInput: ${refused(name)}`);
      // The program, on an update without a preview or a pack: nothing reaches the providers.
      const before = ws.standinOps().length;
      const up = await ws.pulumi(["up", "-s", "live", "--yes", "--skip-preview"], { env });
      expect(up.code).not.toBe(0);
      expect(output(up)).toContain(`live is not updated: cdb_risk and cdb_execution would trade for real and the readiness gate could not be evaluated: ${refused(name)}`);
      expect(ws.standinOps().slice(before)).toEqual([]);
    };
    await attempts({ CDB_ALLOWED_SIGNERS: own }, "CDB_ALLOWED_SIGNERS");

    // The evidence moved out of the repository, the repository's list restored: CDB_EVIDENCE_FILE is refused the same way.
    writeFixtureSigners(allowedSignersFile(ws));
    const ownEvidence = path.join(ws.project, "..", "own.evidence.yaml");
    renameSync(evidenceFile, ownEvidence);
    await attempts({ CDB_EVIDENCE_FILE: ownEvidence }, "CDB_EVIDENCE_FILE");
    renameSync(ownEvidence, evidenceFile);
    // Five runs of the engine.
  }, 900_000);

  it("refuses when one live image is not the image paper soaked: the paper stability items fail, naming it", async () => {
    // Evidence bound to the current digest, complete, fresh; only paper's records name another execution image.
    writeLiveEvidence(ws, { execution: `registry.example/cdb/execution@sha256:${"f".repeat(64)}` });
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    const text = output(r);
    // Of the evidence items exactly the freight items: paper orders, observation window, candles, regime,
    // the rehearsals of that executor and the drills that exercised it (machine items about the traders a not-ready program withholds fail too).
    const evidenceItems = new Set(loadCatalog().items.filter((i) => i.kind !== "machine").map((i) => i.id));
    const freightItems = loadCatalog().items.filter((i) => i.freight).map((i) => i.id).sort();
    expect(freightItems).toEqual(["stability.candles", "stability.observation-window", "stability.paper-orders", "stability.regime"]);
    // The fixture's rehearsals ran that execution image too, so the four rehearsed items fail as well (issue 22, finding 3).
    const rehearsedItems = loadCatalog().items.filter((i) => i.record === "exchange-rehearsal").map((i) => i.id).sort();
    expect(rehearsedItems).toEqual(["execution.partial-fill-tested", "execution.rate-limits", "execution.retry-tested", "execution.timeout-tested"]);
    // And the paper drills that exercised execution (DRILLED_SERVICES): the kill drill.
    const drilledItems = loadCatalog().items.filter((i) => i.record !== undefined && (DRILLED_SERVICES as Record<string, readonly string[]>)[i.record]?.includes("execution")).map((i) => i.id);
    expect(drilledItems).toEqual(["killswitch.manual-drill"]);
    const refused = new Set([...text.matchAll(/live-readiness: ([a-z]+\.[a-z0-9-]+) (?:missing|invalid|expired|failed):/g)].map((m) => m[1]!).filter((id) => evidenceItems.has(id)));
    expect([...refused].sort()).toEqual([...freightItems, ...rehearsedItems, ...drilledItems].sort());
    for (const id of drilledItems) {
      expect(text).toMatch(new RegExp(`live-readiness: ${id.replace(".", "\\.")} failed: not live's image: \\S+: execution: live pins sha256:[0-9a-f]{12}…, the paper ran image sha256:ffffffffffff…`));
    }
    for (const id of freightItems) {
      expect(text).toMatch(new RegExp(`live-readiness: ${id.replace(".", "\\.")} failed: not the soaked freight: \\S+: execution: live pins sha256:[0-9a-f]{12}…, paper soaked image`));
    }
    for (const id of rehearsedItems) {
      expect(text).toMatch(new RegExp(`live-readiness: ${id.replace(".", "\\.")} failed: not live's image: \\S+: execution: live pins sha256:[0-9a-f]{12}…, the rehearsal ran image sha256:ffffffffffff…`));
    }
    expect(text).not.toContain("could not be evaluated");
  });

  it("refuses item by item, with the reason: a failed drill, a hand-edited record whose hash matches, a count below threshold, an unsigned entry, a self-approved entry, a key not in allowed_signers, a failed rehearsal, a key check made against the simulator, a witness's record re-signed by a person", async () => {
    writeLiveEvidence(ws);
    const keys = fixtureKeys();
    const dir = engineArtifactsDir(ws);
    const e = parse(readFileSync(evidenceFile, "utf8")) as Omit<Evidence, "file">;
    const ref = (file: string) => [{ path: path.relative(ws.project, file).split(path.sep).join("/"), sha256: fileSha256(file) }];
    const now = new Date();
    const iso = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const subjects = [{ name: "execution", digest: { sha256: "e".repeat(64) } }];

    // 1. A drill that observed nothing, built by the project's own drill statement and signed by paper's witness.
    const drill: DrillRecord = {
      kind: "cdb-killswitch-drill", version: 1, stack: "paper", mode: "paper", by: witnessPrincipal("paper"), startedAt: iso(-60_000), endedAt: iso(-30_000), redis: "engine test",
      entry: { id: `${now.getTime() - 60_000}-0`, fields: { reason: "drill" } }, outcome: "not-observed", measured: "none",
      explanation: "within 30000 ms no order was rejected and no client read stream.bot_shutdown", windowMs: 30_000,
      cleanup: { entryDeleted: true, restarted: [], note: "engine test" },
    };
    const failed = writeWitnessedRecord(drillStatement(drill, subjects), path.join(dir, `paper-${drill.startedAt.replace(/[:.]/g, "-")}.json`), keys);
    e.items["killswitch.manual-drill"] = { by: "janne", at: drill.endedAt, artifacts: ref(failed.file) };
    signEntry(e, "killswitch.manual-drill", keys, false);

    // 2. The observation record edited by hand to claim 100 more hours; its hash in the entry updated and the entry signed again.
    const windowEntry = e.items["stability.observation-window"]!;
    const windowFile = path.join(ws.project, windowEntry.artifacts![0]!.path);
    const forged = JSON.parse(readFileSync(windowFile, "utf8")) as Statement;
    forged.predicate.window.from = new Date(Date.parse(forged.predicate.window.from) - 100 * 3_600_000).toISOString();
    writeFileSync(windowFile, JSON.stringify(forged, null, 2) + "\n");
    windowEntry.artifacts = ref(windowFile);
    windowEntry.value = windowEntry.value! + 100;
    signEntry(e, "stability.observation-window", keys, false);

    // 3. 42 paper orders, honestly collected and signed by paper's witness: below the threshold of 100.
    const orderIds = Array.from({ length: 42 }, (_, i) => `MOCK_engine_${i}`);
    const orders = { stream: "stream.order_results", since: iso(-50 * 3_600_000), filled: 42, rejected: 0, errors: 0, duplicates: 0, otherStatus: 0, nonPaperIds: 0, scanned: 42, startsAfterSince: false, orderIds };
    const few = writeWitnessedRecord(paperOrdersStatement(orders, { stack: "paper", by: witnessPrincipal("paper"), now, subjects, redis: "engine test" }), path.join(dir, "few-orders.json"), keys);
    e.items["stability.paper-orders"] = { by: "janne", at: now.toISOString(), value: 42, artifacts: ref(few.file) };
    signEntry(e, "stability.paper-orders", keys, false);

    // 4. An unsigned entry.
    delete e.items["compliance.strategy"]!.signature;

    // 5. Self-approved: the author's key, under the other name allowed_signers lists for it.
    const kp = e.items["secrets.key-permissions"]!;
    kp.approvedBy = "janne@example.com";
    const fields: SignedFields = { stack: "live", item: "secrets.key-permissions", configDigest: e.configDigest, at: kp.at, by: kp.by, ...(kp.artifacts ? { artifacts: kp.artifacts } : {}) };
    kp.approvalSignature = signApproval(keys.janne.file, fields, "janne@example.com", kp.signature!);

    // 6. Signed by a key allowed_signers does not list, typing an allowed name.
    signEntry(e, "compliance.risk-policy", keys, false, makeKey("mallory"));

    // 7. The time-out rehearsal as the real executor fails it today (exchange/rehearse.ops.test.ts), by the project's own record function.
    const red = passingRehearsalFigures("timeout");
    Object.assign(red, { reported: { ERROR: 2, REJECTED: 1 }, statusMismatches: 3, filledButReportedFailed: 3, upstream: ["services/execution/live_executor.py execute_order: after a time-out …"] });
    const rehearsal = writeWitnessedRecord(rehearsalStatement(red, { stack: "rehearsal", by: witnessPrincipal("rehearsal"), window: { from: iso(-120_000), to: iso(-60_000) }, subjects }), path.join(dir, "rehearsal-timeout-red.json"), keys);
    e.items["execution.timeout-tested"] = { by: "janne", at: iso(-60_000), artifacts: ref(rehearsal.file) };
    signEntry(e, "execution.timeout-tested", keys, false);

    // 8. The live key checked by `cdb exchange check`'s own function, but against the simulator: it proves nothing for live.
    const sim = await startSimulator({ keys: parseKeys(`${LIVE_KEY} ${LIVE_SECRET}\n`, "keys"), scenario: DEFAULT_SCENARIO, port: 0 });
    let simUrl: string;
    try {
      simUrl = sim.url;
      const s = await checkExchange({ stack: "live", mode: "live", by: "janne", creds: { key: LIVE_KEY, secret: LIVE_SECRET }, apiUrl: sim.url, symbol: "BTCUSDT" });
      const checked = writeRecord(s, path.join(dir, "simulator-check.json"), keys.janne.file);
      e.items["secrets.mainnet-verified"] = { by: "janne", at: s.predicate.window.to, artifacts: ref(checked.file) };
      signEntry(e, "secrets.mainnet-verified", keys, false);
    } finally {
      await sim.close();
    }

    // 9. Paper's witness-signed candles record, signed again by janne (an allowed person, namespace cdb-evidence): a person never proves a witnessed item.
    const candles = e.items["stability.candles"]!;
    const candlesFile = path.join(ws.project, candles.artifacts![0]!.path);
    signRecordFile(candlesFile, keys.janne.file);
    signEntry(e, "stability.candles", keys, false);

    writeFileSync(evidenceFile, stringify(e));
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    const text = output(r);
    const expected: [string, string, RegExp][] = [
      ["stability.candles", "invalid", /record candles\.json: signature is for namespace "cdb-evidence", not cdb-witness; candles records count only when signed by witness@paper/],
      ["killswitch.manual-drill", "failed", /record paper-.*\.json: outcome not-observed/],
      ["stability.observation-window", "invalid", /record .*observation-window\.json: signature does not verify: it was made over other content/],
      ["stability.paper-orders", "failed", /value 42 orders is below 100 orders/],
      ["compliance.strategy", "invalid", /entry by janne: not signed/],
      ["secrets.key-permissions", "invalid", /approved with the author's own key SHA256:\S+ \(janne \/ janne@example\.com are one person\)/],
      ["compliance.risk-policy", "invalid", /entry by janne: signed by key SHA256:\S+, which is not in allowed_signers/],
      ["execution.timeout-tested", "failed", /record rehearsal-timeout-red\.json: outcome failed \(3 report\(s\) differ from the exchange's book; 3 order\(s\) filled on the exchange but reported as failed; upstream: services\/execution\/live_executor\.py execute_order\)/],
      ["secrets.mainnet-verified", "invalid", new RegExp(`record simulator-check\\.json cannot prove secrets\\.mainnet-verified: made against ${simUrl!.replace(/\./g, "\\.")}, not MEXC's mainnet`)],
    ];
    for (const [id, status, reason] of expected) expect(text).toMatch(new RegExp(`live-readiness: ${id.replace(/\./g, "\\.")} ${status}: ${reason.source}`));
    // Of the evidence items exactly these nine, nothing else: the rest of the evidence still counts. (Machine items about
    // execution and risk fail too: a program that is not ready does not declare the traders.)
    const evidenceItems = new Set(loadCatalog().items.filter((i) => i.kind !== "machine").map((i) => i.id));
    const refused = new Set([...text.matchAll(/live-readiness: ([a-z]+\.[a-z0-9-]+) (?:missing|invalid|expired|failed):/g)].map((m) => m[1]!).filter((id) => evidenceItems.has(id)));
    expect([...refused].sort()).toEqual(expected.map(([id]) => id).sort());
  });

  it("refuses again after one risk limit changes (the evidence is bound to the old digest)", async () => {
    await pulumiOk(["config", "set", "-s", "live", "--path", "--type", "float", "cdb:risk.maxPositionPct", "0.05"]);
    const r = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"]);
    expect(r.code).not.toBe(0);
    expect(output(r)).toMatch(/live-readiness: .*configDigest|config digest/i);
    expect(output(r)).not.toContain("could not be evaluated");
  });

  it("with stale evidence, no update gets through: not --target, --exclude, no pack, nor a pack config that disables every policy", async () => {
    // The evidence no longer covers the changed risk limit (previous test): the gate is not ready.
    const urns = (JSON.parse((await ws.pulumi(["stack", "export", "-s", "live"])).stdout) as { deployment: { resources: { urn: string }[] } }).deployment.resources.map((x) => x.urn);
    const allocation = urns.find((u) => u.endsWith("docker:index/container:Container::cdb_allocation"))!;
    expect(allocation).toBeDefined();
    const disabled = path.join(ws.project, "all-disabled.json");
    writeFileSync(disabled, JSON.stringify({ all: "disabled" }));
    const attempts = [
      ["up", "-s", "live", "--yes", "--target", allocation],
      ["up", "-s", "live", "--yes", "--exclude", "**cdb_execution**", "--exclude", "**cdb_risk**"],
      ["up", "-s", "live", "--yes", "--skip-preview"],
      ["up", "-s", "live", "--yes", "--policy-pack", "policies", "--policy-pack-config", disabled],
    ];
    for (const args of attempts) {
      const before = ws.standinOps().length;
      const r = await ws.pulumi(args);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(output(r), args.join(" ")).toMatch(/live is not updated: .* would trade for real and the readiness gate is not ready/);
      expect(ws.standinOps().slice(before), args.join(" ")).toEqual([]);
    }
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
    // Nothing that trades is created or updated; the live traders the stack ran are what it removes.
    expect(ops.filter((o) => o.op !== "delete" && tradesForReal(o))).toEqual([]);
    expect(ops.filter((o) => o.op === "delete" && tradesForReal(o)).map((o) => o.name).sort()).toEqual(["cdb_execution", "cdb_risk"]);
    // Nothing trades, so no gate runs: an override set meanwhile is not refused (a rollback must get through), nor silently ignored.
    const warned = await ws.pulumi(["preview", "-s", "live", "--policy-pack", "policies"], { env: { CDB_ALLOWED_SIGNERS: path.join(ws.project, "..", "own_signers") } });
    expect(warned.code, output(warned)).toBe(0);
    expect(output(warned)).toContain("CDB_ALLOWED_SIGNERS: not read for live: a live gate reads only the repository's readiness/allowed_signers");
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
