import { DAILY_DRAWDOWN_EXPR } from "./alertRules";
import { PROMETHEUS_DATASOURCE_UID } from "./grafana";

// The "cdb live trading" dashboard of runbook section 4, as a Grafana
// dashboard model. Only what Grafana needs to render it; it fills in the rest.

export const LIVE_TRADING_DASHBOARD_UID = "cdb-live-trading";
export const LIVE_TRADING_DASHBOARD_TITLE = "cdb live trading";

interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: { type: "prometheus"; uid: string };
}

export interface Panel {
  id: number;
  type: "timeseries" | "stat";
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: string };
  targets: Target[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: string;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  panels: Panel[];
}

const datasource = { type: "prometheus" as const, uid: PROMETHEUS_DATASOURCE_UID };

interface PanelSpec {
  type: Panel["type"];
  title: string;
  description: string;
  queries: { expr: string; legend: string }[];
  unit: string;
  extra?: Pick<Panel, "options"> & { defaults?: Record<string, unknown> };
}

const stat = (mappings: Record<string, { text: string; color: string }>, noValue?: string): PanelSpec["extra"] => ({
  defaults: { mappings: [{ type: "value", options: mappings }], ...(noValue ? { noValue } : {}) },
  options: { colorMode: "background", reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
});

// Panels on metrics the services expose, and on the ones the metric contract
// marks as needed (P&L, balance, MEXC errors): those stay empty until the
// services add them, and their absent() alert says so meanwhile.
const PANELS: PanelSpec[] = [
  {
    type: "timeseries",
    title: "Orders per minute",
    description: "Orders execution received, per minute (5m rate).",
    queries: [{ expr: "sum(rate(execution_orders_received_total[5m])) * 60", legend: "orders/min" }],
    unit: "short",
  },
  {
    type: "timeseries",
    title: "Fill rate",
    description: "Share of received orders that execution filled (15m window).",
    queries: [
      { expr: "sum(rate(execution_orders_filled_total[15m])) / sum(rate(execution_orders_received_total[15m]))", legend: "fill rate" },
    ],
    unit: "percentunit",
  },
  {
    type: "timeseries",
    title: "P&L",
    description: "Daily P&L per strategy. Empty until risk exposes risk_daily_pnl_usdt (metric contract: needed).",
    queries: [{ expr: "sum by (strategy_id) (risk_daily_pnl_usdt)", legend: "{{strategy_id}}" }],
    unit: "currencyUSD",
  },
  {
    type: "stat",
    title: "Circuit breaker status",
    description: "TRIPPED while risk's circuit breaker blocks trading. It cannot trip today: risk never updates its daily P&L.",
    queries: [{ expr: "max(circuit_breaker_active)", legend: "circuit breaker" }],
    unit: "none",
    // No data is not OK: the gauge is missing, so the breaker state is unknown.
    extra: stat({ "0": { text: "OK", color: "green" }, "1": { text: "TRIPPED", color: "red" } }, "UNKNOWN"),
  },
  {
    type: "stat",
    title: "Service health",
    description: "1 = Prometheus scraped the service's /metrics, 0 = down.",
    queries: [{ expr: "up", legend: "{{job}}" }],
    unit: "none",
    extra: stat({ "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } }),
  },
  {
    type: "timeseries",
    title: "Account balance (USDT)",
    description: "Input of the BalanceDrop alert. Empty until risk exposes risk_account_balance_usdt (needed).",
    queries: [{ expr: "risk_account_balance_usdt", legend: "balance" }],
    unit: "currencyUSD",
  },
  {
    type: "timeseries",
    title: "MEXC API errors",
    description: "Failed exchange calls per 5 minutes, by type. Empty until execution exposes execution_exchange_errors_total (needed).",
    queries: [{ expr: "sum by (error_type) (increase(execution_exchange_errors_total[5m]))", legend: "{{error_type}}" }],
    unit: "short",
  },
  {
    type: "timeseries",
    title: "Daily drawdown",
    description: "Loss since 00:00 UTC as a share of the balance; the circuit breaker should trip at MAX_DAILY_DRAWDOWN_PCT.",
    queries: [{ expr: DAILY_DRAWDOWN_EXPR, legend: "drawdown" }],
    unit: "percentunit",
  },
  {
    type: "timeseries",
    title: "Pipeline throughput",
    description: "Signals generated, orders blocked by risk and rejected by execution, per minute.",
    queries: [
      { expr: "sum(rate(signals_generated_total[5m])) * 60", legend: "signals/min" },
      { expr: "sum(rate(orders_blocked_total[5m])) * 60", legend: "blocked by risk/min" },
      { expr: "sum(rate(execution_orders_rejected_total[5m])) * 60", legend: "rejected by execution/min" },
    ],
    unit: "short",
  },
  {
    type: "stat",
    title: "Market data",
    description: "MEXC websocket of cdb_ws, and candles emitted in the last 5 minutes.",
    queries: [
      { expr: "max(ws_connected)", legend: "websocket" },
      { expr: "sum(increase(candle_candles_emitted_total[5m]))", legend: "candles (5m)" },
    ],
    unit: "none",
  },
];

const WIDTH = 12;
const HEIGHT = 8;

function panel(spec: PanelSpec, index: number): Panel {
  return {
    id: index + 1,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    // Two columns, rows top to bottom in list order.
    gridPos: { x: (index % 2) * WIDTH, y: Math.floor(index / 2) * HEIGHT, w: WIDTH, h: HEIGHT },
    datasource,
    targets: spec.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), expr: q.expr, legendFormat: q.legend, datasource })),
    fieldConfig: { defaults: { unit: spec.unit, ...spec.extra?.defaults }, overrides: [] },
    ...(spec.extra?.options ? { options: spec.extra.options } : {}),
  };
}

export function liveTradingDashboard(): Dashboard {
  return {
    uid: LIVE_TRADING_DASHBOARD_UID,
    title: LIVE_TRADING_DASHBOARD_TITLE,
    tags: ["cdb", "live-trading"],
    timezone: "utc",
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    panels: PANELS.map(panel),
  };
}

export const liveTradingDashboardJson = (): string => `${JSON.stringify(liveTradingDashboard(), null, 2)}\n`;
