import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertRuleGroups, alertRulesYaml, DEFAULT_THRESHOLDS, GUARDED_GAUGES } from "./alertRules";
import { METRIC_CONTRACT, metricsIn } from "./metricContract";
import { run, tempRoot, writeUnder } from "./testSupport";

const rules = alertRuleGroups().flatMap((g) => g.rules);
const byName = (name: string) => rules.find((r) => r.alert === name);

describe("alert rules", () => {
  it("contains the runbook's and the existing stack's alerts with the expected expressions", () => {
    expect(byName("CircuitBreakerTriggered")?.expr).toBe("max(circuit_breaker_active) == 1");
    expect(byName("UnusualOrderVolume")?.expr).toBe("sum(rate(execution_orders_received_total[5m])) * 60 > 30");
    expect(byName("MexcApiErrors")?.expr).toContain("execution_exchange_errors_total");
    expect(byName("BalanceDrop")?.expr).toContain("> 0.05");
    expect(byName("BalanceDrop")?.expr).toContain("risk_account_balance_usdt");
    expect(byName("MarketDataDisconnected")?.expr).toBe("max(ws_connected) == 0");
    expect(byName("ServiceDown")?.expr).toBe("up == 0");
    expect(byName("DatabaseConnectionLost")?.expr).toBe("pg_up == 0");
    expect(byName("RedisConnectionLost")?.expr).toBe("redis_up == 0");
    expect(byName("DailyDrawdownExceeded")?.expr).toBe("-sum(risk_daily_pnl_usdt) / max(risk_account_balance_usdt) > 0.05");
  });

  it("stays well below MEXC's 600 requests/min with the order-volume threshold", () => {
    expect(DEFAULT_THRESHOLDS.ordersPerMinute).toBeLessThan(600 / 10);
    expect(alertRulesYaml({ ...DEFAULT_THRESHOLDS, ordersPerMinute: 12 })).toContain("* 60 > 12");
  });

  it("gives every rule a severity, a summary and a runbook link", () => {
    for (const r of rules) {
      expect(["critical", "warning"], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary.length, r.alert).toBeGreaterThan(0);
      expect(r.annotations.runbook_url, r.alert).toMatch(/^docs\/runbooks\/live-trading\.md#[a-z0-9-]+$/);
    }
  });

  it("guards each safety gauge with an absent() alert", () => {
    const absent = rules.filter((r) => r.alert === "SafetyMetricAbsent").map((r) => r.expr);
    expect(absent).toEqual(GUARDED_GAUGES.map((m) => `absent(${m})`));
  });

  it("reads only metrics listed in the metric contract", () => {
    const contract = new Set<string>(METRIC_CONTRACT.map((m) => m.name));
    for (const r of rules) for (const m of metricsIn(r.expr)) expect(contract, `${r.alert}: ${m}`).toContain(m);
  });

  it("round-trips through YAML unchanged", () => {
    expect(parse(alertRulesYaml())).toEqual({ groups: alertRuleGroups() });
  });

  it("passes `promtool check rules`", () => {
    const file = writeUnder(tempRoot(), "/rules/cdb-alerts.yml", alertRulesYaml());
    const r = run("promtool", ["check", "rules", file]);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(r.status).toBe(0);
  });

  it("promtool rejects a rule with broken PromQL (the tool really checks)", () => {
    const file = writeUnder(tempRoot(), "/rules/broken.yml", alertRulesYaml().replace("up == 0", "up == == 0"));
    const r = run("promtool", ["check", "rules", file]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });
});
