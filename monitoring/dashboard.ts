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

const PANELS: PanelSpec[] = [
  {
    type: "timeseries",
    title: "Orders per minute",
    description: "Orders processed by execution, per minute (5m rate).",
    queries: [{ expr: "sum(rate(cdb_orders_processed_total[5m])) * 60", legend: "orders/min" }],
    unit: "short",
  },
  {
    type: "timeseries",
    title: "Fill rate",
    description: "Share of processed orders that were filled (15m window).",
    queries: [
      { expr: "sum(rate(cdb_orders_filled_total[15m])) / sum(rate(cdb_orders_processed_total[15m]))", legend: "fill rate" },
    ],
    unit: "percentunit",
  },
  {
    type: "timeseries",
    title: "P&L",
    description: "Realized + unrealized P&L since the start of the UTC day, per strategy.",
    queries: [{ expr: "sum by (strategy_id) (cdb_pnl_usdt)", legend: "{{strategy_id}}" }],
    unit: "currencyUSD",
  },
  {
    type: "stat",
    title: "Circuit breaker status",
    description: "TRIPPED while the risk circuit breaker has stopped trading.",
    queries: [{ expr: "max(cdb_circuit_breaker_triggered)", legend: "circuit breaker" }],
    unit: "none",
    extra: {
      defaults: {
        mappings: [{ type: "value", options: { "0": { text: "OK", color: "green" }, "1": { text: "TRIPPED", color: "red" } } }],
        // No data is not OK: the gauge is missing, so the breaker state is unknown.
        noValue: "UNKNOWN",
      },
      options: { colorMode: "background", reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
    },
  },
  {
    type: "stat",
    title: "Service health",
    description: "1 = Prometheus scraped the service's /metrics, 0 = down.",
    queries: [{ expr: "up", legend: "{{job}}" }],
    unit: "none",
    extra: {
      defaults: { mappings: [{ type: "value", options: { "0": { text: "DOWN", color: "red" }, "1": { text: "UP", color: "green" } } }] },
      options: { colorMode: "background", reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
    },
  },
  {
    type: "timeseries",
    title: "Account balance (USDT)",
    description: "Input of the BalanceDrop alert.",
    queries: [{ expr: "cdb_account_balance_usdt", legend: "balance" }],
    unit: "currencyUSD",
  },
  {
    type: "timeseries",
    title: "Execution errors",
    description: "Execution errors (MEXC API) per 5 minutes, by type.",
    queries: [{ expr: "sum by (error_type) (increase(cdb_execution_errors_total[5m]))", legend: "{{error_type}}" }],
    unit: "short",
  },
  {
    type: "timeseries",
    title: "Daily drawdown",
    description: "Percent; the circuit breaker trips at MAX_DAILY_DRAWDOWN_PCT.",
    queries: [{ expr: "max(cdb_daily_drawdown_pct)", legend: "drawdown %" }],
    unit: "percent",
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
