import { stringify } from "yaml";
import { DRIFT_METRIC } from "./metricContract";

// The alert rules as data. The four alerts of the live-trading runbook
// (section 4) plus the ones the compose stack already had; each carries a
// severity for routing and a runbook link, so a 3 a.m. e-mail says what to do.

export type Severity = "critical" | "warning";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** Relative to the repository: the runbook lives in docs/, next to the program that links it. */
export const RUNBOOK = "docs/runbooks/live-trading.md";
const runbook = (anchor: string): string => `${RUNBOOK}#${anchor}`;

export interface AlertThresholds {
  /**
   * Orders per minute, averaged over 5 minutes. The strategies trade on
   * 1-minute candles, so a handful of orders per minute is already a lot;
   * MEXC allows 600 requests/min and every order costs more than one request
   * (submit, status polls, cancels). 30/min fires on a runaway loop long
   * before the exchange starts rejecting requests, and leaves room for bursts.
   */
  ordersPerMinute: number;
  /** Execution errors within 5 minutes; single transient errors happen, a streak means the API path is broken. */
  executionErrorsPer5m: number;
  /** Fraction of the 24 h balance peak (the runbook's "balance drops > 5 %"). */
  balanceDropFraction: number;
  /** Fraction of the balance lost since 00:00 UTC, like MAX_DAILY_DRAWDOWN_PCT (0.05 = 5 %). */
  dailyDrawdownFraction: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  ordersPerMinute: 30,
  executionErrorsPer5m: 3,
  balanceDropFraction: 0.05,
  dailyDrawdownFraction: 0.05,
};

/**
 * Gauges the safety alerts compare against. A comparison over a series that
 * does not exist is silently false, so each gets an absent() alert: a metric
 * that is not (yet) exposed shows up as an alert instead of as calm.
 */
export const GUARDED_GAUGES = ["circuit_breaker_active", "risk_daily_pnl_usdt", "risk_account_balance_usdt"] as const;

const BALANCE = "risk_account_balance_usdt";
/** Loss since 00:00 UTC as a fraction of the balance (positive = loss). */
export const DAILY_DRAWDOWN_EXPR = `-sum(risk_daily_pnl_usdt) / max(${BALANCE})`;

function tradingRules(t: AlertThresholds): AlertRule[] {
  const peak = `max_over_time(${BALANCE}[24h])`;
  return [
    {
      alert: "CircuitBreakerTriggered",
      expr: "max(circuit_breaker_active) == 1",
      for: "0m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Circuit breaker triggered: trading is stopped",
        description: "The risk service tripped the circuit breaker. Find the cause before resetting it.",
        runbook_url: runbook("circuit-breaker-triggered"),
      },
    },
    {
      alert: "UnusualOrderVolume",
      expr: `sum(rate(execution_orders_received_total[5m])) * 60 > ${t.ordersPerMinute}`,
      for: "2m",
      labels: { severity: "warning" },
      annotations: {
        summary: `More than ${t.ordersPerMinute} orders/min for 2 minutes`,
        description: "Order rate is {{ $value | humanize }}/min. MEXC allows 600 requests/min; a runaway strategy gets the API key rate-limited or banned.",
        runbook_url: runbook("unusual-order-volume"),
      },
    },
    {
      alert: "MexcApiErrors",
      expr: `sum by (error_type) (increase(execution_exchange_errors_total[5m])) >= ${t.executionErrorsPer5m}`,
      for: "0m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Execution errors ({{ $labels.error_type }}) against MEXC",
        description: "{{ $value | humanize }} errors of type {{ $labels.error_type }} within 5 minutes.",
        runbook_url: runbook("mexc-api-errors"),
      },
    },
    {
      alert: "BalanceDrop",
      expr: `(${peak} - ${BALANCE}) / ${peak} > ${t.balanceDropFraction}`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: `Account balance dropped more than ${t.balanceDropFraction * 100}% below its 24h peak`,
        description: "Drop is {{ $value | humanizePercentage }}. Check open positions and recent fills; a withdrawal also triggers this.",
        runbook_url: runbook("balance-drop"),
      },
    },
    {
      alert: "DailyDrawdownExceeded",
      expr: `${DAILY_DRAWDOWN_EXPR} > ${t.dailyDrawdownFraction}`,
      for: "0m",
      labels: { severity: "critical" },
      annotations: {
        summary: `Daily drawdown above ${Math.round(t.dailyDrawdownFraction * 10_000) / 100}%`,
        description: "Daily drawdown is {{ $value | humanizePercentage }}. The circuit breaker should have stopped trading.",
        runbook_url: runbook("daily-drawdown-exceeded"),
      },
    },
  ];
}

function infrastructureRules(): AlertRule[] {
  return [
    {
      alert: "MarketDataDisconnected",
      expr: "max(ws_connected) == 0",
      for: "2m",
      labels: { severity: "warning" },
      annotations: {
        summary: "The market-data websocket is disconnected",
        description: "cdb_ws has no MEXC connection: no trades, no candles, no signals.",
        runbook_url: runbook("market-data-disconnected"),
      },
    },
    {
      alert: "ServiceDown",
      expr: "up == 0",
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "{{ $labels.job }} is down",
        description: "Prometheus cannot scrape {{ $labels.instance }}.",
        runbook_url: runbook("service-down"),
      },
    },
    {
      alert: "DatabaseConnectionLost",
      expr: "pg_up == 0",
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "PostgreSQL is unreachable",
        description: "postgres-exporter cannot connect to cdb_postgres.",
        runbook_url: runbook("database-connection-lost"),
      },
    },
    {
      alert: "RedisConnectionLost",
      expr: "redis_up == 0",
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Redis is unreachable",
        description: "redis-exporter cannot connect to cdb_redis; the trading pipeline and the emergency stop run over Redis.",
        runbook_url: runbook("redis-connection-lost"),
      },
    },
  ];
}

function metricContractRules(): AlertRule[] {
  return GUARDED_GAUGES.map((metric) => ({
    alert: "SafetyMetricAbsent",
    expr: `absent(${metric})`,
    // Long enough to ride out a restart of the exposing service.
    for: "15m",
    labels: { severity: "warning", metric },
    annotations: {
      summary: `${metric} is not scraped: alerts on it cannot fire`,
      description: `No series ${metric} for 15 minutes. See the metric contract in monitoring/.`,
      runbook_url: runbook("safety-metric-absent"),
    },
  }));
}

/**
 * A trading-path container (or an undeclared one on the stack's network) that
 * differs from what the stack declares: someone changed live by hand, and the
 * evidence the gate accepted no longer describes what trades. At once, no `for`:
 * `cdb drift` runs on a schedule, each sample is already a finished check.
 */
function driftRules(): AlertRule[] {
  return [
    {
      alert: "CdbDrift",
      expr: `max by (stack, container) (${DRIFT_METRIC}{trading_path="true"}) > 0`,
      for: "0m",
      labels: { severity: "critical" },
      annotations: {
        summary: "{{ $labels.container }} of stack {{ $labels.stack }} differs from what the stack declares",
        description: "cdb drift found {{ $value }} field(s) of {{ $labels.container }} (trading path) that differ from the stack's declaration. Run `npx cdb drift --stack {{ $labels.stack }}` for the lines; redeploy or roll back, never leave it.",
        runbook_url: runbook("cdb-drift"),
      },
    },
  ];
}

export function alertRuleGroups(thresholds: AlertThresholds = DEFAULT_THRESHOLDS): RuleGroup[] {
  return [
    { name: "cdb-trading", rules: tradingRules(thresholds) },
    { name: "cdb-infrastructure", rules: infrastructureRules() },
    { name: "cdb-metric-contract", rules: metricContractRules() },
    { name: "cdb-drift", rules: driftRules() },
  ];
}

export const alertRulesYaml = (thresholds: AlertThresholds = DEFAULT_THRESHOLDS): string =>
  stringify({ groups: alertRuleGroups(thresholds) }, { lineWidth: 0 });
