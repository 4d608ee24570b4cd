import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { makeStatement, type Statement, type Subject, writeRecord, type WrittenRecord } from "../readiness/records";
import type { DockerTarget } from "./docker";
import { OpsRefused } from "../platform/errors";
import { deleteEntry, restartContainers, SHUTDOWN_STREAM, shutdownEntryCount, writeKillEntry } from "./kill";
import { pollUntil } from "../platform/poll";
import { streamFields, type MonitorLine, type RedisAccess } from "./redis";

// Kill-switch drill on paper: write an entry with a drill strategy id, then
// measure how long until execution rejects an order (its REJECTED SHUTDOWN_…
// result on stream.order_results) or, when no order arrives, until a service
// reads the entry (MONITOR shows a read of stream.bot_shutdown after the
// XADD). Both times come from Redis's own clock: stream ids and MONITOR
// timestamps, so the polling interval does not enter the number.

export const ORDER_RESULTS = "stream.order_results";
export const DRILL_DIR = path.join(REPO_ROOT, "readiness", "artifacts", "drills");
export const DRILL_KIND = "cdb-killswitch-drill" as const;
/** The record kind (readiness/recordKinds.ts) the drill's signed record has. */
export const DRILL_RECORD_KIND = "killswitch-drill";

export type DrillMeasure = "first-rejected-order" | "entry-read" | "none";

export interface DrillRecord {
  kind: typeof DRILL_KIND;
  version: 1;
  stack: string;
  mode: "paper";
  by: string;
  startedAt: string;
  /** When the measurement ended (before the clean-up). */
  endedAt: string;
  redis: string;
  entry: { id: string; fields: Record<string, string> };
  outcome: "passed" | "not-observed";
  measured: DrillMeasure;
  /** Milliseconds from the XADD to what `measured` names, Redis server clock. */
  latencyMs?: number;
  explanation: string;
  rejectedOrder?: { id: string; order_id: string; status: string };
  entryRead?: { client: string; command: string[] };
  windowMs: number;
  cleanup: { entryDeleted: boolean; restarted: string[]; note: string };
}

export interface DrillRequest {
  stack: string;
  redis: RedisAccess;
  by: string;
  strategyId?: string;
  /** How long to wait for a rejected order. */
  windowMs?: number;
  /** Containers that hold the shutdown in memory (execution, risk, allocation): restarted after the drill. */
  restart?: { docker: DockerTarget; containers: string[] };
  pollMs?: number;
}

const idMs = (id: string) => Number(id.split("-")[0]);
const READS = new Set(["XREAD", "XREADGROUP", "XRANGE", "XREVRANGE"]);

export async function runDrill(req: DrillRequest): Promise<DrillRecord> {
  const { redis } = req;
  const windowMs = req.windowMs ?? 30_000;
  const strategyId = req.strategyId ?? `drill-${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}`;
  const pending = await shutdownEntryCount(redis);
  if (pending > 0) throw new DrillRefused(`${SHUTDOWN_STREAM} already holds ${pending} entr${pending === 1 ? "y" : "ies"}: execution is already shut down, a drill would measure nothing (cdb kill --release first)`);

  // MONITOR first, so the first read after the XADD is not missed.
  let seenXadd = false;
  let read: MonitorLine | undefined;
  const monitor = await redis.monitor(windowMs + 2_000, (l) => {
    const cmd = (l.args[0] ?? "").toUpperCase();
    if (cmd === "XADD" && l.args[1] === SHUTDOWN_STREAM && l.args.includes(strategyId)) seenXadd = true;
    else if (seenXadd && READS.has(cmd) && l.args.includes(SHUTDOWN_STREAM)) read = l;
    return read !== undefined;
  });
  const startedAt = new Date().toISOString();
  const entry = await writeKillEntry(redis, { reason: `kill-switch drill by ${req.by}`, strategyId });
  const t0 = idMs(entry.id);
  let cursor = `(${entry.id}`;
  // The first order result execution rejects because of the shutdown, after the entry.
  const firstRejection = async (): Promise<{ id: string; order_id: string; status: string } | undefined> => {
    const batch = ((await redis.call(["XRANGE", ORDER_RESULTS, cursor, "+", "COUNT", "500"])) ?? []) as [string, string[]][];
    for (const [id, kv] of batch) {
      const f = streamFields(kv);
      if (f.status === "REJECTED" && (f.order_id ?? "").startsWith("SHUTDOWN_")) return { id, order_id: f.order_id!, status: f.status };
      cursor = `(${id}`;
    }
    return undefined;
  };
  const { value: rejected } = await pollUntil(firstRejection, (r) => r !== undefined, { deadline: Date.now() + windowMs, intervalMs: req.pollMs ?? 100 });
  // The read normally shows within a second; give MONITOR a moment to report it.
  await pollUntil(async () => read !== undefined || rejected !== undefined, (seen) => seen, { deadline: Date.now() + 2_000, intervalMs: 50 });
  const seen = read as MonitorLine | undefined;

  let record: Omit<DrillRecord, "cleanup" | "endedAt">;
  const base = { kind: DRILL_KIND, version: 1 as const, stack: req.stack, mode: "paper" as const, by: req.by, startedAt, redis: redis.where, entry: { id: entry.id, fields: entry.fields }, windowMs };
  if (rejected) {
    record = {
      ...base,
      outcome: "passed",
      measured: "first-rejected-order",
      latencyMs: idMs(rejected.id) - t0,
      explanation: `time from the XADD (${entry.id}) to execution's first REJECTED ${rejected.order_id} on ${ORDER_RESULTS} (${rejected.id}); both stream ids are Redis server time in ms`,
      rejectedOrder: rejected,
      ...(seen ? { entryRead: { client: seen.client, command: seen.args } } : {}),
    };
  } else if (seen) {
    record = {
      ...base,
      outcome: "passed",
      measured: "entry-read",
      latencyMs: Math.max(0, Math.round(seen.timeMs - t0)),
      explanation: `no order arrived within ${windowMs} ms, so this is the time from the XADD (${entry.id}) until a client (${seen.client}) read ${SHUTDOWN_STREAM} past it (MONITOR, Redis server time); it shows the entry was read, not that an order was rejected`,
      entryRead: { client: seen.client, command: seen.args },
    };
  } else {
    record = {
      ...base,
      outcome: "not-observed",
      measured: "none",
      explanation: `within ${windowMs} ms no order was rejected and no client read ${SHUTDOWN_STREAM} after the XADD: the kill switch is not shown to work`,
    };
  }
  await Promise.race([monitor.done, new Promise((r) => setTimeout(r, 3_000))]);
  const endedAt = new Date().toISOString();

  // Clean up: the entry re-arms after every restart, and the services keep the shutdown in memory.
  const deleted = (await deleteEntry(redis, entry.id)) === 1;
  let restarted: string[] = [];
  let note: string;
  if (req.restart && req.restart.containers.length > 0) {
    await restartContainers(req.restart.docker, req.restart.containers);
    restarted = [...req.restart.containers];
    note = `deleted the drill entry ${entry.id} and restarted ${restarted.join(", ")}, which kept the shutdown in memory; paper trades again`;
  } else {
    note = `deleted the drill entry ${entry.id}, but restarted nothing: execution, risk and allocation keep the shutdown in memory and reject orders until they are restarted`;
  }
  return { ...record, endedAt, cleanup: { entryDeleted: deleted, restarted, note } };
}

export class DrillRefused extends OpsRefused {
  constructor(message: string) {
    super(message);
    this.name = "DrillRefused";
  }
}

/** The drill as an in-toto Statement (kind killswitch-drill): `subjects` are the images of the containers it drilled. */
export function drillStatement(r: DrillRecord, subjects: Subject[]): Statement {
  return makeStatement({
    kind: DRILL_RECORD_KIND,
    stack: r.stack,
    mode: r.mode,
    by: r.by,
    window: { from: r.startedAt, to: r.endedAt },
    outcome: r.outcome,
    explanation: r.explanation,
    subjects,
    figures: {
      measured: r.measured,
      ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
      windowMs: r.windowMs,
      redis: r.redis,
      entry: r.entry,
      ...(r.rejectedOrder ? { rejectedOrder: r.rejectedOrder } : {}),
      ...(r.entryRead ? { entryRead: r.entryRead } : {}),
      cleanup: r.cleanup,
    },
  });
}

/**
 * Writes the drill's record under readiness/artifacts/drills as a Statement,
 * signed beside itself (`.sig`) when a key is given.
 */
export function writeDrillRecord(record: DrillRecord, opts: { subjects: Subject[]; key?: string; namespace?: string; dir?: string }): WrittenRecord {
  const file = path.join(opts.dir ?? DRILL_DIR, `${record.stack}-${record.startedAt.replace(/[:.]/g, "-")}.json`);
  return writeRecord(drillStatement(record, opts.subjects), file, opts.key, opts.namespace);
}
