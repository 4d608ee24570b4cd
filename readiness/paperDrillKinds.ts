import type { RecordKind, RecordPredicate } from "./recordKinds";
import { SHUTDOWN_READERS } from "./emergencyRunbook";

// The record kinds of the paper drills and stream collectors of issue 14
// part 5: the allocation-zero drill (two records: allocation-zero and
// risk-blocks-zero), the allocation restart drill, and the candles and regime
// collectors. Each kind's `problems` is the one rule that decides whether a
// record passed: the drill or collector sets its outcome with it, and the gate
// runs it again on the figures, so a typed outcome never counts by itself.
// Times named `…Ms` are Redis server time (stream ids, MONITOR, TIME).

const isoTime = { type: "string", format: "date-time" };
const entry = {
  type: "object",
  additionalProperties: false,
  required: ["id", "fields"],
  properties: { id: { type: "string", pattern: "^[0-9]+-[0-9]+$" }, fields: { type: "object", additionalProperties: { type: "string" } } },
};
const read = {
  type: "object",
  additionalProperties: false,
  required: ["client", "command", "atMs"],
  properties: { client: { type: "string" }, command: { type: "array", items: { type: "string" } }, atMs: { type: "number", minimum: 0 } },
};
const count = { type: "integer", minimum: 0 };
const streamId = { type: "string", pattern: "^[0-9]{1,15}-[0-9]{1,20}$" };
/** Milliseconds of a stream id (Redis server time). */
export const idMs = (id: string): number => Number(id.split("-")[0]);
const tenths = (x: number) => Math.floor(x * 10) / 10;

// --- killswitch.allocation-zero: `cdb drill allocation-zero` (ops/allocationDrill.ts) ---

export interface AllocationZeroFigures {
  strategyId: string;
  stream: string;
  /** The strategy's last decision before the drill, by allocation. */
  previous: { id: string; fields: Record<string, string> };
  /** The drill's decision: allocation_pct 0. */
  zero: { id: string; fields: Record<string, string> };
  /** Risk's read of the stream with the zero decision as its cursor: it has taken it. */
  zeroRead?: { client: string; command: string[]; atMs: number };
  /** The previous decision published again. */
  restore?: { id: string; fields: Record<string, string> };
  restoreRead?: { client: string; command: string[]; atMs: number };
  /** Stream ids of drill decisions deleted afterwards (risk keeps what it read in memory). */
  deleted: string[];
  note: string;
}

/** Whether a MONITOR read is a read of `stream` past `id` (the id is the reader's cursor). */
const readsPast = (r: { command: string[] } | undefined, stream: string, id: string) => !!r && r.command.includes(stream) && r.command.includes(id);

function allocationZeroProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as AllocationZeroFigures;
  const out: string[] = [];
  const prev = Number(f.previous.fields.allocation_pct);
  if (f.previous.fields.strategy_id !== f.strategyId) out.push(`the previous decision is for ${f.previous.fields.strategy_id}, not ${f.strategyId}`);
  if (!(prev > 0)) out.push(`${f.strategyId} had allocation ${f.previous.fields.allocation_pct} before the drill: a zero proves nothing`);
  if (f.zero.fields.strategy_id !== f.strategyId || Number(f.zero.fields.allocation_pct) !== 0 || f.zero.fields.allocation_pct === undefined) out.push(`the drill decision ${f.zero.id} is not allocation_pct 0 for ${f.strategyId}`);
  if (!readsPast(f.zeroRead, f.stream, f.zero.id)) out.push(`risk never read ${f.stream} past the zero decision ${f.zero.id}`);
  else if (f.zeroRead!.atMs < idMs(f.zero.id)) out.push("the read of the zero decision is before it was written");
  if (!f.restore) out.push(`the allocation of ${f.strategyId} was not restored`);
  else {
    if (f.restore.fields.strategy_id !== f.strategyId || f.restore.fields.allocation_pct !== f.previous.fields.allocation_pct) out.push(`the restore ${f.restore.id} is not the previous allocation ${f.previous.fields.allocation_pct}`);
    if (!readsPast(f.restoreRead, f.stream, f.restore.id)) out.push(`risk never read the restore ${f.restore.id}`);
  }
  const drillIds = [f.zero.id, ...(f.restore ? [f.restore.id] : [])];
  const left = drillIds.filter((id) => !f.deleted.includes(id));
  if (left.length > 0) out.push(`drill decisions left on ${f.stream}: ${left.join(", ")}`);
  return out;
}

// --- killswitch.risk-blocks-zero: the same drill, what risk did with the signals ---

export interface RiskBlocksZeroFigures {
  strategyId: string;
  signalChannel: string;
  orderChannel: string;
  /** After risk read the zero decision, signals still in flight may pass: they are not counted. */
  graceMs: number;
  /** Redis time: risk read the zero decision + graceMs, until the restore was written. */
  blocked: { fromMs: number; toMs: number; signals: number; orders: number };
  /** Before the zero decision: risk approved the strategy's signals (the control). */
  before: { fromMs: number; toMs: number; signals: number; orders: number };
  /** After risk read the restore: orders flow again. */
  after: { fromMs: number; toMs: number; signals: number; orders: number };
  /** Risk's own counters, when its /metrics answered (not what decides). */
  riskMetrics?: { before: Record<string, number>; after: Record<string, number> };
}

const span = { type: "object", additionalProperties: false, required: ["fromMs", "toMs", "signals", "orders"], properties: { fromMs: { type: "number" }, toMs: { type: "number" }, signals: count, orders: count } };

function riskBlocksZeroProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as RiskBlocksZeroFigures;
  const out: string[] = [];
  if (f.before.orders < 1) out.push(`risk approved no order of ${f.strategyId} before the drill: nothing is shown to be blocked`);
  if (f.blocked.toMs <= f.blocked.fromMs) out.push("the allocation was restored before the block could be observed");
  if (f.blocked.orders > 0) out.push(`risk approved ${f.blocked.orders} order(s) of ${f.strategyId} while its allocation was 0`);
  if (f.after.orders < 1) out.push(`no order of ${f.strategyId} after the restore: the block is not shown to come from the allocation`);
  return out;
}

// --- stability.allocation-restart: `cdb drill allocation-restart` (ops/allocationDrill.ts) ---

export interface AllocationRestartFigures {
  container: string;
  stream: string;
  strategyIds: string[];
  /** Redis TIME just before the restart was asked for. */
  requestedAtMs: number;
  /** Docker's State.StartedAt after the restart. */
  startedAt: string;
  /** The newest regime signal when allocation started: what its bootstrap reads. */
  regimeSignal?: { id: string; regime: string };
  boundMs: number;
  /** Decisions published after requestedAtMs, within boundMs. */
  decisions: { id: string; strategy_id: string; allocation_pct: string; reason: string }[];
}

function allocationRestartProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as AllocationRestartFigures;
  const out: string[] = [];
  const inBound = f.decisions.filter((d) => idMs(d.id) >= f.requestedAtMs && idMs(d.id) <= f.requestedAtMs + f.boundMs);
  if (inBound.length !== f.decisions.length) out.push("decisions listed outside the restart's bound");
  if (inBound.length === 0) {
    out.push(`allocation published no decision within ${f.boundMs} ms of its restart${f.regimeSignal ? "" : " (stream.regime_signals is empty: its bootstrap decides nothing until a regime is committed)"}`);
  }
  const missing = f.strategyIds.filter((s) => !inBound.some((d) => d.strategy_id === s));
  if (inBound.length > 0 && missing.length > 0) out.push(`no decision for ${missing.join(", ")} after the restart`);
  return out;
}

// --- stability.candles and stability.regime: `cdb evidence collect` (ops/streamCollect.ts) ---
//
// Both are measured on Redis's clock, never on market time: a stream id
// `<ms>-<seq>` is the Redis server's time when the entry was added, the one
// time a replay cannot set (a burst of 50 h of old trades gives candles and
// signals whose payload `ts` spans 50 h and whose ids span the seconds the
// burst took). The payload `ts` is kept for diagnostics only.

/** Where the collector's observation of a stream began: --since, or the stream's oldest entry when that is younger (nothing older was there to see). */
export function observedFromMs(since: string, streamFirstId: string | undefined, toMs: number): number {
  if (streamFirstId === undefined) return toMs;
  return Math.max(Date.parse(since), Math.min(idMs(streamFirstId), toMs));
}

/** Why the record's window is not the span the collector observed on Redis's clock. */
function windowProblems(p: RecordPredicate, f: { since: string; collectedAt: string; streamFirstId?: string }): string[] {
  const out: string[] = [];
  const observed = observedFromMs(f.since, f.streamFirstId, Date.parse(p.window.to));
  if (p.window.to !== f.collectedAt) out.push(`the window ends at ${p.window.to}, not at the collection ${f.collectedAt}`);
  if (Date.parse(p.window.from) < observed) out.push(`the window starts at ${p.window.from}, before the collector's first observation at ${new Date(observed).toISOString()}`);
  return out;
}

/** Why the stream ids `ids` (in stream order) are not entries the collector read within the window. */
function idProblems(p: RecordPredicate, f: { streamFirstId?: string }, what: string, ids: string[]): string[] {
  const out: string[] = [];
  const from = Date.parse(p.window.from);
  const to = Date.parse(p.window.to);
  if (ids.some((id, i) => i > 0 && compareIds(id, ids[i - 1]!) <= 0)) out.push(`${what}: stream ids go backwards`);
  const outside = ids.filter((id) => idMs(id) < from || idMs(id) > to);
  if (outside.length > 0) out.push(`${what}: ${outside.length} stream id(s) outside the window ${p.window.from} to ${p.window.to} (${outside.slice(0, 3).join(", ")})`);
  if (f.streamFirstId !== undefined && ids.length > 0 && compareIds(ids[0]!, f.streamFirstId) < 0) out.push(`${what}: ${ids[0]} is older than the stream's first entry ${f.streamFirstId}`);
  if (f.streamFirstId === undefined && ids.length > 0) out.push(`${what}: entries listed from a stream that had none`);
  return out;
}

const compareIds = (a: string, b: string): number => {
  const [am, as] = a.split("-").map(Number) as [number, number];
  const [bm, bs] = b.split("-").map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
};

export interface CandleFigures {
  stream: string;
  /** Redis's TIME when the collector read the stream (entries up to it): the end of the record's window. */
  collectedAt: string;
  /** --since as asked (the window starts at it or at the stream's first entry, whichever is later). */
  since: string;
  intervalSeconds: number;
  /** The stream's oldest entry at collection: nothing older could be observed. */
  streamFirstId?: string;
  /** Per symbol: the stream id of every candle since --since, in stream order (the time Redis received it). */
  symbols: { symbol: string; ids: string[] }[];
  scanned: number;
  startsAfterSince: boolean;
  /**
   * Diagnostics, never the value: candles whose market time (payload `ts`
   * plus the interval, when the candle closed) lies more than
   * MARKET_TIME_APART_MS from the time Redis received them: a replay of old
   * trades, or a clock that is off.
   */
  marketTimeApart: number;
}

/** A candle whose market close is this far from its stream id is counted in marketTimeApart. */
export const MARKET_TIME_APART_MS = 3_600_000;

/**
 * Two consecutive candles of a symbol whose ids are further apart than the
 * interval plus this many intervals are a gap. Candles closes a window when
 * the first trade after its end arrives, so a candle is published between its
 * window's end and one interval later: consecutive ids lie less than two
 * intervals apart while no interval goes without a candle, and more than two
 * intervals apart means a whole interval of the stack's clock passed without
 * one.
 */
export const CANDLE_GAP_TOLERANCE_INTERVALS = 1;

export interface CandleRun {
  symbol: string;
  /** Consecutive candles whose ids lie more than the interval plus the tolerance apart. */
  gaps: { afterId: string; nextId: string }[];
  /** Id of the first candle after the last gap. */
  runStartId?: string;
  lastId?: string;
  /** Whether candles still arrived at collection (the last one at most two intervals old on Redis's clock). */
  current: boolean;
  hours: number;
}

/** Gaps per symbol and the gap-free run that reaches the collection time `toMs`, all on Redis's clock: the one rule for collector and gate. */
export function candleRuns(f: CandleFigures, toMs: number): CandleRun[] {
  const maxApartMs = (1 + CANDLE_GAP_TOLERANCE_INTERVALS) * f.intervalSeconds * 1000;
  return f.symbols.map(({ symbol, ids }) => {
    const gaps: CandleRun["gaps"] = [];
    for (let i = 1; i < ids.length; i++) if (idMs(ids[i]!) - idMs(ids[i - 1]!) > maxApartMs) gaps.push({ afterId: ids[i - 1]!, nextId: ids[i]! });
    const runStartId = gaps.length > 0 ? gaps.at(-1)!.nextId : ids[0];
    const lastId = ids.at(-1);
    const current = lastId !== undefined && idMs(lastId) + 2 * f.intervalSeconds * 1000 >= toMs;
    const hours = current && runStartId !== undefined ? Math.max(0, tenths((toMs - idMs(runStartId)) / 3_600_000)) : 0;
    return { symbol, gaps, ...(runStartId !== undefined ? { runStartId } : {}), ...(lastId !== undefined ? { lastId } : {}), current, hours };
  });
}

function candleProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as CandleFigures;
  const out: string[] = [];
  if (f.symbols.length === 0) out.push(`no candles on ${f.stream} since ${f.since}`);
  out.push(...windowProblems(p, f));
  for (const s of f.symbols) out.push(...idProblems(p, f, s.symbol, s.ids));
  for (const r of candleRuns(f, Date.parse(p.window.to))) if (!r.current) out.push(`${r.symbol}: no candle in the last two intervals before ${p.window.to} (the last received at ${r.lastId !== undefined ? new Date(idMs(r.lastId)).toISOString() : "never"})`);
  return out;
}

export interface RegimeFigures {
  stream: string;
  /** Redis's TIME when the collector read the stream (entries up to it): the end of the record's window. */
  collectedAt: string;
  since: string;
  /** The stream's oldest entry at collection: nothing older could be observed. */
  streamFirstId?: string;
  /** The regime container's settings (REGIME_*), from the stack's plan. */
  thresholds: { adxTrend: number; adxRange: number; atrHighVol: number };
  /** Every signal since --since; `id` (Redis time) is what counts, `ts` (market time) is diagnostics. */
  signals: { id: string; ts: string; symbol: string; regime: string; adx: string; atr: string }[];
  startsAfterSince: boolean;
}

/**
 * Hours of regime on Redis's clock: from the first signal in the window to
 * the collection. The regime service emits a signal only when a symbol's
 * regime changes (its first one once its indicators have warmed up), so the
 * span from the first to the last signal would refuse a stack whose market
 * held one regime for a day; the first signal proves regime was classifying
 * then, and observation-window proves no container stopped since.
 */
export function regimeHours(f: RegimeFigures, toMs: number): number {
  // The earliest id, whatever the order (ids out of order are a problem of their own).
  const first = Math.min(...f.signals.map((s) => idMs(s.id)));
  return Number.isFinite(first) ? Math.max(0, tenths((toMs - first) / 3_600_000)) : 0;
}

/**
 * The regime its ADX and ATR give under the thresholds, as
 * services/regime/service.py _derive_regime classifies (ATR first, so
 * HIGH_VOL_CHAOTIC wins); undefined between the ADX thresholds, where the
 * service keeps its regime and emits nothing. UNKNOWN has neither value.
 */
export function expectedRegime(s: { adx: string; atr: string }, t: RegimeFigures["thresholds"]): string | undefined {
  if (s.adx === "" && s.atr === "") return "UNKNOWN";
  const adx = Number(s.adx);
  const atr = Number(s.atr);
  if (!Number.isFinite(adx) || !Number.isFinite(atr)) return undefined;
  if (atr >= t.atrHighVol) return "HIGH_VOL_CHAOTIC";
  if (adx >= t.adxTrend) return "TREND";
  if (adx <= t.adxRange) return "RANGE";
  return undefined;
}

function regimeProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as RegimeFigures;
  const out: string[] = [...windowProblems(p, f), ...idProblems(p, f, "regime signals", f.signals.map((s) => s.id))];
  const wrong = f.signals.filter((s) => expectedRegime(s, f.thresholds) !== s.regime);
  if (wrong.length > 0) out.push(`${wrong.length} signal(s) name a regime their ADX/ATR do not give: ${wrong.slice(0, 3).map((s) => `${s.id} ${s.regime} (adx ${s.adx}, atr ${s.atr})`).join(", ")}`);
  return out;
}

// --- monitoring.structured-logs: `cdb logs check` (ops/logsCheck.ts) ---

export interface StructuredLogsFigures {
  /** Loki's HTTP API as asked (`/loki/api/v1/query_range`, through the loki container or --loki-url). */
  loki: string;
  /** The LogQL selector: `{container="<execution's container>"}`. */
  query: string;
  container: string;
  since: string;
  /** Lines Loki returned for the query in the window (at most `limit`). */
  lines: number;
  limit: number;
  /** Loki's timestamps (ns since the epoch, as text) of the oldest and newest line returned. */
  firstNs?: string;
  lastNs?: string;
  /** The newest line itself, shortened: what execution wrote, for a reader of the record. */
  sample?: string;
}

/** The container label Promtail gives execution's lines (monitoring/logging.ts): the query the record must have asked. */
export const executionLogQuery = (container: string): string => `{container="${container}"}`;

function structuredLogsProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as StructuredLogsFigures;
  const out: string[] = [];
  if (f.query !== executionLogQuery(f.container)) out.push(`the query ${f.query} is not ${executionLogQuery(f.container)}`);
  if (!/_execution$/.test(f.container)) out.push(`${f.container} is not an execution container`);
  if (f.lines > f.limit) out.push(`${f.lines} lines exceed the query's limit ${f.limit}`);
  if (f.lines < 1) out.push(`no line of ${f.container} reached Loki since ${f.since}`);
  else if (f.firstNs === undefined || f.lastNs === undefined) out.push(`${f.lines} lines counted without their timestamps`);
  else {
    const from = BigInt(Date.parse(p.window.from)) * 1_000_000n;
    const to = BigInt(Date.parse(p.window.to)) * 1_000_000n;
    const first = BigInt(f.firstNs);
    const last = BigInt(f.lastNs);
    if (first > last) out.push("the first line is newer than the last");
    if (first < from || last > to) out.push(`lines outside the window ${p.window.from} to ${p.window.to}`);
  }
  return out;
}

/**
 * The app services whose behaviour each paper drill proves: the drill counts for live only when
 * live pins the image of each that the witness saw running (its record's subjects name them,
 * witness/main.ts). Issue 22: a drill is bound to the images it exercised, as the soak is.
 */
export const DRILLED_SERVICES = {
  // The services that read stream.bot_shutdown (one home: the emergency runbook stops them).
  "killswitch-drill": SHUTDOWN_READERS,
  "allocation-zero": ["risk", "allocation", "signal"],
  "allocation-restart": ["allocation"],
} as const;

export const PAPER_DRILL_KINDS: Record<string, RecordKind> = {
  "structured-logs": {
    counts: "measured",
    signer: "witness",
    mode: "paper",
    command: "npx cdb logs check --stack paper --since 1h",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["loki", "query", "container", "since", "lines", "limit"],
      properties: {
        loki: { type: "string" },
        query: { type: "string" },
        container: { type: "string" },
        since: isoTime,
        lines: count,
        limit: { type: "integer", minimum: 1 },
        firstNs: { type: "string", pattern: "^[0-9]{1,20}$" },
        lastNs: { type: "string", pattern: "^[0-9]{1,20}$" },
        sample: { type: "string", maxLength: 500 },
      },
    },
    value: (p) => (p.figures as unknown as StructuredLogsFigures).lines,
    problems: structuredLogsProblems,
  },
  "allocation-zero": {
    counts: "passed",
    signer: "witness",
    mode: "paper",
    command: "npx cdb drill allocation-zero --stack paper",
    pinnedImages: DRILLED_SERVICES["allocation-zero"],
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["strategyId", "stream", "previous", "zero", "deleted", "note"],
      properties: { strategyId: { type: "string" }, stream: { type: "string" }, previous: entry, zero: entry, zeroRead: read, restore: entry, restoreRead: read, deleted: { type: "array", items: { type: "string" } }, note: { type: "string" } },
    },
    // How fast the zero took effect: from its XADD to risk's read past it.
    value: (p) => {
      const f = p.figures as unknown as AllocationZeroFigures;
      return f.zeroRead ? Math.round(f.zeroRead.atMs - idMs(f.zero.id)) : Number.NaN;
    },
    problems: allocationZeroProblems,
  },
  "risk-blocks-zero": {
    counts: "passed",
    signer: "witness",
    mode: "paper",
    command: "npx cdb drill allocation-zero --stack paper",
    pinnedImages: DRILLED_SERVICES["allocation-zero"],
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["strategyId", "signalChannel", "orderChannel", "graceMs", "blocked", "before", "after"],
      properties: {
        strategyId: { type: "string" },
        signalChannel: { type: "string" },
        orderChannel: { type: "string" },
        graceMs: { type: "number", minimum: 0 },
        blocked: span,
        before: span,
        after: span,
        riskMetrics: { type: "object", additionalProperties: false, required: ["before", "after"], properties: { before: { type: "object", additionalProperties: { type: "number" } }, after: { type: "object", additionalProperties: { type: "number" } } } },
      },
    },
    // Signals of the strategy that reached risk while its allocation was 0 (none of them became an order).
    value: (p) => (p.figures as unknown as RiskBlocksZeroFigures).blocked.signals,
    problems: riskBlocksZeroProblems,
  },
  "allocation-restart": {
    counts: "passed",
    signer: "witness",
    mode: "paper",
    command: "npx cdb drill allocation-restart --stack paper",
    pinnedImages: DRILLED_SERVICES["allocation-restart"],
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["container", "stream", "strategyIds", "requestedAtMs", "startedAt", "boundMs", "decisions"],
      properties: {
        container: { type: "string" },
        stream: { type: "string" },
        strategyIds: { type: "array", minItems: 1, items: { type: "string" } },
        requestedAtMs: { type: "number", minimum: 0 },
        startedAt: { type: "string" },
        regimeSignal: { type: "object", additionalProperties: false, required: ["id", "regime"], properties: { id: { type: "string" }, regime: { type: "string" } } },
        boundMs: { type: "number", exclusiveMinimum: 0 },
        decisions: {
          type: "array",
          items: { type: "object", additionalProperties: false, required: ["id", "strategy_id", "allocation_pct", "reason"], properties: { id: { type: "string", pattern: "^[0-9]+-[0-9]+$" }, strategy_id: { type: "string" }, allocation_pct: { type: "string" }, reason: { type: "string" } } },
        },
      },
    },
    // Seconds from the restart to allocation's first decision.
    value: (p) => {
      const f = p.figures as unknown as AllocationRestartFigures;
      const first = Math.min(...f.decisions.map((d) => idMs(d.id)));
      return Number.isFinite(first) ? tenths((first - f.requestedAtMs) / 1000) : Number.NaN;
    },
    problems: allocationRestartProblems,
  },
  candles: {
    counts: "measured",
    signer: "witness",
    mode: "paper",
    command: "npx cdb evidence collect --stack paper --since 48h",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["stream", "since", "collectedAt", "intervalSeconds", "symbols", "scanned", "startsAfterSince", "marketTimeApart"],
      properties: {
        stream: { type: "string" },
        since: isoTime,
        collectedAt: isoTime,
        intervalSeconds: { type: "integer", minimum: 1 },
        streamFirstId: streamId,
        symbols: { type: "array", items: { type: "object", additionalProperties: false, required: ["symbol", "ids"], properties: { symbol: { type: "string" }, ids: { type: "array", items: streamId } } } },
        scanned: count,
        startsAfterSince: { type: "boolean" },
        marketTimeApart: count,
      },
    },
    // Hours of candles without a gap up to the collection on Redis's clock, for the symbol with the shortest run.
    value: (p) => {
      const runs = candleRuns(p.figures as unknown as CandleFigures, Date.parse(p.window.to));
      return runs.length === 0 ? 0 : Math.min(...runs.map((r) => r.hours));
    },
    problems: candleProblems,
  },
  regime: {
    counts: "measured",
    signer: "witness",
    mode: "paper",
    command: "npx cdb evidence collect --stack paper --since 48h",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["stream", "since", "collectedAt", "thresholds", "signals", "startsAfterSince"],
      properties: {
        stream: { type: "string" },
        since: isoTime,
        collectedAt: isoTime,
        streamFirstId: streamId,
        thresholds: { type: "object", additionalProperties: false, required: ["adxTrend", "adxRange", "atrHighVol"], properties: { adxTrend: { type: "number" }, adxRange: { type: "number" }, atrHighVol: { type: "number" } } },
        signals: {
          type: "array",
          items: { type: "object", additionalProperties: false, required: ["id", "ts", "symbol", "regime", "adx", "atr"], properties: { id: streamId, ts: { type: "string" }, symbol: { type: "string" }, regime: { type: "string" }, adx: { type: "string" }, atr: { type: "string" } } },
        },
        startsAfterSince: { type: "boolean" },
      },
    },
    // Hours from the first regime signal in the window to the collection, on Redis's clock (each signal the regime its ADX/ATR give, or the record fails).
    value: (p) => regimeHours(p.figures as unknown as RegimeFigures, Date.parse(p.window.to)),
    problems: regimeProblems,
  },
};
