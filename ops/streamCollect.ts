import type { StackPlan } from "../model/plan";
import { type CandleFigures, candleRuns, idMs, MARKET_TIME_APART_MS, observedFromMs, type RegimeFigures, regimeHours } from "../readiness/paperDrillKinds";
import type { Statement } from "../readiness/records";
import type { RecordContext } from "./collect";
import { redisNowMs } from "./allocationDrill";
import { judgedStatement } from "./judgedRecord";
import { streamFields, type RedisAccess } from "./redis";

// `cdb evidence collect`, the stream half: stability.candles and
// stability.regime read from what candles and regime published over the
// window, never from what they say about themselves, and on Redis's clock:
// every time that counts is a stream id (`<ms>-<seq>`, the Redis server's time
// when the entry was added), never a payload's `ts` (market time: a replay of
// 50 h of old trades publishes 50 h of market time in 40 s).
// - candles: the id of every candle per symbol on stream.candles_1m since
//   --since; a gap is two consecutive candles of a symbol received further
//   apart than the interval plus a tolerance (readiness/paperDrillKinds.ts).
//   The value is the hours of the gap-free run that reaches the collection.
// - regime: every signal on stream.regime_signals since --since, each checked
//   against the regime its own ADX/ATR give under the stack's REGIME_*
//   thresholds (the classification of services/regime/service.py); the value
//   is the hours from the first signal to the collection.
// The collection time is Redis's TIME and the stream is read up to it, so
// every id lies inside the record's window, whichever host runs the collector.

export const CANDLES = "stream.candles_1m";
export const REGIME_STREAM = "stream.regime_signals";

interface StreamRead {
  rows: [string, Record<string, string>][];
  /** The stream's oldest entry, if any (it may be younger than --since: trimmed, evicted, or a fresh stack). */
  streamFirstId?: string;
  startsAfterSince: boolean;
  /** Redis TIME when the read began: the end of the window. */
  toMs: number;
}

/** Every entry of `stream` from `since` up to Redis's now, in batches. */
async function entriesSince(redis: RedisAccess, stream: string, since: Date): Promise<StreamRead> {
  const toMs = await redisNowMs(redis);
  const first = ((await redis.call(["XRANGE", stream, "-", "+", "COUNT", "1"])) ?? []) as [string, string[]][];
  const streamFirstId = first[0]?.[0];
  const startsAfterSince = streamFirstId !== undefined && idMs(streamFirstId) > since.getTime();
  const rows: [string, Record<string, string>][] = [];
  let cursor = String(since.getTime());
  for (;;) {
    const batch = ((await redis.call(["XRANGE", stream, cursor, String(toMs), "COUNT", "1000"])) ?? []) as [string, string[]][];
    for (const [id, kv] of batch) rows.push([id, streamFields(kv)]);
    if (batch.length < 1000) break;
    cursor = `(${batch.at(-1)![0]}`;
  }
  return { rows, ...(streamFirstId !== undefined ? { streamFirstId } : {}), startsAfterSince, toMs };
}

const envOf = (plan: StackPlan, service: string) => plan.containers.find((c) => c.service === service)?.env ?? {};

export async function collectCandles(redis: RedisAccess, plan: StackPlan, since: Date): Promise<CandleFigures> {
  const env = envOf(plan, "candles");
  const stream = env.CANDLE_OUTPUT_STREAM ?? CANDLES;
  const intervalSeconds = Number(env.CANDLE_INTERVAL_SECONDS ?? 60);
  const { rows, streamFirstId, startsAfterSince, toMs } = await entriesSince(redis, stream, since);
  const bySymbol = new Map<string, string[]>();
  let marketTimeApart = 0;
  for (const [id, f] of rows) {
    if (!f.symbol) continue;
    (bySymbol.get(f.symbol) ?? bySymbol.set(f.symbol, []).get(f.symbol)!).push(id);
    // Diagnostics only: how far the candle's market close lies from when Redis received it.
    const closeMs = (Number(f.ts) + intervalSeconds) * 1000;
    if (Number.isFinite(closeMs) && Math.abs(idMs(id) - closeMs) > MARKET_TIME_APART_MS) marketTimeApart++;
  }
  return {
    stream,
    since: since.toISOString(),
    collectedAt: new Date(toMs).toISOString(),
    intervalSeconds,
    ...(streamFirstId !== undefined ? { streamFirstId } : {}),
    symbols: [...bySymbol].map(([symbol, ids]) => ({ symbol, ids })),
    scanned: rows.length,
    startsAfterSince,
    marketTimeApart,
  };
}

export async function collectRegime(redis: RedisAccess, plan: StackPlan, since: Date): Promise<RegimeFigures> {
  const env = envOf(plan, "regime");
  const { rows, streamFirstId, startsAfterSince, toMs } = await entriesSince(redis, REGIME_STREAM, since);
  return {
    stream: REGIME_STREAM,
    since: since.toISOString(),
    collectedAt: new Date(toMs).toISOString(),
    ...(streamFirstId !== undefined ? { streamFirstId } : {}),
    thresholds: { adxTrend: Number(env.REGIME_ADX_TREND_THRESHOLD), adxRange: Number(env.REGIME_ADX_RANGE_THRESHOLD), atrHighVol: Number(env.REGIME_ATR_HIGH_VOL_THRESHOLD) },
    signals: rows.map(([id, f]) => ({ id, ts: f.ts ?? "", symbol: f.symbol ?? "", regime: f.regime ?? "", adx: f.adx ?? "", atr: f.atr ?? "" })),
    startsAfterSince,
  };
}

/**
 * A stream collector's record. The window is what the collector observed on
 * Redis's clock: from --since, or from the stream's oldest entry when that is
 * younger (a fresh stack's stream cannot show the time before it), to Redis's
 * TIME at collection; the outcome is its kind's rule.
 */
/**
 * Where the stream's entries were seen appear by the stack's witness
 * (witness/streamWindow.ts): the record's window starts no earlier than that,
 * and the figures hold only those entries. `note` says so in the explanation.
 */
export interface SeenFrom {
  fromMs: number;
  note: string;
}

function streamStatement(kind: "candles" | "regime", f: CandleFigures | RegimeFigures, ctx: RecordContext, explanation: string, seen?: SeenFrom): Statement {
  const startsLate = f.startsAfterSince ? `; the stream starts after --since, older ${kind === "candles" ? "candles" : "signals"} may be gone` : "";
  const toMs = Date.parse(f.collectedAt);
  const observed = observedFromMs(f.since, f.streamFirstId, toMs);
  const from = seen ? Math.max(observed, Math.min(seen.fromMs, toMs)) : observed;
  const window = { from: new Date(from).toISOString(), to: f.collectedAt };
  return judgedStatement({ kind, stack: ctx.stack, mode: "paper", by: ctx.by, window, explanation: explanation + startsLate + (seen?.note ?? ""), subjects: ctx.subjects, figures: f as unknown as Record<string, unknown> });
}

/** stability.candles as a Statement (kind candles). */
export function candlesStatement(f: CandleFigures, ctx: RecordContext, seen?: SeenFrom): Statement {
  const runs = candleRuns(f, Date.parse(f.collectedAt));
  const gaps = runs.reduce((n, r) => n + r.gaps.length, 0);
  const apart = f.marketTimeApart > 0 ? `; ${f.marketTimeApart} candle(s) carry a market time more than ${MARKET_TIME_APART_MS / 3_600_000} h from when Redis received them (a replay counts on Redis's clock only)` : "";
  return streamStatement("candles", f, ctx, `${runs.map((r) => `${r.symbol} ${r.hours} h without a gap`).join(", ")} on Redis's clock; ${gaps} gap(s) of more than two intervals (${f.intervalSeconds} s each)${apart}`, seen);
}

/** stability.regime as a Statement (kind regime). */
export function regimeStatement(f: RegimeFigures, ctx: RecordContext, seen?: SeenFrom): Statement {
  const byRegime = f.signals.reduce<Record<string, number>>((m, s) => ({ ...m, [s.regime]: (m[s.regime] ?? 0) + 1 }), {});
  const hours = regimeHours(f, Date.parse(f.collectedAt));
  return streamStatement("regime", f, ctx, `${hours} h since the first of ${f.signals.length} regime signal(s) on ${f.stream} (Redis's clock), each the regime its ADX/ATR give: ${Object.entries(byRegime).map(([r, n]) => `${r} ${n}`).join(", ") || "none"}`, seen);
}
