// The metrics the dashboards and alert rules read, and where each comes
// from. Names are the ones the services expose today (cdb-stack.md, "Metrics
// actually exposed"); there is no `cdb_*` metric in the trading system. What
// the runbook asks for and no metric carries (P&L, balance, MEXC API errors)
// is listed as `needed`, with the change the services need: a rule over a
// missing series never fires, so the gap is written where docs/reference.md and tests see it.

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricSpec {
  name: string;
  type: MetricType;
  labels: readonly string[];
  meaning: string;
  /** Who exposes it today (`service:port`, an exporter, Prometheus), or "needed" when nobody does. */
  source: string;
  /** The change the services need before panels and alerts on it work as the runbook means. */
  change?: string;
}

export const NEEDED = "needed";

/**
 * The one metric cdb itself produces: `cdb drift --metrics-file` writes it in
 * Prometheus text format (node_exporter's textfile-collector form), one series
 * per container, 0 when it matches the stack. No service exposes a cdb_* metric.
 */
export const DRIFT_METRIC = "cdb_drift_fields";
export const DRIFT_SOURCE = "cdb drift --metrics-file";

export const METRIC_CONTRACT = [
  {
    name: "execution_orders_received_total",
    type: "counter",
    labels: [],
    meaning: "Orders execution received from risk (paper and live).",
    source: "execution:8003",
  },
  {
    name: "execution_orders_filled_total",
    type: "counter",
    labels: [],
    meaning: "Orders execution reported filled; fill rate = filled / received.",
    source: "execution:8003",
  },
  {
    name: "execution_orders_rejected_total",
    type: "counter",
    labels: [],
    meaning: "Orders execution rejected (including every order blocked by the kill switch).",
    source: "execution:8003",
  },
  {
    name: "orders_blocked_total",
    type: "counter",
    labels: [],
    meaning: "Signals risk refused to turn into orders (limits, no allocation, cooldown, shutdown).",
    source: "risk:8002",
  },
  {
    name: "signals_generated_total",
    type: "counter",
    labels: [],
    meaning: "Signals the signal service published.",
    source: "signal:8005",
  },
  {
    name: "circuit_breaker_active",
    type: "gauge",
    labels: [],
    meaning: "1 while risk's drawdown circuit breaker blocks trading, else 0.",
    source: "risk:8002",
    change: "risk never updates its daily P&L, so the breaker cannot trigger today: risk must feed realised P&L into its drawdown check.",
  },
  {
    name: "ws_connected",
    type: "gauge",
    labels: [],
    meaning: "1 while the market-data websocket is connected.",
    source: "ws:8000",
  },
  {
    name: "candle_candles_emitted_total",
    type: "counter",
    labels: [],
    meaning: "1-minute candles written to stream.candles_1m; a gap means the pipeline stalled.",
    source: "candles:8007",
  },
  {
    name: "db_writer_events_failed_total",
    type: "counter",
    labels: ["channel"],
    meaning: "Events db_writer could not persist, by channel.",
    source: "db_writer:8010",
  },
  {
    name: "risk_daily_pnl_usdt",
    type: "gauge",
    labels: ["strategy_id"],
    meaning: "Realised + unrealised P&L in USDT since 00:00 UTC, per strategy; with the balance, the daily drawdown.",
    source: NEEDED,
    change: "risk (or execution) must expose the daily P&L it tracks per strategy; no P&L metric exists.",
  },
  {
    name: "risk_account_balance_usdt",
    type: "gauge",
    labels: [],
    meaning: "Account equity in USDT as risk last read it (MEXC with USE_REAL_BALANCE, else TEST_BALANCE); input of the balance-drop alert.",
    source: NEEDED,
    change: "risk must expose the balance it sizes positions from; no balance metric exists.",
  },
  {
    name: "execution_exchange_errors_total",
    type: "counter",
    labels: ["error_type"],
    meaning: "Failed MEXC API calls of execution, by error_type.",
    source: NEEDED,
    change: "execution must count failed exchange calls; execution_orders_rejected_total mixes them with kill-switch and validation rejections.",
  },
  {
    name: "up",
    type: "gauge",
    labels: ["job", "instance"],
    meaning: "Set by Prometheus per scrape target: 1 when the last scrape succeeded.",
    source: "prometheus",
  },
  {
    name: "pg_up",
    type: "gauge",
    labels: [],
    meaning: "1 when postgres-exporter can reach PostgreSQL.",
    source: "postgres_exporter:9187",
  },
  {
    name: "redis_up",
    type: "gauge",
    labels: [],
    meaning: "1 when redis-exporter can reach Redis.",
    source: "redis_exporter:9121",
  },
  {
    name: DRIFT_METRIC,
    type: "gauge",
    labels: ["stack", "container", "service", "trading_path"],
    meaning: "Fields of a container that differ from what the stack declares (an undeclared container on the stack's network counts 1), as the last `cdb drift` found them; 0 when it matches.",
    source: DRIFT_SOURCE,
    change: "Prometheus reads it only through a node_exporter textfile collector on the Docker host that the stack's Prometheus scrapes: the stack runs no node_exporter yet.",
  },
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof METRIC_CONTRACT)[number]["name"];

const specs: readonly MetricSpec[] = METRIC_CONTRACT;
export const isExposed = (m: MetricSpec): boolean => m.source !== NEEDED;

/** Metrics the services still have to implement before the dashboards and alerts are complete. */
export const missingMetrics = (): MetricSpec[] => specs.filter((m) => !isExposed(m));

/**
 * Metric names a PromQL expression references. A plain tokenizer, not a
 * parser: good enough to tie expressions to the contract. Besides the
 * contract's names it reports anything that looks like a metric of the
 * services (a known prefix, `_total`, `_up`), so an unlisted one is caught.
 */
export function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const withoutSelectors = withoutStrings.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
  // Label lists of by/without/on/ignoring are not metrics.
  const withoutGrouping = withoutSelectors.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const tokens = withoutGrouping.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const known = new Set<string>(specs.map((m) => m.name));
  const looksLikeMetric = (t: string) => /^(cdb|execution|risk|signal|candle|regime|allocation|ws|db_writer|orders|signals)_/.test(t) || t.endsWith("_total") || t.endsWith("_up");
  return [...new Set(tokens.filter((t) => known.has(t) || looksLikeMetric(t)))];
}

/** True when `expr` reads `metric` as a whole name (not as part of a longer one). */
export const usesMetric = (expr: string, metric: string): boolean => metricsIn(expr).includes(metric);
