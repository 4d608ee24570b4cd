import type { SeenFrom } from "../ops/streamCollect";
import type { CandleFigures, RegimeFigures } from "../readiness/paperDrillKinds";
import { idMs } from "../readiness/paperDrillKinds";
import type { JournalLine } from "./journal";
import { MAX_GAP_MS } from "./observe";

// Which entries of a stream the witness saw appear: the one rule that binds
// stability.candles and stability.regime to the witness's own observation.
//
// Why the ids alone do not do: a stream id is Redis's time only when Redis
// chooses it (`XADD s * …`). XADD accepts an explicit id too, and the only
// check Redis makes is that it is above the stream's last one, so into a
// fresh (or deleted) stream `XADD s <ms 50 h ago>-0 …` writes entries whose
// ids span 50 h in a second. What the witness did see is in its journal:
// every heartbeat records each watched stream's last id on Redis's TIME
// (observe.ts). An entry counts only if a heartbeat saw it appear: its id is
// above the stream's last id at one look and at most the last id at the next
// (or at the collection, the look that ends the window), and it is not older
// than the first of those two looks on Redis's clock (an auto id is never
// older than the TIME read before it; an explicit old id is). So
// - ids a stream held before the witness first recorded it do not count;
// - ids written with old explicit ids into a fresh or emptied stream do not
//   count (they are older than the look before them);
// - the counted span starts at the first look of the latest unbroken run of
//   looks: two looks further apart than MAX_GAP_MS (the witness did not
//   watch), or a stream whose last id went backwards or vanished (deleted and
//   written again), start a new run; nothing before it counts.
// A stream whose ids the heartbeats never saw grow counts nothing.

/** One look at a stream: a journal line with Redis's TIME and the stream's last id, or the collection itself. */
interface Look {
  seq: number;
  redisTime: number;
  /** The stream's last id then; undefined when it was empty or absent. */
  lastId?: string;
}

export interface StreamWitness {
  stream: string;
  /** Redis's TIME of the first look of the run that reaches the collection; undefined when the journal has no look at this stream within MAX_GAP_MS of it. */
  fromMs?: number;
  /** Journal lines of that run (the collection is not a line). */
  journal?: { fromSeq: number; toSeq: number };
  /** Why the run starts where it does. */
  why: string;
  /** Whether the witness saw the entry `id` appear within the run. */
  counts(id: string): boolean;
}

const ZERO = "0-0";

/** Compares two stream ids `<ms>-<seq>` numerically. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}

function looksAt(lines: JournalLine[], stream: string): Look[] {
  const out: Look[] = [];
  for (const l of lines) {
    const streams = l.event.streams as Record<string, { length?: number; lastId?: string }> | undefined;
    if (l.redisTime === undefined || !streams || typeof streams !== "object" || !(stream in streams)) continue;
    const lastId = streams[stream]!.lastId;
    out.push({ seq: l.seq, redisTime: l.redisTime, ...(typeof lastId === "string" ? { lastId } : {}) });
  }
  return out;
}

/**
 * What the witness saw of `stream`, from its journal `lines` and the
 * collection's own look (`collect`: Redis's TIME when the collector read the
 * stream, and the stream's last id then).
 */
export function streamWitness(lines: JournalLine[], stream: string, collect: { redisTime: number; lastId?: string }): StreamWitness {
  const looks = looksAt(lines, stream);
  const end: Look = { seq: Number.NaN, redisTime: collect.redisTime, ...(collect.lastId !== undefined ? { lastId: collect.lastId } : {}) };
  const last = looks.at(-1);
  const none = (why: string): StreamWitness => ({ stream, why, counts: () => false });
  if (!last) return none(`no heartbeat of the witness recorded ${stream}`);
  if (end.redisTime - last.redisTime > MAX_GAP_MS) return none(`the witness's last look at ${stream} (journal line ${last.seq}) is more than ${MAX_GAP_MS / 60_000} min before the collection`);
  // The latest unbroken run of looks, the collection's last.
  const run: Look[] = [end];
  let why = "the witness's first look at it";
  for (let i = looks.length - 1; i >= 0; i--) {
    const a = looks[i]!;
    const b = run[0]!;
    if (b.redisTime - a.redisTime > MAX_GAP_MS) {
      why = `no look for ${Math.round((b.redisTime - a.redisTime) / 60_000)} min before (journal line ${a.seq} to ${Number.isNaN(b.seq) ? "the collection" : `line ${b.seq}`})`;
      break;
    }
    if (compareIds(b.lastId ?? ZERO, a.lastId ?? ZERO) < 0) {
      why = `its last id went back from ${a.lastId ?? "none"} to ${b.lastId ?? "none"} (deleted or emptied and written again)`;
      break;
    }
    run.unshift(a);
  }
  // A run of the collection alone: nothing was seen appear.
  if (run.length < 2) return { stream, fromMs: end.redisTime, why, counts: () => false };
  const first = run[0]!;
  const intervals = run.slice(1).map((b, i) => ({ after: run[i]!.lastId ?? ZERO, upTo: b.lastId ?? ZERO, notBeforeMs: run[i]!.redisTime }));
  return {
    stream,
    fromMs: first.redisTime,
    journal: { fromSeq: first.seq, toSeq: run.at(-2)!.seq },
    why,
    counts: (id) => {
      // The first interval whose last id is at or above `id` (last ids only grow within a run: a binary search).
      let lo = 0;
      let hi = intervals.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareIds(intervals[mid]!.upTo, id) < 0) lo = mid + 1;
        else hi = mid;
      }
      const k = intervals[lo];
      return k !== undefined && compareIds(id, k.after) > 0 && idMs(id) >= k.notBeforeMs;
    },
  };
}

/** What the witness says about a stream in a record's explanation. */
function witnessNote(w: StreamWitness, uncounted: number): string {
  const from = w.fromMs !== undefined && w.journal ? `counted from ${new Date(w.fromMs).toISOString()} (journal lines ${w.journal.fromSeq}..${w.journal.toSeq}; ${w.why})` : `nothing counted: ${w.why}`;
  return `; entries of ${w.stream} the witness saw appear: ${from}${uncounted > 0 ? `; ${uncounted} entr${uncounted === 1 ? "y" : "ies"} it did not see appear left out (older than its look before them, as explicit XADD ids can be, or there before it watched)` : ""}`;
}

export interface Witnessed<F> {
  figures: F;
  seen: SeenFrom;
  uncounted: number;
}

function seenFrom(w: StreamWitness, toMs: number, uncounted: number): SeenFrom {
  return { fromMs: w.fromMs ?? toMs, note: witnessNote(w, uncounted) };
}

/**
 * The candle figures with only the candles the witness saw appear (journal
 * `lines`; `lastId`: the stream's last id at the collection, read after it).
 */
export function witnessedCandles(f: CandleFigures, lines: JournalLine[], lastId: string | undefined): Witnessed<CandleFigures> {
  const toMs = Date.parse(f.collectedAt);
  const w = streamWitness(lines, f.stream, { redisTime: toMs, ...(lastId !== undefined ? { lastId } : {}) });
  let uncounted = 0;
  const symbols = f.symbols.map((s) => {
    const ids = s.ids.filter((id) => w.counts(id));
    uncounted += s.ids.length - ids.length;
    return { symbol: s.symbol, ids };
  });
  return { figures: { ...f, symbols }, seen: seenFrom(w, toMs, uncounted), uncounted };
}

/** The regime figures with only the signals the witness saw appear. */
export function witnessedRegime(f: RegimeFigures, lines: JournalLine[], lastId: string | undefined): Witnessed<RegimeFigures> {
  const toMs = Date.parse(f.collectedAt);
  const w = streamWitness(lines, f.stream, { redisTime: toMs, ...(lastId !== undefined ? { lastId } : {}) });
  const signals = f.signals.filter((s) => w.counts(s.id));
  const uncounted = f.signals.length - signals.length;
  return { figures: { ...f, signals }, seen: seenFrom(w, toMs, uncounted), uncounted };
}
