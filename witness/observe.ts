import type { Readable } from "node:stream";
import { ORDER_RESULTS } from "../ops/drill";
import { SHUTDOWN_STREAM } from "../ops/kill";
import { DECISIONS, REGIME_SIGNALS } from "../ops/allocationDrill";
import { CANDLES } from "../ops/streamCollect";
import type { RedisAccess } from "../ops/redis";
import { appendJournal, type JournalLine } from "./journal";
import { stackContainers, type SeenContainer, type WitnessSettings } from "./stack";

// `serve`, the witness container's main process: it watches the stack on its
// own clock and Redis's and journals what it saw. Every OBSERVE_MS and on
// every container event of the engine it looks at the stack's containers
// (id, image id, state, StartedAt, RestartCount); a change of any of them is
// journalled at once. Every HEARTBEAT_MS it journals a heartbeat with the
// same view plus Redis's TIME and the last id and length of each stream the
// checklist talks about (streams change every second, so they ride on the
// heartbeat instead of making a line of their own). Stream ids are Redis's
// time; no payload's `ts` is read here. Those last ids are what the collect
// binds candles and regime to (streamWindow.ts): only entries these looks saw
// appear count, since XADD takes explicit ids of any age into a fresh stream.

export const OBSERVE_MS = 10_000;
export const HEARTBEAT_MS = 60_000;
/** A longer silence between two journal lines breaks the observation window: the witness did not watch. */
export const MAX_GAP_MS = 5 * 60_000;
/** The streams of the checklist (stream.orders does not exist: orders travel on the `orders` pub/sub channel). */
export const WATCHED_STREAMS = [CANDLES, REGIME_SIGNALS, DECISIONS, ORDER_RESULTS, SHUTDOWN_STREAM] as const;

export type ContainerView = Pick<SeenContainer, "name" | "id" | "imageId" | "state" | "running" | "startedAt" | "restartCount">;

const view = (c: SeenContainer): ContainerView => ({ name: c.name, id: c.id, imageId: c.imageId, state: c.state, running: c.running, startedAt: c.startedAt, restartCount: c.restartCount });
const key = (cs: ContainerView[]) => JSON.stringify(cs);

export async function redisTimeMs(redis: RedisAccess): Promise<number> {
  const [s, us] = (await redis.call(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** The stream's newest id, or undefined when it is empty or absent. */
export async function streamLastId(redis: RedisAccess, stream: string): Promise<string | undefined> {
  const last = ((await redis.call(["XREVRANGE", stream, "+", "-", "COUNT", "1"])) ?? []) as [string, string[]][];
  return last[0]?.[0];
}

/**
 * The streams a heartbeat records: the checklist's, and the one the candles
 * container says it writes (CANDLE_OUTPUT_STREAM), which the collect reads:
 * streamWindow.ts counts only entries of streams the heartbeats watched.
 */
export function watchedStreams(containers: Pick<SeenContainer, "service" | "env">[]): string[] {
  const candles = containers.find((c) => c.service === "candles")?.env.CANDLE_OUTPUT_STREAM;
  return [...new Set<string>([...WATCHED_STREAMS, ...(candles ? [candles] : [])])];
}

export async function streamsView(redis: RedisAccess, streams: readonly string[] = WATCHED_STREAMS): Promise<Record<string, { length: number; lastId?: string }>> {
  const out: Record<string, { length: number; lastId?: string }> = {};
  for (const s of streams) {
    const length = Number(await redis.call(["XLEN", s]));
    const lastId = await streamLastId(redis, s);
    out[s] = { length, ...(lastId !== undefined ? { lastId } : {}) };
  }
  return out;
}

export interface Observer {
  /** One look; journals a change, or a heartbeat when due. */
  tick(force?: "heartbeat"): Promise<void>;
}

export function observer(s: WitnessSettings, redis: () => Promise<RedisAccess | undefined>): Observer {
  let last: string | undefined;
  let lastHeartbeat = 0;
  let busy = Promise.resolve();
  const once = async (force?: "heartbeat") => {
    const seen = await stackContainers(s);
    const containers = seen.map(view);
    const r = await redis();
    let redisTime: number | undefined;
    let redisProblem: string | undefined;
    try {
      if (r) redisTime = await redisTimeMs(r);
    } catch (e) {
      redisProblem = (e as Error).message;
    }
    const changed = key(containers) !== last;
    const due = force === "heartbeat" || Date.now() - lastHeartbeat >= HEARTBEAT_MS;
    if (!changed && !due) return;
    const streams = r && redisTime !== undefined ? await streamsView(r, watchedStreams(seen)).catch(() => undefined) : undefined;
    appendJournal(s.journalFile, { type: changed ? "containers" : "heartbeat", containers, ...(streams ? { streams } : {}), ...(redisProblem ? { redis: redisProblem } : r ? {} : { redis: "not reachable" }) }, redisTime);
    last = key(containers);
    lastHeartbeat = Date.now();
  };
  // One look at a time: an event during a look queues the next one.
  return { tick: (force) => (busy = busy.then(() => once(force)).catch((e: unknown) => {
      process.stderr.write(`witness: observe: ${(e as Error).message}\n`);
    })) };
}

/** Runs until the process ends: a look every OBSERVE_MS and on each container event. */
export async function serve(s: WitnessSettings, redis: () => Promise<RedisAccess | undefined>): Promise<never> {
  const o = observer(s, redis);
  // docker stop: the journal shows the witness stopped watching (a gap that follows is explained, not hidden).
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.once(sig, () => {
      try {
        appendJournal(s.journalFile, { type: "stop", signal: sig });
      } finally {
        process.exit(0);
      }
    });
  }
  await o.tick("heartbeat");
  setInterval(() => void o.tick(), OBSERVE_MS);
  const listen = async () => {
    try {
      const events = (await s.docker.docker.getEvents({ filters: { type: ["container"], event: ["start", "die", "stop", "restart", "destroy", "create", "oom", "kill"] } })) as unknown as Readable;
      events.on("data", () => void o.tick());
      await new Promise((r) => events.on("close", r).on("end", r).on("error", r));
    } catch {
      // the engine is away: the interval keeps looking; retry the events below
    }
    setTimeout(() => void listen(), OBSERVE_MS);
  };
  void listen();
  return new Promise<never>(() => {});
}

// --- the observation window, from the journal --------------------------------

type Observation = JournalLine & { event: { type: "containers" | "heartbeat"; containers: ContainerView[] } };
const isObservation = (l: JournalLine): l is Observation => (l.event.type === "containers" || l.event.type === "heartbeat") && Array.isArray(l.event.containers);
const identity = (c: ContainerView) => `${c.id}|${c.startedAt}|${c.restartCount}`;

export interface JournalWindow {
  hours: number;
  from: string;
  now: string;
  /** Why the window starts where it does. */
  start: { at: string; container: string; what: string };
  containers: ContainerView[];
  events: { at: string; container: string; action: string }[];
  journal: { fromSeq: number; toSeq: number };
}

/**
 * stability.observation-window as the witness saw it: the hours, up to `now`,
 * during which every container of the stack (those it sees now, and every
 * name in `expected`) ran in each of its observations with the container id,
 * StartedAt and RestartCount it has now, and no two observations lay more
 * than MAX_GAP_MS apart. Zero when the last observation is older than that,
 * or a container is not running now.
 */
export function journalWindow(lines: JournalLine[], now: Date, since: Date, expected: string[] = []): JournalWindow {
  const obs = lines.filter(isObservation);
  const last = obs.at(-1);
  const nowIso = now.toISOString();
  const events: JournalWindow["events"] = [];
  for (let i = 1; i < obs.length; i++) {
    if (Date.parse(obs[i]!.at) < since.getTime()) continue;
    const before = new Map(obs[i - 1]!.event.containers.map((c) => [c.name, c]));
    for (const c of obs[i]!.event.containers) {
      const b = before.get(c.name);
      if (!b) events.push({ at: obs[i]!.at, container: c.name, action: "appeared" });
      else if (identity(b) !== identity(c)) events.push({ at: obs[i]!.at, container: c.name, action: b.id !== c.id ? "replaced" : "restarted" });
      else if (b.running !== c.running) events.push({ at: obs[i]!.at, container: c.name, action: c.running ? "running again" : `stopped (${c.state})` });
    }
    for (const b of before.values()) if (!obs[i]!.event.containers.some((c) => c.name === b.name)) events.push({ at: obs[i]!.at, container: b.name, action: "removed" });
  }
  const zero = (container: string, what: string): JournalWindow => ({ hours: 0, from: nowIso, now: nowIso, start: { at: nowIso, container, what }, containers: last?.event.containers ?? [], events, journal: { fromSeq: last?.seq ?? 0, toSeq: last?.seq ?? 0 } });
  if (!last) return zero("witness", "the journal holds no observation");
  if (now.getTime() - Date.parse(last.at) > MAX_GAP_MS) return zero("witness", `last observation at ${last.at}, more than ${MAX_GAP_MS / 60_000} min ago`);
  const current = new Map(last.event.containers.map((c) => [c.name, c]));
  const missing = expected.filter((n) => !current.has(n));
  if (missing.length > 0) return zero(missing[0]!, "not seen by the witness");
  const down = last.event.containers.find((c) => !c.running);
  if (down) return zero(down.name, `not running (${down.state})`);
  let start = last;
  let why = { container: "witness", what: "earliest observation in the journal" };
  for (let i = obs.length - 2; i >= 0; i--) {
    const o = obs[i]!;
    if (Date.parse(start.at) - Date.parse(o.at) > MAX_GAP_MS) {
      why = { container: "witness", what: `no observation for ${Math.round((Date.parse(start.at) - Date.parse(o.at)) / 60_000)} min before` };
      break;
    }
    const seen = new Map(o.event.containers.map((c) => [c.name, c]));
    const differs = [...current.values()].find((c) => !seen.get(c.name)?.running || identity(seen.get(c.name)!) !== identity(c));
    if (differs) {
      const was = seen.get(differs.name);
      why = { container: differs.name, what: !was ? "appeared" : was.id !== differs.id ? "replaced (new container id)" : was.running ? "restarted" : "started" };
      break;
    }
    start = o;
  }
  const hours = Math.max(0, Math.floor(((now.getTime() - Date.parse(start.at)) / 3_600_000) * 10) / 10);
  return { hours, from: start.at, now: nowIso, start: { at: start.at, ...why }, containers: last.event.containers, events, journal: { fromSeq: start.seq, toSeq: last.seq } };
}
