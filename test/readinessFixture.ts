import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { isAppService } from "../config/services";
import type { StackPlan } from "../model/plan";
import { loadCatalog } from "../readiness/catalog";
import { REPO_ROOT } from "../platform/paths";
import { configDigest } from "../readiness/digest";
import { signApproval, signAuthor, type SignedFields } from "../readiness/entrySignature";
import type { Evidence } from "../readiness/evidence";
import type { Statement, Subject } from "../readiness/records";
import { writeRecord } from "../readiness/records";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import { RECORD_KINDS } from "../readiness/recordKinds";
import { loadStackConfigFile, viewOf } from "../readiness/stackView";
import { drillStatement, type DrillRecord } from "../ops/drill";
import { observationStatement, paperOrdersStatement } from "../ops/collect";
import { FIXTURE_EXECUTION_IMAGE, writeExchangeRecords } from "./exchangeRecordsFixture";
import { LIVE_SECRETS, liveSettings } from "./mockRun";
import { allocationRestartStatement, allocationZeroStatements, type AllocationZeroResult } from "../ops/allocationDrill";
import { candlesStatement, regimeStatement } from "../ops/streamCollect";
import { answerSubject, structuredLogsStatement } from "../ops/logsCheck";
import { repoTmpDir } from "./repoTmp";
import { makeKey, type TestKey, writeAllowedSigners } from "./sshKeys";

// A complete, valid readiness case built from scratch: a live stack config,
// artifacts inside the repository (a git-ignored folder), signed records for
// the record items, an allowed_signers file with two people's throwaway keys
// (janne and mara) and two witnesses' (witness@paper, witness@rehearsal,
// namespace cdb-witness), made by ssh-keygen once per process, and an evidence
// file with every catalog item, each entry signed with the project's own
// signing functions. Witnessed records are signed by their stack's witness key
// (STAND-IN: no witness ran; the key plays the one it keeps in its volume), the
// exchange check by janne. Tests break it one piece at a time.

export interface FixtureKeys {
  janne: TestKey;
  mara: TestKey;
  /** The paper stack's witness (witness@paper) and the rehearsal stack's (witness@rehearsal). */
  witnessPaper: TestKey;
  witnessRehearsal: TestKey;
}

let keys: FixtureKeys | undefined;
/** janne (author) and mara (approver), and the two witnesses: ed25519 keys made once per test process. */
export function fixtureKeys(): FixtureKeys {
  if (!keys) {
    const dir = mkdtempSync(path.join(tmpdir(), "cdb-fixture-keys-"));
    keys = { janne: makeKey("janne", { dir }), mara: makeKey("mara", { dir }), witnessPaper: makeKey("witness-paper", { dir }), witnessRehearsal: makeKey("witness-rehearsal", { dir }) };
  }
  return keys;
}

/** The key of `stack`'s witness in the fixture (paper or rehearsal). */
export function witnessKey(stack: string, k: FixtureKeys = fixtureKeys()): TestKey {
  if (stack === "paper") return k.witnessPaper;
  if (stack === "rehearsal") return k.witnessRehearsal;
  throw new Error(`internal: the fixture has no witness of ${stack}`);
}

/** Writes a witnessed record as `stack`'s witness signs it: its key, namespace cdb-witness. */
export const writeWitnessedRecord = (s: Statement, file: string, k: FixtureKeys = fixtureKeys()) => writeRecord(s, file, witnessKey(s.predicate.stack, k).file, WITNESS_NAMESPACE);

/** allowed_signers naming janne (also as janne@example.com: one key, one person) and mara, and the witnesses of paper and rehearsal (cdb-witness only). */
export function writeFixtureSigners(file: string, k: FixtureKeys = fixtureKeys()): string {
  return writeAllowedSigners(file, [
    { principals: ["janne", "janne@example.com"], key: k.janne },
    { principals: ["mara"], key: k.mara },
    { principals: [witnessPrincipal("paper")], key: k.witnessPaper, namespaces: WITNESS_NAMESPACE },
    { principals: [witnessPrincipal("rehearsal")], key: k.witnessRehearsal, namespaces: WITNESS_NAMESPACE },
  ]);
}

export interface Fixture {
  dir: string;
  liveConfig: string;
  evidenceFile: string;
  allowedSigners: string;
  keys: FixtureKeys;
  evidence: Omit<Evidence, "file">;
  now: Date;
  write(evidence?: unknown): string;
  /** Signs every entry again (author janne, approver mara), as an honest operator would after a change. */
  sign(evidence: Omit<Evidence, "file">): Omit<Evidence, "file">;
  /** runGate's request for this fixture. */
  gateRequest(evidenceFile?: string): { stack: "live"; evidenceFile: string; configFiles: { live: string }; allowedSignersFile: string; now: Date };
}

export function liveConfigYaml(overrides: Record<string, unknown> = {}): string {
  const settings = { ...liveSettings(), ...overrides };
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`cdb:${k}`, v]));
  config["cdb:mexcApiKey"] = { secure: "v1:AAAAfixtureKey" };
  config["cdb:mexcApiSecret"] = { secure: "v1:AAAAfixtureSecret" };
  return stringify({ config });
}

/** A pin by registry digest (`…@sha256:<hex>`) or, on paper's host, by image id (`sha256:<hex>`). */
const PINNED = /(?:^|@)sha256:([0-9a-f]{64})$/;

/**
 * The subjects paper's records name: here the live plan's pinned app images
 * (what a soak of exactly those images would record). A stand-in for
 * `imageSubjects` on a running paper stack: no container ran.
 */
export function soakedSubjects(plan: StackPlan): Subject[] {
  return plan.containers
    .filter((c) => isAppService(c.service) && c.image.kind === "ref" && PINNED.test(c.image.ref))
    .map((c) => ({ name: c.service, digest: { sha256: PINNED.exec((c.image as { ref: string }).ref)![1]! }, annotations: { image: (c.image as { ref: string }).ref } }));
}

/** The execution image among a record's subjects (the one a rehearsal must have run), if any. */
const executionSubject = (subjects: Subject[]): Subject | undefined => subjects.find((s) => s.name === "execution");

/** Signs one entry of `evidence` in place: author `by`'s key, approver mara for two-person items. */
export function signEntry(evidence: Omit<Evidence, "file">, id: string, k: FixtureKeys, twoPerson: boolean, authorKey: TestKey = k.janne): void {
  const e = evidence.items[id]!;
  const fields: SignedFields = { stack: evidence.stack, item: id, configDigest: evidence.configDigest, at: e.at, by: e.by, ...(e.value !== undefined ? { value: e.value } : {}), ...(e.artifacts ? { artifacts: e.artifacts } : {}) };
  e.signature = signAuthor(authorKey.file, fields);
  if (twoPerson && e.approvedBy) e.approvalSignature = signApproval(k.mara.file, fields, e.approvedBy, e.signature);
}

/** The records of the record items, as drill, collect and logs check write them: signed by paper's witness (the exchange records: exchangeRecordsFixture.ts). */
function writeRecords(dir: string, at: Date, subjects: Subject[], k: FixtureKeys, liveKey: string): Record<string, { file: string; value?: number }> {
  const witness = witnessPrincipal("paper");
  const iso = (ms: number) => new Date(at.getTime() + ms).toISOString();
  const drill: DrillRecord = {
    kind: "cdb-killswitch-drill",
    version: 1,
    stack: "paper",
    mode: "paper",
    by: witness,
    startedAt: iso(-30_000),
    endedAt: iso(0),
    redis: "fixture",
    entry: { id: `${at.getTime() - 30_000}-0`, fields: { ts: "0", reason: "kill-switch drill by janne", priority: "SAFETY", strategy_id: "drill-fixture" } },
    outcome: "passed",
    measured: "first-rejected-order",
    latencyMs: 140,
    explanation: "fixture drill",
    rejectedOrder: { id: `${at.getTime() - 29_860}-0`, order_id: "SHUTDOWN_fixture", status: "REJECTED" },
    windowMs: 30_000,
    cleanup: { entryDeleted: true, restarted: ["cdbpaper_execution"], note: "fixture" },
  };
  const orderIds = Array.from({ length: 101 }, (_, i) => `MOCK_fixture_${i}`);
  const since = iso(-49 * 3_600_000);
  const orders = { stream: "stream.order_results", since, filled: orderIds.length, rejected: 2, errors: 0, duplicates: 1, otherStatus: 0, nonPaperIds: 0, scanned: 104, startsAfterSince: false, orderIds };
  const window = {
    hours: 49,
    since,
    now: at.toISOString(),
    lastDisruption: { at: since, container: "cdbpaper_candles", what: "started" },
    containers: subjects.map((s) => ({ name: `cdbpaper_${s.name}`, running: true, startedAt: since, restartCount: 0 })),
    events: [],
  };
  const ctx = { stack: "paper", by: witness, now: at, subjects };
  const w = (name: string, s: Statement) => writeWitnessedRecord(s, path.join(dir, name), k).file;
  // cdb drill allocation-zero: the zero reached risk after 120 ms; 18 signals blocked, orders before and after.
  const t = at.getTime();
  const decision = (pct: string, reason: string) => ({ ts: "0", strategy_id: "paper", allocation_pct: pct, reason, cooldown_until: "", schema_version: "1", source_version: "1" });
  const read = (id: string, atMs: number) => ({ client: "0 172.18.0.9:40000", command: ["XREAD", "BLOCK", "1000", "COUNT", "10", "STREAMS", "stream.allocation_decisions", id], atMs });
  const zeroRun: AllocationZeroResult = {
    stack: "paper",
    by: witness,
    startedAt: iso(-60_000),
    endedAt: iso(0),
    allocation: {
      strategyId: "paper",
      stream: "stream.allocation_decisions",
      previous: { id: `${t - 3_600_000}-0`, fields: decision("0.020000", "regime=HIGH_VOL_CHAOTIC|risk_off") },
      zero: { id: `${t - 30_000}-0`, fields: decision("0.000000", "drill: allocation 0 by janne") },
      zeroRead: read(`${t - 30_000}-0`, t - 29_880),
      restore: { id: `${t - 10_000}-0`, fields: decision("0.020000", "drill restore: regime=HIGH_VOL_CHAOTIC|risk_off") },
      restoreRead: read(`${t - 10_000}-0`, t - 9_900),
      deleted: [`${t - 30_000}-0`, `${t - 10_000}-0`],
      note: "fixture",
    },
    risk: {
      strategyId: "paper",
      signalChannel: "signals",
      orderChannel: "orders",
      graceMs: 1_000,
      before: { fromMs: t - 40_000, toMs: t - 30_000, signals: 10, orders: 10 },
      blocked: { fromMs: t - 28_880, toMs: t - 10_000, signals: 18, orders: 0 },
      after: { fromMs: t - 9_900, toMs: t, signals: 9, orders: 9 },
    },
  };
  const zero = allocationZeroStatements(zeroRun, subjects);
  const restart = allocationRestartStatement(
    {
      stack: "paper",
      by: witness,
      startedAt: iso(-25_000),
      endedAt: iso(0),
      figures: {
        container: "cdbpaper_allocation",
        stream: "stream.allocation_decisions",
        strategyIds: ["paper"],
        requestedAtMs: t - 20_000,
        startedAt: iso(-19_000),
        regimeSignal: { id: `${t - 7_200_000}-0`, regime: "HIGH_VOL_CHAOTIC" },
        boundMs: 60_000,
        decisions: [{ id: `${t - 17_500}-0`, strategy_id: "paper", allocation_pct: "0.020000", reason: "regime=HIGH_VOL_CHAOTIC|risk_off" }],
      },
    },
    subjects,
  );
  // cdb evidence collect: 49 h of one-minute candles without a gap on Redis's clock (one stream id a minute,
  // from --since: the stream is older); two regime signals, the first 48.5 h before the collection.
  const sinceMs = Date.parse(since);
  const candleIds = Array.from({ length: Math.floor((t - 5_000 - sinceMs) / 60_000) + 1 }, (_, i) => `${sinceMs + i * 60_000}-0`);
  const streamFirstId = `${sinceMs - 3_600_000}-0`;
  const candles = candlesStatement(
    { stream: "stream.candles_1m", since, collectedAt: iso(0), intervalSeconds: 60, streamFirstId, symbols: [{ symbol: "BTCUSDT", ids: candleIds }], scanned: candleIds.length, startsAfterSince: false, marketTimeApart: 0 },
    ctx,
  );
  const regime = regimeStatement(
    {
      stream: "stream.regime_signals",
      since,
      collectedAt: iso(0),
      streamFirstId,
      thresholds: { adxTrend: 25, adxRange: 20, atrHighVol: 2 },
      signals: [
        { id: `${t - 48.5 * 3_600_000}-0`, ts: String(Math.floor(t / 1000) - 48.5 * 3600), symbol: "BTCUSDT", regime: "TREND", adx: "31.200000", atr: "1.100000" },
        { id: `${t - 7_200_000}-0`, ts: String(Math.floor(t / 1000) - 7200), symbol: "BTCUSDT", regime: "HIGH_VOL_CHAOTIC", adx: "28.000000", atr: "2.400000" },
      ],
      startsAfterSince: false,
    },
    ctx,
  );
  // cdb logs check: three of execution's lines in Loki over the last hour.
  const ns = (ms: number) => String(BigInt(t + ms) * 1_000_000n);
  const logs = structuredLogsStatement(
    { loki: "cdbpaper_loki (http://127.0.0.1:3100)", query: '{container="cdbpaper_execution"}', container: "cdbpaper_execution", since: iso(-3_600_000), lines: 3, limit: 5000, firstNs: ns(-3_000_000), lastNs: ns(-60_000), sample: "Mode: MOCK" },
    { ...ctx, subjects: [answerSubject('{container="cdbpaper_execution"}', "fixture answer")] },
  );
  return {
    "monitoring.structured-logs": { file: w("structured-logs.json", logs), value: 3 },
    "killswitch.allocation-zero": { file: w("allocation-zero.json", zero.allocation), value: 120 },
    "killswitch.risk-blocks-zero": { file: w("risk-blocks-zero.json", zero.risk), value: 18 },
    "stability.allocation-restart": { file: w("allocation-restart.json", restart), value: 2.5 },
    // Computed, as the gate computes it, from the stream ids: 49 and 48.5 hours.
    "stability.candles": { file: w("candles.json", candles), value: RECORD_KINDS.candles!.value!(candles.predicate) },
    "stability.regime": { file: w("regime.json", regime), value: RECORD_KINDS.regime!.value!(regime.predicate) },
    "killswitch.manual-drill": { file: w("drill.json", drillStatement(drill, subjects)) },
    "stability.paper-orders": { file: w("paper-orders.json", paperOrdersStatement(orders, { ...ctx, redis: "fixture" })), value: 101 },
    "stability.observation-window": { file: w("observation-window.json", observationStatement(window, { ...ctx, docker: "fixture" })), value: 49 },
    // The rehearsal and the check of the live key (issue 15).
    ...writeExchangeRecords(dir, at, { check: k.janne.file, rehearsal: k.witnessRehearsal.file }, liveKey, executionSubject(subjects)),
  };
}

/**
 * A complete evidence file's content for a stack whose config digest is
 * `digest`: every attested item, each artifact written into `dir` (which must
 * lie inside `root`, the repository the gate reads artifacts from), records
 * for the record items (the exchange check of `liveKey`, the stack's key), every entry signed.
 */
export function completeEvidence(dir: string, digest: string, now: Date, root = REPO_ROOT, subjects: Subject[] = [], k: FixtureKeys = fixtureKeys(), liveKey: string = LIVE_SECRETS.mexcApiKey): Omit<Evidence, "file"> {
  const atDate = new Date(now.getTime() - 2 * 86_400_000);
  const at = atDate.toISOString();
  const rel = (file: string) => path.relative(root, file).split(path.sep).join("/");
  const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  const records = writeRecords(dir, atDate, subjects.length > 0 ? subjects : [FIXTURE_EXECUTION_IMAGE], k, liveKey);
  const evidence: Omit<Evidence, "file"> = { version: 1 as const, stack: "live", configDigest: digest, items: {} };
  for (const item of loadCatalog().items) {
    if (item.kind === "machine") continue;
    const entry: Evidence["items"][string] = { by: "janne", at };
    if (item.twoPerson) entry.approvedBy = "mara";
    const record = records[item.id];
    if (record) {
      entry.artifacts = [{ path: rel(record.file), sha256: sha(record.file) }];
      if (record.value !== undefined) entry.value = record.value;
    } else {
      if (item.threshold) entry.value = item.threshold.min !== undefined ? item.threshold.min + 1 : item.threshold.max! - 1;
      if (item.artifact) {
        const file = path.join(dir, `${item.id}.txt`);
        writeFileSync(file, `evidence for ${item.id}\n`);
        entry.artifacts = [{ path: rel(file), sha256: sha(file) }];
      }
    }
    evidence.items[item.id] = entry;
    signEntry(evidence, item.id, k, item.twoPerson);
  }
  return evidence;
}

/** `live`: settings that replace the fixture's live config settings (e.g. images pinned to what paper ran). */
export function makeFixture(now = new Date(), live: Record<string, unknown> = {}): Fixture {
  const dir = repoTmpDir("readiness-");
  const liveConfig = path.join(dir, "Pulumi.live.yaml");
  writeFileSync(liveConfig, liveConfigYaml(live));
  const plan = viewOf(loadStackConfigFile("live", liveConfig)).plan;
  const digest = configDigest(plan);
  const k = fixtureKeys();
  const allowedSigners = writeFixtureSigners(path.join(dir, "allowed_signers"), k);
  const evidence = completeEvidence(dir, digest, now, REPO_ROOT, soakedSubjects(plan), k);
  const evidenceFile = path.join(dir, "live.evidence.yaml");
  const write = (e: unknown = evidence) => {
    writeFileSync(evidenceFile, typeof e === "string" ? e : stringify(e));
    return evidenceFile;
  };
  const twoPerson = new Set(loadCatalog().items.filter((i) => i.twoPerson).map((i) => i.id));
  const sign = (e: Omit<Evidence, "file">) => {
    for (const id of Object.keys(e.items)) signEntry(e, id, k, twoPerson.has(id));
    return e;
  };
  write();
  return { dir, liveConfig, evidenceFile, allowedSigners, keys: k, evidence, now, write, sign, gateRequest: (f = evidenceFile) => ({ stack: "live", evidenceFile: f, configFiles: { live: liveConfig }, allowedSignersFile: allowedSigners, now }) };
}
