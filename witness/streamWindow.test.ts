import { describe, expect, it } from "vitest";
import { candlesStatement, regimeStatement } from "../ops/streamCollect";
import type { CandleFigures, RegimeFigures } from "../readiness/paperDrillKinds";
import { RECORD_KINDS, type RecordPredicate } from "../readiness/recordKinds";
import type { JournalLine } from "./journal";
import { MAX_GAP_MS } from "./observe";
import { streamWitness, witnessedCandles, witnessedRegime } from "./streamWindow";

// Which stream entries count for stability.candles and stability.regime: only
// those the witness's heartbeats saw appear. A small model of a Redis stream
// (each entry: its id, when it was added on Redis's clock, when it was deleted)
// and of the heartbeats that look at it (Redis TIME, the stream's last id then),
// the way observe.ts journals them; the figures are what the collector would
// read at the end, and the value is the record kind's own (the gate's) rule.

const H = 3_600_000;
const MIN = 60_000;
const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const CANDLES = "stream.candles_1m";
const REGIME = "stream.regime_signals";
const ctx = { stack: "paper", by: "witness@paper", now: new Date(), subjects: [{ name: "candles", digest: { sha256: "c".repeat(64) } }] };

interface Entry {
  id: string;
  addedMs: number;
  deletedMs?: number;
}
/** Entries Redis gave their ids (`XADD * …`): one a minute from `fromMs` to `toMs`, 5 s after each minute. */
const auto = (fromMs: number, toMs: number, extra: Partial<Entry> = {}): Entry[] => {
  const out: Entry[] = [];
  for (let t = fromMs + 5_000; t <= toMs; t += MIN) out.push({ id: `${t}-0`, addedMs: t, ...extra });
  return out;
};
/** The same ids as `auto` would give over [fromMs, toMs], all written at `atMs` with explicit ids (`XADD <ms>-0 …`). */
const explicit = (fromMs: number, toMs: number, atMs: number): Entry[] => auto(fromMs, toMs).map((e) => ({ ...e, addedMs: atMs }));

const cmp = (a: string, b: string) => {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
};
const isPresent = (e: Entry, t: number) => e.addedMs <= t && (e.deletedMs === undefined || e.deletedMs > t);
const present = (entries: Entry[], t: number) => entries.filter((e) => isPresent(e, t)).sort((a, b) => cmp(a.id, b.id));
/** The newest id present at `t` (`byId`: the entries in id order). */
const lastIdAt = (byId: Entry[], t: number) => {
  for (let i = byId.length - 1; i >= 0; i--) if (isPresent(byId[i]!, t)) return byId[i]!.id;
  return undefined;
};

/** A heartbeat every minute over [fromMs, toMs] of the stream holding `entries`, as observe.ts journals it. */
function heartbeats(stream: string, entries: Entry[], fromMs: number, toMs: number, seq0 = 1): JournalLine[] {
  const out: JournalLine[] = [];
  const byId = [...entries].sort((a, b) => cmp(a.id, b.id));
  for (let t = fromMs, i = 0; t <= toMs; t += MIN, i++) {
    const lastId = lastIdAt(byId, t);
    const length = entries.reduce((n, e) => n + (isPresent(e, t) ? 1 : 0), 0);
    out.push({ seq: seq0 + i, prev: "", at: new Date(t).toISOString(), redisTime: t, event: { type: "heartbeat", containers: [], streams: { [stream]: { length, ...(lastId ? { lastId } : {}) } } } });
  }
  return out;
}

/** What collectCandles reads at `toMs` from --since `sinceMs`: every candle of the stream then. */
function candleFigures(entries: Entry[], toMs: number, sinceMs: number): CandleFigures {
  const ids = present(entries, toMs).map((e) => e.id).filter((id) => Number(id.split("-")[0]) >= sinceMs);
  return { stream: CANDLES, since: new Date(sinceMs).toISOString(), collectedAt: new Date(toMs).toISOString(), intervalSeconds: 60, ...(ids[0] ? { streamFirstId: ids[0] } : {}), symbols: [{ symbol: "BTCUSDT", ids }], scanned: ids.length, startsAfterSince: false, marketTimeApart: 0 };
}
function regimeFigures(entries: Entry[], toMs: number, sinceMs: number): RegimeFigures {
  const ids = present(entries, toMs).map((e) => e.id).filter((id) => Number(id.split("-")[0]) >= sinceMs);
  return { stream: REGIME, since: new Date(sinceMs).toISOString(), collectedAt: new Date(toMs).toISOString(), ...(ids[0] ? { streamFirstId: ids[0] } : {}), thresholds: { adxTrend: 25, adxRange: 20, atrHighVol: 2 }, signals: ids.map((id) => ({ id, ts: "0", symbol: "BTCUSDT", regime: "TREND", adx: "31.000000", atr: "1.200000" })), startsAfterSince: false };
}

/** The candles record as the witness writes it, and its value under the gate's rule. */
function candles(lines: JournalLine[], entries: Entry[], toMs: number, sinceMs = toMs - 50 * H - 10 * MIN) {
  const w = witnessedCandles(candleFigures(entries, toMs, sinceMs), lines, lastIdAt([...entries].sort((a, b) => cmp(a.id, b.id)), toMs));
  const s = candlesStatement(w.figures, ctx, w.seen);
  return { hours: RECORD_KINDS.candles!.value!(s.predicate as RecordPredicate), record: s.predicate, uncounted: w.uncounted };
}
function regime(lines: JournalLine[], entries: Entry[], toMs: number, sinceMs = toMs - 50 * H - 10 * MIN) {
  const w = witnessedRegime(regimeFigures(entries, toMs, sinceMs), lines, lastIdAt([...entries].sort((a, b) => cmp(a.id, b.id)), toMs));
  const s = regimeStatement(w.figures, ctx, w.seen);
  return { hours: RECORD_KINDS.regime!.value!(s.predicate as RecordPredicate), record: s.predicate, uncounted: w.uncounted };
}
/** Without the witness's binding: what the stream ids alone say (the hole this module closes). */
const idsAlone = (entries: Entry[], toMs: number) => RECORD_KINDS.candles!.value!(candlesStatement(candleFigures(entries, toMs, toMs - 50 * H - 10 * MIN), ctx).predicate as RecordPredicate);

const END = T0 + 50 * H;

describe("stream entries the witness saw appear (stability.candles, stability.regime)", () => {
  it("50 h of explicit old ids written into a fresh stream count nothing, though the ids alone span 50 h", () => {
    // The witness has watched the (empty) stream for 10 min; then one burst writes 50 h of candles with explicit ids.
    const burstAt = END - MIN;
    const entries = explicit(END - 50 * H, burstAt, burstAt);
    const lines = heartbeats(CANDLES, entries, END - 10 * MIN, END - MIN);
    expect(idsAlone(entries, END)).toBeGreaterThanOrEqual(49.9);
    const c = candles(lines, entries, END);
    expect(c.hours).toBe(0);
    // All but those whose ids are newer than the look before the burst (explicit or not, Redis could have given them).
    expect(c.uncounted).toBeGreaterThanOrEqual(entries.length - 1);
    expect(c.record.explanation).toMatch(/entries it did not see appear left out/);
    // Regime signals the same way (five, 10 h apart, all with ids older than the witness's look before them).
    const signals = explicit(END - 50 * H, END - 3 * MIN, burstAt).filter((_, i) => i % 600 === 0);
    expect(signals).toHaveLength(5);
    const r = regime(heartbeats(REGIME, signals, END - 10 * MIN, END - MIN), signals, END);
    expect(r.hours).toBe(0);
    expect(r.uncounted).toBe(signals.length);
  });

  it("a stream deleted and written again with 50 h of ids counts no more than the witness watched it", () => {
    // Candles ran 3 h under the witness's eyes; then the stream is deleted and 50 h of ids up to now are written in one go.
    const startMs = END - 3 * H;
    const rewriteAt = END - 30 * MIN;
    const real = auto(startMs, rewriteAt - 1, { deletedMs: rewriteAt });
    const fake = explicit(END - 50 * H, rewriteAt - 1, rewriteAt);
    const entries = [...real, ...fake, ...auto(rewriteAt, END)];
    const lines = heartbeats(CANDLES, entries, startMs, END - MIN);
    expect(idsAlone(entries, END)).toBeGreaterThanOrEqual(49.9);
    const c = candles(lines, entries, END);
    expect(c.hours).toBeLessThanOrEqual(3);
    expect(c.hours).toBeGreaterThanOrEqual(2.8);
    // Written again with ids older than the last one the witness had seen: its last id went back, the count starts there.
    const back = [...real, ...explicit(END - 50 * H, END - 2 * H, rewriteAt), ...auto(rewriteAt, END)];
    const b = candles(heartbeats(CANDLES, back, startMs, END - MIN), back, END);
    expect(b.hours).toBeLessThanOrEqual(0.5);
    expect(b.hours).toBeGreaterThanOrEqual(0.4);
    expect(b.record.explanation).toMatch(/last id went back/);
  });

  it("entries that appeared across the heartbeats count their real span, from the witness's first look on", () => {
    // Candles ran 10 h before the witness's first look (its deploy), then 40 h under its eyes, one a minute.
    const entries = auto(END - 50 * H, END);
    const firstLook = END - 40 * H;
    const lines = heartbeats(CANDLES, entries, firstLook, END - 30_000);
    expect(idsAlone(entries, END)).toBeGreaterThanOrEqual(49.9);
    const c = candles(lines, entries, END);
    expect(c.hours).toBeGreaterThanOrEqual(39.9);
    expect(c.hours).toBeLessThanOrEqual(40);
    expect(c.record.outcome).toBe("measured");
    expect(Date.parse(c.record.window.from)).toBe(firstLook);
    expect(c.uncounted).toBe(10 * 60);
    // Regime: a signal 45 h ago (before the witness watched) does not count, the one 39 h ago does.
    const signals = [{ id: `${END - 45 * H}-0`, addedMs: END - 45 * H }, { id: `${END - 39 * H}-0`, addedMs: END - 39 * H }];
    const r = regime(heartbeats(REGIME, signals, firstLook, END - 30_000), signals, END);
    expect(r.hours).toBe(39);
    expect(r.record.outcome).toBe("measured");
    expect(r.uncounted).toBe(1);
  });

  it("a gap in the journal starts the count again after it", () => {
    // The witness watched 50 h, but wrote nothing for 20 min 20 h ago (stopped, or its host slept).
    const entries = auto(END - 50 * H, END);
    const gapFrom = END - 20 * H;
    const lines = [...heartbeats(CANDLES, entries, END - 50 * H, gapFrom), ...heartbeats(CANDLES, entries, gapFrom + 20 * MIN, END - 30_000, 10_000)];
    expect(idsAlone(entries, END)).toBeGreaterThanOrEqual(49.9);
    const c = candles(lines, entries, END);
    expect(c.hours).toBeLessThanOrEqual(20);
    expect(c.hours).toBeGreaterThan(19.5);
    expect(c.record.explanation).toMatch(/no look for 20 min before/);
    // Regime: the signal 30 h ago lies before the gap and does not count; one 10 h ago does.
    const signals = [{ id: `${END - 30 * H}-0`, addedMs: END - 30 * H }, { id: `${END - 10 * H}-0`, addedMs: END - 10 * H }];
    const rl = [...heartbeats(REGIME, signals, END - 50 * H, gapFrom), ...heartbeats(REGIME, signals, gapFrom + 20 * MIN, END - 30_000, 10_000)];
    expect(regime(rl, signals, END).hours).toBe(10);
    // A gap shorter than MAX_GAP_MS is no gap.
    const short = [...heartbeats(CANDLES, entries, END - 50 * H, gapFrom), ...heartbeats(CANDLES, entries, gapFrom + MAX_GAP_MS - MIN, END - 30_000, 10_000)];
    expect(candles(short, entries, END).hours).toBeGreaterThanOrEqual(49.9);
  });

  it("counts nothing when the witness's last look is older than MAX_GAP_MS, or no heartbeat recorded the stream", () => {
    const entries = auto(END - 50 * H, END);
    expect(candles(heartbeats(CANDLES, entries, END - 50 * H, END - MAX_GAP_MS - MIN), entries, END).hours).toBe(0);
    // Heartbeats that watched other streams only (a witness that did not know the candles' stream).
    expect(candles(heartbeats("stream.other", entries, END - 50 * H, END - 30_000), entries, END).hours).toBe(0);
    expect(streamWitness([], CANDLES, { redisTime: END }).counts(`${END - H}-0`)).toBe(false);
  });
});
