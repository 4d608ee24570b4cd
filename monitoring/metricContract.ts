// The metrics the dashboards and alert rules read, with who must expose them.
// Several do not exist in the services yet: a rule over a missing series never
// fires, so the gap has to be written down where the README and the tests see it.

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricSpec {
  name: string;
  type: MetricType;
  labels: readonly string[];
  meaning: string;
  /** True when the services or exporters expose it today (cdb-stack.md, "Monitoring today"). */
  exposedToday: boolean;
}

export const METRIC_CONTRACT = [
  {
    name: "cdb_orders_processed_total",
    type: "counter",
    labels: [],
    meaning: "Orders the execution service processed (submitted to the executor, paper or live).",
    exposedToday: true,
  },
  {
    name: "cdb_orders_filled_total",
    type: "counter",
    labels: [],
    meaning: "Orders that were filled (fully or partly) on the exchange or by the paper executor; fill rate = filled / processed.",
    exposedToday: false,
  },
  {
    name: "cdb_pnl_usdt",
    type: "gauge",
    labels: ["strategy_id"],
    meaning: "Profit and loss (realized + unrealized) in USDT since the start of the UTC day, per strategy.",
    exposedToday: false,
  },
  {
    name: "cdb_account_balance_usdt",
    type: "gauge",
    labels: [],
    meaning: "Total account equity in USDT as last read from MEXC (or the paper account); input of the balance-drop alert.",
    exposedToday: false,
  },
  {
    name: "cdb_circuit_breaker_triggered",
    type: "gauge",
    labels: [],
    meaning: "1 while the risk circuit breaker has stopped trading, else 0.",
    exposedToday: true,
  },
  {
    name: "cdb_daily_drawdown_pct",
    type: "gauge",
    labels: [],
    meaning: "Current daily drawdown in percent (5 = 5 %), compared with MAX_DAILY_DRAWDOWN_PCT.",
    exposedToday: true,
  },
  {
    name: "cdb_execution_errors_total",
    type: "counter",
    labels: ["error_type"],
    meaning: "Errors of the execution service, including failed MEXC API calls, by error_type.",
    exposedToday: true,
  },
  {
    name: "up",
    type: "gauge",
    labels: ["job", "instance"],
    meaning: "Set by Prometheus per scrape target: 1 when the last scrape succeeded.",
    exposedToday: true,
  },
  {
    name: "pg_up",
    type: "gauge",
    labels: [],
    meaning: "postgres-exporter: 1 when it can reach PostgreSQL.",
    exposedToday: true,
  },
  {
    name: "redis_up",
    type: "gauge",
    labels: [],
    meaning: "redis-exporter: 1 when it can reach Redis.",
    exposedToday: true,
  },
] as const satisfies readonly MetricSpec[];

export type MetricName = (typeof METRIC_CONTRACT)[number]["name"];

/** Metrics the services still have to implement before the dashboards and alerts are complete. */
export const missingMetrics = (): MetricSpec[] => METRIC_CONTRACT.filter((m) => !m.exposedToday);

/**
 * Metric names a PromQL expression references. A plain tokenizer, not a
 * parser: good enough to tie expressions to the contract, and it errs towards
 * reporting more names (label values inside quotes are skipped).
 */
export function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const withoutSelectors = withoutStrings.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "");
  const tokens = withoutSelectors.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  const known = new Set<string>(METRIC_CONTRACT.map((m) => m.name));
  return [...new Set(tokens.filter((t) => known.has(t) || t.startsWith("cdb_") || t.endsWith("_up")))];
}

/** True when `expr` reads `metric` as a whole name (not as part of a longer one). */
export const usesMetric = (expr: string, metric: string): boolean => metricsIn(expr).includes(metric);
