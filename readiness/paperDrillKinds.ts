import type { RecordKind, RecordPredicate } from "./recordKinds";

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

// --- stability.candles: `cdb evidence collect` (ops/streamCollect.ts) ---

export interface CandleFigures {
  stream: string;
  since: string;
  intervalSeconds: number;
  /** Per symbol: every candle's window start (seconds), in stream order. */
  symbols: { symbol: string; ts: number[] }[];
  scanned: number;
  startsAfterSince: boolean;
}

export interface CandleRun {
  symbol: string;
  gaps: { afterTs: number; nextTs: number }[];
  /** Window start of the first candle after the last gap. */
  runStartTs?: number;
  lastTs?: number;
  /** Whether candles still arrived at collection (the last one at most two intervals old). */
  current: boolean;
  hours: number;
}

/** Gaps per symbol and the gap-free run that reaches the collection time `toMs`: the one rule for collector and gate. */
export function candleRuns(f: CandleFigures, toMs: number): CandleRun[] {
  return f.symbols.map(({ symbol, ts }) => {
    const gaps: CandleRun["gaps"] = [];
    for (let i = 1; i < ts.length; i++) if (ts[i]! - ts[i - 1]! > f.intervalSeconds) gaps.push({ afterTs: ts[i - 1]!, nextTs: ts[i]! });
    const runStartTs = gaps.length > 0 ? gaps.at(-1)!.nextTs : ts[0];
    const lastTs = ts.at(-1);
    const current = lastTs !== undefined && (lastTs + 2 * f.intervalSeconds) * 1000 >= toMs;
    const hours = current && runStartTs !== undefined ? Math.max(0, tenths((toMs - runStartTs * 1000) / 3_600_000)) : 0;
    return { symbol, gaps, ...(runStartTs !== undefined ? { runStartTs } : {}), ...(lastTs !== undefined ? { lastTs } : {}), current, hours };
  });
}

function candleProblems(p: RecordPredicate): string[] {
  const f = p.figures as unknown as CandleFigures;
  const out: string[] = [];
  if (f.symbols.length === 0) out.push(`no candles on ${f.stream} since ${f.since}`);
  for (const s of f.symbols) if (s.ts.some((t, i) => i > 0 && t < s.ts[i - 1]!)) out.push(`${s.symbol}: candle times go backwards`);
  for (const r of candleRuns(f, Date.parse(p.window.to))) if (!r.current) out.push(`${r.symbol}: no candle in the last two intervals before ${p.window.to} (the last at ${r.lastTs !== undefined ? new Date(r.lastTs * 1000).toISOString() : "never"})`);
  return out;
}

// --- stability.regime: `cdb evidence collect` (ops/streamCollect.ts) ---

export interface RegimeFigures {
  stream: string;
  since: string;
  /** The regime container's settings (REGIME_*), from the stack's plan. */
  thresholds: { adxTrend: number; adxRange: number; atrHighVol: number };
  signals: { id: string; ts: string; symbol: string; regime: string; adx: string; atr: string }[];
  startsAfterSince: boolean;
}

/** Regime signals count over at least this long a window. */
export const REGIME_MIN_WINDOW_HOURS = 48;

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
  const out: string[] = [];
  const hours = (Date.parse(p.window.to) - Date.parse(p.window.from)) / 3_600_000;
  if (hours < REGIME_MIN_WINDOW_HOURS) out.push(`the window is ${tenths(hours)} h; regime signals count over ${REGIME_MIN_WINDOW_HOURS} h at least`);
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
      required: ["stream", "since", "intervalSeconds", "symbols", "scanned", "startsAfterSince"],
      properties: {
        stream: { type: "string" },
        since: isoTime,
        intervalSeconds: { type: "integer", minimum: 1 },
        symbols: { type: "array", items: { type: "object", additionalProperties: false, required: ["symbol", "ts"], properties: { symbol: { type: "string" }, ts: { type: "array", items: { type: "integer" } } } } },
        scanned: count,
        startsAfterSince: { type: "boolean" },
      },
    },
    // Hours of candles without a gap up to the collection, for the symbol with the shortest run.
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
      required: ["stream", "since", "thresholds", "signals", "startsAfterSince"],
      properties: {
        stream: { type: "string" },
        since: isoTime,
        thresholds: { type: "object", additionalProperties: false, required: ["adxTrend", "adxRange", "atrHighVol"], properties: { adxTrend: { type: "number" }, adxRange: { type: "number" }, atrHighVol: { type: "number" } } },
        signals: {
          type: "array",
          items: { type: "object", additionalProperties: false, required: ["id", "ts", "symbol", "regime", "adx", "atr"], properties: { id: { type: "string" }, ts: { type: "string" }, symbol: { type: "string" }, regime: { type: "string" }, adx: { type: "string" }, atr: { type: "string" } } },
        },
        startsAfterSince: { type: "boolean" },
      },
    },
    // Regime signals observed in the window (each one the regime its ADX/ATR give, or the record fails).
    value: (p) => (p.figures as unknown as RegimeFigures).signals.length,
    problems: regimeProblems,
  },
};
