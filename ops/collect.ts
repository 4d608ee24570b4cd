import path from "node:path";
import type { StackPlan } from "../model/plan";
import { REPO_ROOT } from "../platform/paths";
import { makeStatement, type Statement, type Subject } from "../readiness/records";
import { dockerCall, type DockerTarget, inspectContainer } from "./docker";
import { ORDER_RESULTS } from "./drill";
import { OpsFailure } from "../platform/errors";
import { streamFields, type RedisAccess } from "./redis";

// `cdb evidence collect`: measures four checklist items from the running paper
// stack instead of having someone type them (candles and regime: ops/streamCollect.ts).
// - stability.paper-orders: distinct paper order ids (MOCK_…) with status
//   FILLED on stream.order_results since --since. "Erfolgreich processed" is
//   read as filled: REJECTED (risk, the kill switch) and ERROR results are
//   counted in the artifact but not in the value. Duplicates count once.
// - stability.observation-window: hours since the last crash, restart, OOM or
//   start of any paper container (Docker State.StartedAt, RestartCount, and
//   die/oom/restart events since --since). A container that is not running: 0.
//   StartedAt is the source that cannot miss a restart; the engine keeps only
//   its last few hundred events in memory, so the events add detail (exit
//   codes, OOM) when they are still there. Docker's clock, not --since and
//   not market time: a replay into a stack started ten minutes ago is ten
//   minutes of observation.
// Each record's window is the span actually observed, never the --since asked
// for when the stack or its stream is younger (ordersObservedFrom, the stream
// collectors' windows): freight's "soaked on paper <from> to <to>" reads it.

export const COLLECT_DIR = path.join(REPO_ROOT, "readiness", "artifacts", "collected");

export interface PaperOrders {
  stream: string;
  since: string;
  /** Distinct MOCK_ order ids with status FILLED. */
  filled: number;
  rejected: number;
  errors: number;
  duplicates: number;
  otherStatus: number;
  nonPaperIds: number;
  scanned: number;
  firstId?: string;
  lastId?: string;
  /** True when the stream's oldest entry is younger than --since: older results may have been trimmed or evicted. */
  startsAfterSince: boolean;
  orderIds: string[];
}


export async function countPaperOrders(redis: RedisAccess, since: Date): Promise<PaperOrders> {
  const seen = new Map<string, string>();
  const r: PaperOrders = { stream: ORDER_RESULTS, since: since.toISOString(), filled: 0, rejected: 0, errors: 0, duplicates: 0, otherStatus: 0, nonPaperIds: 0, scanned: 0, startsAfterSince: false, orderIds: [] };
  const first = ((await redis.call(["XRANGE", ORDER_RESULTS, "-", "+", "COUNT", "1"])) ?? []) as [string, string[]][];
  if (first[0]) r.startsAfterSince = Number(first[0][0].split("-")[0]) > since.getTime();
  let cursor = String(since.getTime());
  for (;;) {
    const batch = ((await redis.call(["XRANGE", ORDER_RESULTS, cursor, "+", "COUNT", "1000"])) ?? []) as [string, string[]][];
    for (const [id, kv] of batch) {
      r.scanned++;
      r.firstId ??= id;
      r.lastId = id;
      const f = streamFields(kv);
      const orderId = f.order_id ?? "";
      if (seen.has(orderId)) {
        r.duplicates++;
        continue;
      }
      seen.set(orderId, f.status ?? "");
      if (f.status === "FILLED" && orderId.startsWith("MOCK_")) {
        r.filled++;
        r.orderIds.push(orderId);
      } else if (f.status === "FILLED") r.nonPaperIds++;
      else if (f.status === "REJECTED") r.rejected++;
      else if (f.status === "ERROR") r.errors++;
      else r.otherStatus++;
    }
    if (batch.length < 1000) break;
    cursor = `(${batch.at(-1)![0]}`;
  }
  return r;
}

export interface ContainerUptime {
  name: string;
  running: boolean;
  startedAt?: string;
  restartCount?: number;
  oomKilled?: boolean;
  exitCode?: number;
}

export interface ObservationWindow {
  hours: number;
  since: string;
  now: string;
  lastDisruption?: { at: string; container: string; what: string };
  containers: ContainerUptime[];
  events: { at: string; container: string; action: string; exitCode?: string }[];
}

async function containerEvents(t: DockerTarget, names: string[], since: Date, now: Date): Promise<ObservationWindow["events"]> {
  const stream = await dockerCall(t, "read container events", () =>
    t.docker.getEvents({
      since: Math.floor(since.getTime() / 1000),
      // Never in the future: the engine would keep the stream open until then.
      until: Math.ceil(Math.min(now.getTime(), Date.now()) / 1000),
      filters: { type: ["container"], event: ["die", "oom", "restart", "start", "kill"], container: names },
    }),
  );
  const text = await dockerCall(t, "read container events", async () => {
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString("utf8");
  });
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { timeNano: number; Action: string; Actor: { Attributes: Record<string, string> } })
    .map((e) => ({
      at: new Date(e.timeNano / 1e6).toISOString(),
      container: e.Actor.Attributes.name ?? "?",
      action: e.Action,
      ...(e.Actor.Attributes.exitCode !== undefined ? { exitCode: e.Actor.Attributes.exitCode } : {}),
    }));
}

export async function observationWindow(t: DockerTarget, plan: StackPlan, since: Date, now = new Date()): Promise<ObservationWindow> {
  const containers: ContainerUptime[] = [];
  const starts: { at: number; container: string; what: string }[] = [];
  for (const c of plan.containers) {
    try {
      const info = await inspectContainer(t, c.name);
      const s = info.State;
      containers.push({ name: c.name, running: s.Running && !s.Restarting, startedAt: s.StartedAt, restartCount: info.RestartCount, oomKilled: s.OOMKilled, exitCode: s.ExitCode });
      starts.push({ at: Date.parse(s.StartedAt), container: c.name, what: info.RestartCount > 0 ? `started (RestartCount ${info.RestartCount})` : "started" });
    } catch (e) {
      if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
      containers.push({ name: c.name, running: false });
    }
  }
  const events = await containerEvents(t, plan.containers.map((c) => c.name), since, now);
  for (const e of events) starts.push({ at: Date.parse(e.at), container: e.container, what: e.action === "die" ? `died (exit code ${e.exitCode ?? "?"})` : e.action });
  const base = { since: since.toISOString(), now: now.toISOString(), containers, events };
  const down = containers.find((c) => !c.running);
  if (down) return { ...base, hours: 0, lastDisruption: { at: now.toISOString(), container: down.name, what: "not running" } };
  const last = starts.sort((a, b) => b.at - a.at)[0];
  if (!last) return { ...base, hours: 0 };
  const hours = Math.floor(((now.getTime() - last.at) / 3_600_000) * 10) / 10;
  return { ...base, hours: Math.max(0, hours), lastDisruption: { at: new Date(last.at).toISOString(), container: last.container, what: last.what } };
}

export interface RecordContext {
  stack: string;
  by: string;
  now: Date;
  /** The images of the paper containers that ran during the window. */
  subjects: Subject[];
}

/**
 * Where the collector's observation of the order results began, on Redis's
 * clock: --since when the stream already held older entries, else its first
 * entry (a fresh stack cannot show the time before it), and the collection
 * itself when it held none: never the --since asked for by itself.
 */
export function ordersObservedFrom(orders: PaperOrders, now: Date): string {
  if (!orders.firstId) return now.toISOString();
  return orders.startsAfterSince ? new Date(Math.min(Number(orders.firstId.split("-")[0]), now.getTime())).toISOString() : orders.since;
}

/** stability.paper-orders as a signed-record Statement (kind paper-orders): the window is the span observed (ordersObservedFrom) to now. */
export function paperOrdersStatement(orders: PaperOrders, ctx: RecordContext & { redis: string }): Statement {
  return makeStatement({
    kind: "paper-orders",
    stack: ctx.stack,
    mode: "paper",
    by: ctx.by,
    window: { from: ordersObservedFrom(orders, ctx.now), to: ctx.now.toISOString() },
    outcome: "measured",
    explanation: `distinct MOCK_ order ids with status FILLED on ${orders.stream}${orders.startsAfterSince ? "; the stream starts after --since, older results may be gone" : ""}`,
    subjects: ctx.subjects,
    figures: { ...orders, redis: ctx.redis },
  });
}

/**
 * stability.observation-window as a Statement (kind observation-window): the
 * window runs from the last disruption to now, so its length is the value; a
 * container that is not running makes the outcome failed.
 */
export function observationStatement(w: ObservationWindow, ctx: RecordContext & { docker: string }): Statement {
  const from = w.hours === 0 || !w.lastDisruption ? w.now : w.lastDisruption.at;
  const down = w.containers.filter((c) => !c.running);
  return makeStatement({
    kind: "observation-window",
    stack: ctx.stack,
    mode: "paper",
    by: ctx.by,
    window: { from, to: w.now },
    outcome: down.length > 0 || !w.lastDisruption ? "failed" : "measured",
    explanation: w.lastDisruption ? `${w.hours} h since ${w.lastDisruption.container} ${w.lastDisruption.what} at ${w.lastDisruption.at}` : "no container start found",
    subjects: ctx.subjects,
    figures: {
      since: w.since,
      docker: ctx.docker,
      ...(w.lastDisruption ? { lastDisruption: w.lastDisruption } : {}),
      containers: w.containers.map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined))),
      events: w.events,
    },
  });
}
