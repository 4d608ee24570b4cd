import { describe, expect, it } from "vitest";
import { REFERENCE_METRICS } from "../test/cdbReference";
import { DRIFT_METRIC, DRIFT_SOURCE, METRIC_CONTRACT, metricsIn, missingMetrics, NEEDED, usesMetric, type MetricSpec } from "./metricContract";

const EXPORTERS_AND_PROMETHEUS: Record<string, string[]> = { prometheus: ["up"], "postgres_exporter:9187": ["pg_up"], "redis_exporter:9121": ["redis_up"], [DRIFT_SOURCE]: [DRIFT_METRIC] };

describe("metric contract", () => {
  it("lists each metric once", () => {
    const names = METRIC_CONTRACT.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("claims only metrics the reference lists for that service and port; everything else is marked needed", () => {
    for (const m of METRIC_CONTRACT as readonly MetricSpec[]) {
      if (m.source === NEEDED) continue;
      const [service, port] = m.source.split(":");
      const ref = REFERENCE_METRICS[service!];
      const exposed = ref && String(ref.port) === port ? ref.metrics : EXPORTERS_AND_PROMETHEUS[m.source] ?? [];
      expect(exposed, `${m.name} from ${m.source}`).toContain(m.name);
    }
  });

  it("marks P&L, balance and MEXC API errors as needed, each with the change the services need", () => {
    expect(missingMetrics().map((m) => m.name).sort()).toEqual(["execution_exchange_errors_total", "risk_account_balance_usdt", "risk_daily_pnl_usdt"]);
    for (const m of missingMetrics()) expect(m.change, m.name).toMatch(/must/);
    // Exposed, but cannot fire today: the contract says so.
    expect(METRIC_CONTRACT.find((m) => m.name === "circuit_breaker_active")).toMatchObject({ source: "risk:8002", change: expect.stringContaining("cannot trigger") });
  });

  it("names no cdb_* metric of the services (they expose none): the only one is cdb drift's own", () => {
    expect(METRIC_CONTRACT.filter((m) => m.name.startsWith("cdb_")).map((m) => [m.name, m.source])).toEqual([[DRIFT_METRIC, DRIFT_SOURCE]]);
  });

  it("finds metric names in PromQL but not label names, label values or longer names", () => {
    expect(metricsIn('sum by (job) (rate(execution_orders_received_total{job="cdb_up"}[5m]))')).toEqual(["execution_orders_received_total"]);
    expect(metricsIn("sum by (error_type) (increase(execution_exchange_errors_total[5m]))")).toEqual(["execution_exchange_errors_total"]);
    expect(usesMetric("up == 0", "up")).toBe(true);
    expect(usesMetric("group(foo_up_total)", "up")).toBe(false);
    expect(usesMetric("execution_orders_received_total_extra", "execution_orders_received_total")).toBe(false);
    // An unlisted service metric is still reported, so the contract tests catch it.
    expect(metricsIn("rate(cdb_orders_processed_total[5m])")).toEqual(["cdb_orders_processed_total"]);
  });
});
