import { describe, expect, it } from "vitest";
import { METRIC_CONTRACT, metricsIn, missingMetrics, usesMetric } from "./metricContract";

describe("metric contract", () => {
  it("lists each metric once", () => {
    const names = METRIC_CONTRACT.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("marks the metrics the services do not expose yet", () => {
    expect(missingMetrics().map((m) => m.name).sort()).toEqual(["cdb_account_balance_usdt", "cdb_orders_filled_total", "cdb_pnl_usdt"]);
  });

  it("finds metric names in PromQL but not label names, label values or longer names", () => {
    expect(metricsIn('sum by (job) (rate(cdb_orders_processed_total{job="cdb_up"}[5m]))')).toEqual(["cdb_orders_processed_total"]);
    expect(usesMetric("up == 0", "up")).toBe(true);
    expect(usesMetric("group(foo_up_total)", "up")).toBe(false);
    expect(usesMetric("cdb_orders_processed_total_extra", "cdb_orders_processed_total")).toBe(false);
  });
});
