import path from "node:path";
import { type Statement, type Subject, writeRecord, type WrittenRecord } from "../readiness/records";
import { type AllocationRestartFigures, type AllocationZeroFigures, idMs, type RiskBlocksZeroFigures } from "../readiness/paperDrillKinds";
import { type DockerTarget, inspectContainer } from "./docker";
import { DRILL_DIR } from "./drill";
import { OpsRefused } from "../platform/errors";
import { judgedStatement } from "./judgedRecord";
import { restartContainers } from "./kill";
import type { MonitorLine, RedisAccess } from "./redis";

// Two drills of the allocation path on paper (`cdb drill …`):
// - allocation-zero: publishes, on allocation's own decision stream, the
//   decision allocation publishes for a share of 0 for the active strategy;
//   observes (MONITOR, Redis clock) risk reading it, then the strategy's
//   signals reaching risk and no order leaving it; publishes the previous
//   decision again (always: in a finally, also after an error or Ctrl-C),
//   observes orders flowing again, and deletes both drill decisions, so the
//   stream holds only what allocation wrote. Records: allocation-zero and
//   risk-blocks-zero.
// - allocation-restart: restarts allocation and waits for its start-up
//   decisions (one per strategy) within a bound. Record: allocation-restart.

export const DECISIONS = "stream.allocation_decisions";
export const REGIME_SIGNALS = "stream.regime_signals";
export const SIGNAL_CHANNEL = "signals";
export const ORDER_CHANNEL = "orders";

const fieldsOf = (kv: string[]) => Object.fromEntries(kv.flatMap((_, i) => (i % 2 === 0 ? [[kv[i]!, kv[i + 1]!]] : []))) as Record<string, string>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Redis server time in ms. */
export async function redisNowMs(redis: RedisAccess): Promise<number> {
  const [s, us] = (await redis.call(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** The newest decision of `strategyId` on the decision stream (among the last 1000). */
export async function lastDecision(redis: RedisAccess, strategyId: string): Promise<{ id: string; fields: Record<string, string> } | undefined> {
  const rows = ((await redis.call(["XREVRANGE", DECISIONS, "+", "-", "COUNT", "1000"])) ?? []) as [string, string[]][];
  for (const [id, kv] of rows) {
    const fields = fieldsOf(kv);
    if (fields.strategy_id === strategyId) return { id, fields };
  }
  return undefined;
}

export interface AllocationZeroRequest {
  stack: string;
  redis: RedisAccess;
  by: string;
  /** The active strategy: the signal service's SIGNAL_STRATEGY_ID. */
  strategyId: string;
  /** How long each phase (before, blocked, after) waits for what it needs. */
  windowMs?: number;
  /** After risk read the zero, signals in flight may still pass. */
  graceMs?: number;
  /** Signals to see blocked before the allocation is restored. */
  signals?: number;
  /** Set to end the drill early (Ctrl-C): it restores and writes what it saw. */
  abort?: { aborted: boolean };
}

export interface AllocationZeroResult {
  stack: string;
  by: string;
  startedAt: string;
  endedAt: string;
  allocation: AllocationZeroFigures;
  risk: RiskBlocksZeroFigures;
}

/** Refused before anything is written: a strategy without allocation cannot be drilled to zero. */
export class AllocationDrillRefused extends OpsRefused {
  constructor(message: string) {
    super(message);
    this.name = "AllocationDrillRefused";
  }
}

export async function runAllocationZeroDrill(req: AllocationZeroRequest): Promise<AllocationZeroResult> {
  const { redis, strategyId } = req;
  const windowMs = req.windowMs ?? 120_000;
  const graceMs = req.graceMs ?? 1_000;
  const wanted = req.signals ?? 5;
  const aborted = () => req.abort?.aborted === true;
  const previous = await lastDecision(redis, strategyId);
  if (!previous) throw new AllocationDrillRefused(`allocation has published no decision for ${strategyId} on ${DECISIONS}: risk blocks it already (no allocation), so a zero shows nothing; see cdb drill allocation-restart`);
  if (!(Number(previous.fields.allocation_pct) > 0)) throw new AllocationDrillRefused(`${strategyId}'s allocation is already ${previous.fields.allocation_pct} (${DECISIONS} ${previous.id}): nothing to set to 0`);

  // MONITOR for the whole drill: reads of the decision stream, signals and orders of the strategy.
  const lines: MonitorLine[] = [];
  let stop = false;
  const ofStrategy = (json: string | undefined) => {
    try {
      return (JSON.parse(json ?? "") as { strategy_id?: unknown }).strategy_id === strategyId;
    } catch {
      return false;
    }
  };
  const monitor = await redis.monitor(4 * windowMs + 20_000, (l) => {
    const cmd = (l.args[0] ?? "").toUpperCase();
    if (cmd === "XREAD" && l.args.includes(DECISIONS)) lines.push(l);
    else if (cmd === "PUBLISH" && (l.args[1] === SIGNAL_CHANNEL || l.args[1] === ORDER_CHANNEL) && ofStrategy(l.args[2])) lines.push(l);
    return stop;
  });
  const startedAt = new Date().toISOString();
  const t0 = await redisNowMs(redis);
  const published = (channel: string, fromMs: number, toMs = Infinity) => lines.filter((l) => l.args[0]!.toUpperCase() === "PUBLISH" && l.args[1] === channel && l.timeMs >= fromMs && l.timeMs < toMs).length;
  const readPast = (id: string) => lines.find((l) => l.args[0]!.toUpperCase() === "XREAD" && l.args.includes(id) && l.timeMs >= idMs(id));
  const waitFor = async (done: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!done() && !aborted() && Date.now() < deadline) await sleep(50);
  };

  // Before: orders of the strategy flow (the control).
  await waitFor(() => published(ORDER_CHANNEL, t0) >= 1, windowMs);
  const decision = (allocationPct: string, reason: string) => ["ts", String(Math.floor(Date.now() / 1000)), "strategy_id", strategyId, "allocation_pct", allocationPct, "reason", reason, "cooldown_until", previous.fields.cooldown_until ?? "", "schema_version", previous.fields.schema_version ?? "1", "source_version", previous.fields.source_version ?? "1"];
  const zeroArgs = decision("0.000000", `drill: allocation 0 by ${req.by}`);
  const zeroId = String(await redis.call(["XADD", DECISIONS, "MAXLEN", "~", "10000", "*", ...zeroArgs]));
  const zero = { id: zeroId, fields: fieldsOf(zeroArgs) };
  let restore: { id: string; fields: Record<string, string> } | undefined;
  let zeroRead: MonitorLine | undefined;
  let restoreRead: MonitorLine | undefined;
  let blockedFrom = idMs(zeroId);
  const deleted: string[] = [];
  try {
    await waitFor(() => !!readPast(zeroId), 10_000);
    zeroRead = readPast(zeroId);
    if (zeroRead) {
      blockedFrom = zeroRead.timeMs + graceMs;
      await waitFor(() => published(SIGNAL_CHANNEL, blockedFrom) >= wanted, graceMs + windowMs);
    }
  } finally {
    // Always back to the previous allocation, whatever happened above.
    const restoreArgs = decision(previous.fields.allocation_pct!, `drill restore: ${previous.fields.reason ?? ""}`);
    const restoreId = String(await redis.call(["XADD", DECISIONS, "MAXLEN", "~", "10000", "*", ...restoreArgs]));
    restore = { id: restoreId, fields: fieldsOf(restoreArgs) };
  }
  await waitFor(() => !!readPast(restore!.id), 10_000);
  restoreRead = readPast(restore.id);
  const afterFrom = restoreRead?.timeMs ?? idMs(restore.id);
  await waitFor(() => published(ORDER_CHANNEL, afterFrom) >= 1, windowMs);
  const t1 = await redisNowMs(redis);
  stop = true;
  await Promise.race([monitor.done, sleep(3_000)]);
  // Risk has both in memory; the stream keeps only allocation's own decisions (risk bootstraps from it).
  for (const id of [zeroId, restore.id]) if (Number(await redis.call(["XDEL", DECISIONS, id])) === 1) deleted.push(id);
  const endedAt = new Date().toISOString();
  const asRead = (l: MonitorLine | undefined) => (l ? { client: l.client, command: l.args, atMs: l.timeMs } : undefined);
  const blockedTo = idMs(restore.id);
  const span = (fromMs: number, toMs: number) => ({ fromMs, toMs, signals: published(SIGNAL_CHANNEL, fromMs, toMs), orders: published(ORDER_CHANNEL, fromMs, toMs) });
  return {
    stack: req.stack,
    by: req.by,
    startedAt,
    endedAt,
    allocation: {
      strategyId,
      stream: DECISIONS,
      previous,
      zero,
      ...(zeroRead ? { zeroRead: asRead(zeroRead)! } : {}),
      restore,
      ...(restoreRead ? { restoreRead: asRead(restoreRead)! } : {}),
      deleted,
      note: `published allocation_pct 0 for ${strategyId} on ${DECISIONS} (${zeroId}), then its previous decision again (${restore.id}); deleted ${deleted.join(", ") || "nothing"} afterwards${aborted() ? "; ended early (interrupted)" : ""}`,
    },
    risk: {
      strategyId,
      signalChannel: SIGNAL_CHANNEL,
      orderChannel: ORDER_CHANNEL,
      graceMs,
      before: span(t0, idMs(zeroId)),
      blocked: span(blockedFrom, blockedTo),
      after: span(afterFrom, t1 + 1),
    },
  };
}

/** The drill's two records: allocation-zero (the zero reached risk, and was undone) and risk-blocks-zero. */
export function allocationZeroStatements(r: AllocationZeroResult, subjects: Subject[]): { allocation: Statement; risk: Statement } {
  const base = { stack: r.stack, mode: "paper" as const, by: r.by, window: { from: r.startedAt, to: r.endedAt }, subjects };
  const a = r.allocation;
  const k = r.risk;
  return {
    allocation: judgedStatement({
      ...base,
      kind: "allocation-zero",
      explanation: `risk read the zero decision ${a.zero.id} of ${a.strategyId} ${a.zeroRead ? Math.round(a.zeroRead.atMs - idMs(a.zero.id)) : "?"} ms after it was written (Redis clock); the previous allocation ${a.previous.fields.allocation_pct} was published again and read`,
      figures: a as unknown as Record<string, unknown>,
    }),
    risk: judgedStatement({
      ...base,
      kind: "risk-blocks-zero",
      explanation: `while ${k.strategyId}'s allocation was 0, ${k.blocked.signals} of its signals reached risk on ${k.signalChannel} and ${k.blocked.orders} orders left it on ${k.orderChannel}; before: ${k.before.orders} orders, after the restore: ${k.after.orders}`,
      figures: k as unknown as Record<string, unknown>,
    }),
  };
}

export interface AllocationRestartRequest {
  stack: string;
  redis: RedisAccess;
  docker: DockerTarget;
  by: string;
  /** The allocation container. */
  container: string;
  /** Every strategy of ALLOCATION_RULES_JSON: allocation decides each at start. */
  strategyIds: string[];
  boundMs?: number;
}

export interface AllocationRestartResult {
  stack: string;
  by: string;
  startedAt: string;
  endedAt: string;
  figures: AllocationRestartFigures;
}

export async function runAllocationRestartDrill(req: AllocationRestartRequest): Promise<AllocationRestartResult> {
  const { redis } = req;
  const boundMs = req.boundMs ?? 60_000;
  const latest = ((await redis.call(["XREVRANGE", REGIME_SIGNALS, "+", "-", "COUNT", "1"])) ?? []) as [string, string[]][];
  const regimeSignal = latest[0] ? { id: latest[0][0], regime: fieldsOf(latest[0][1]).regime ?? "UNKNOWN" } : undefined;
  const startedAt = new Date().toISOString();
  const requestedAtMs = await redisNowMs(redis);
  await restartContainers(req.docker, [req.container]);
  const info = await inspectContainer(req.docker, req.container);
  const decisions: AllocationRestartFigures["decisions"] = [];
  const deadline = Date.now() + boundMs;
  let cursor = String(requestedAtMs);
  for (;;) {
    const rows = ((await redis.call(["XRANGE", DECISIONS, cursor, "+"])) ?? []) as [string, string[]][];
    for (const [id, kv] of rows) {
      cursor = `(${id}`;
      if (idMs(id) > requestedAtMs + boundMs) continue;
      const f = fieldsOf(kv);
      decisions.push({ id, strategy_id: f.strategy_id ?? "", allocation_pct: f.allocation_pct ?? "", reason: f.reason ?? "" });
    }
    if (req.strategyIds.every((s) => decisions.some((d) => d.strategy_id === s)) || Date.now() > deadline) break;
    await sleep(100);
  }
  return {
    stack: req.stack,
    by: req.by,
    startedAt,
    endedAt: new Date().toISOString(),
    figures: { container: req.container, stream: DECISIONS, strategyIds: req.strategyIds, requestedAtMs, startedAt: info.State.StartedAt, ...(regimeSignal ? { regimeSignal } : {}), boundMs, decisions },
  };
}

export function allocationRestartStatement(r: AllocationRestartResult, subjects: Subject[]): Statement {
  const f = r.figures;
  const first = f.decisions[0];
  return judgedStatement({
    kind: "allocation-restart",
    stack: r.stack,
    mode: "paper",
    by: r.by,
    window: { from: r.startedAt, to: r.endedAt },
    subjects,
    explanation: first ? `allocation published ${f.decisions.length} decision(s) after its restart, the first ${idMs(first.id) - f.requestedAtMs} ms after the restart was asked for (Redis clock)` : "no decision",
    figures: f as unknown as Record<string, unknown>,
  });
}

const stampOf = (iso: string) => iso.replace(/[:.]/g, "-");

export function writeAllocationZeroRecords(r: AllocationZeroResult, opts: { subjects: Subject[]; key?: string; namespace?: string; dir?: string }): { allocation: WrittenRecord; risk: WrittenRecord } {
  const s = allocationZeroStatements(r, opts.subjects);
  const file = (kind: string) => path.join(opts.dir ?? DRILL_DIR, `${r.stack}-${stampOf(r.startedAt)}-${kind}.json`);
  return { allocation: writeRecord(s.allocation, file("allocation-zero"), opts.key, opts.namespace), risk: writeRecord(s.risk, file("risk-blocks-zero"), opts.key, opts.namespace) };
}

export function writeAllocationRestartRecord(r: AllocationRestartResult, opts: { subjects: Subject[]; key?: string; namespace?: string; dir?: string }): WrittenRecord {
  return writeRecord(allocationRestartStatement(r, opts.subjects), path.join(opts.dir ?? DRILL_DIR, `${r.stack}-${stampOf(r.startedAt)}-allocation-restart.json`), opts.key, opts.namespace);
}
