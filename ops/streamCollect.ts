import type { StackPlan } from "../model/plan";
import { type CandleFigures, candleRuns, type RegimeFigures } from "../readiness/paperDrillKinds";
import type { Statement } from "../readiness/records";
import type { RecordContext } from "./collect";
import { judgedStatement } from "./judgedRecord";
import type { RedisAccess } from "./redis";

// `cdb evidence collect`, the stream half: stability.candles and
// stability.regime read from what candles and regime published over the
// window, never from what they say about themselves.
// - candles: every candle's window start (`ts`) per symbol on
//   stream.candles_1m since --since; a gap is two consecutive candles of a
//   symbol further apart than the interval (CANDLE_INTERVAL_SECONDS). The
//   value is the hours of the gap-free run that reaches the collection.
// - regime: every signal on stream.regime_signals since --since, each checked
//   against the regime its own ADX/ATR give under the stack's REGIME_*
//   thresholds (the classification of services/regime/service.py).

export const CANDLES = "stream.candles_1m";
export const REGIME_STREAM = "stream.regime_signals";

const fieldsOf = (kv: string[]) => Object.fromEntries(kv.flatMap((_, i) => (i % 2 === 0 ? [[kv[i]!, kv[i + 1]!]] : []))) as Record<string, string>;

/** Every entry of `stream` since `since` (stream ids are Redis time), in batches; and whether the stream starts after `since`. */
async function entriesSince(redis: RedisAccess, stream: string, since: Date): Promise<{ rows: [string, Record<string, string>][]; startsAfterSince: boolean }> {
  const first = ((await redis.call(["XRANGE", stream, "-", "+", "COUNT", "1"])) ?? []) as [string, string[]][];
  const startsAfterSince = !!first[0] && Number(first[0][0].split("-")[0]) > since.getTime();
  const rows: [string, Record<string, string>][] = [];
  let cursor = String(since.getTime());
  for (;;) {
    const batch = ((await redis.call(["XRANGE", stream, cursor, "+", "COUNT", "1000"])) ?? []) as [string, string[]][];
    for (const [id, kv] of batch) rows.push([id, fieldsOf(kv)]);
    if (batch.length < 1000) break;
    cursor = `(${batch.at(-1)![0]}`;
  }
  return { rows, startsAfterSince };
}

const envOf = (plan: StackPlan, service: string) => plan.containers.find((c) => c.service === service)?.env ?? {};

export async function collectCandles(redis: RedisAccess, plan: StackPlan, since: Date): Promise<CandleFigures> {
  const env = envOf(plan, "candles");
  const stream = env.CANDLE_OUTPUT_STREAM ?? CANDLES;
  const intervalSeconds = Number(env.CANDLE_INTERVAL_SECONDS ?? 60);
  const { rows, startsAfterSince } = await entriesSince(redis, stream, since);
  const bySymbol = new Map<string, number[]>();
  for (const [, f] of rows) {
    const ts = Number(f.ts);
    if (!f.symbol || !Number.isInteger(ts)) continue;
    // A candle whose window began before --since belongs to the time before.
    if (ts * 1000 < since.getTime()) continue;
    (bySymbol.get(f.symbol) ?? bySymbol.set(f.symbol, []).get(f.symbol)!).push(ts);
  }
  return { stream, since: since.toISOString(), intervalSeconds, symbols: [...bySymbol].map(([symbol, ts]) => ({ symbol, ts })), scanned: rows.length, startsAfterSince };
}

export async function collectRegime(redis: RedisAccess, plan: StackPlan, since: Date): Promise<RegimeFigures> {
  const env = envOf(plan, "regime");
  const { rows, startsAfterSince } = await entriesSince(redis, REGIME_STREAM, since);
  return {
    stream: REGIME_STREAM,
    since: since.toISOString(),
    thresholds: { adxTrend: Number(env.REGIME_ADX_TREND_THRESHOLD), adxRange: Number(env.REGIME_ADX_RANGE_THRESHOLD), atrHighVol: Number(env.REGIME_ATR_HIGH_VOL_THRESHOLD) },
    signals: rows.map(([id, f]) => ({ id, ts: f.ts ?? "", symbol: f.symbol ?? "", regime: f.regime ?? "", adx: f.adx ?? "", atr: f.atr ?? "" })),
    startsAfterSince,
  };
}

/** A stream collector's record: the window is --since to the collection, the outcome its kind's rule. */
function streamStatement(kind: "candles" | "regime", f: CandleFigures | RegimeFigures, ctx: RecordContext, explanation: string): Statement {
  const startsLate = f.startsAfterSince ? `; the stream starts after --since, older ${kind === "candles" ? "candles" : "signals"} may be gone` : "";
  return judgedStatement({ kind, stack: ctx.stack, mode: "paper", by: ctx.by, window: { from: f.since, to: ctx.now.toISOString() }, explanation: explanation + startsLate, subjects: ctx.subjects, figures: f as unknown as Record<string, unknown> });
}

/** stability.candles as a Statement (kind candles). */
export function candlesStatement(f: CandleFigures, ctx: RecordContext): Statement {
  const runs = candleRuns(f, ctx.now.getTime());
  const gaps = runs.reduce((n, r) => n + r.gaps.length, 0);
  return streamStatement("candles", f, ctx, `${runs.map((r) => `${r.symbol} ${r.hours} h without a gap`).join(", ")}; ${gaps} gap(s) of more than ${f.intervalSeconds} s`);
}

/** stability.regime as a Statement (kind regime). */
export function regimeStatement(f: RegimeFigures, ctx: RecordContext): Statement {
  const byRegime = f.signals.reduce<Record<string, number>>((m, s) => ({ ...m, [s.regime]: (m[s.regime] ?? 0) + 1 }), {});
  return streamStatement("regime", f, ctx, `${f.signals.length} regime signal(s) on ${f.stream}, each the regime its ADX/ATR give: ${Object.entries(byRegime).map(([r, n]) => `${r} ${n}`).join(", ") || "none"}`);
}
