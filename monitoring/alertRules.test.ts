import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
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

  it("CdbDrift fires on a drifted trading-path series only, and resolves when it is clean again (promtool test rules)", () => {
    const root = tempRoot();
    writeUnder(root, "/rules/cdb-alerts.yml", alertRulesYaml());
    const series = (container: string, service: string, trading: boolean, values: string) => ({
      series: `cdb_drift_fields{stack="live",container="${container}",service="${service}",trading_path="${trading}"}`,
      values,
    });
    const firing = (container: string, value: number) => ({
      exp_labels: { severity: "critical", stack: "live", container },
      exp_annotations: {
        summary: `${container} of stack live differs from what the stack declares`,
        description: `cdb drift found ${value} field(s) of ${container} (trading path) that differ from the stack's declaration. Run \`npx cdb drift --stack live\` for the lines; redeploy or roll back, never leave it.`,
        runbook_url: "docs/runbooks/live-trading.md#cdb-drift",
      },
    });
    const tests = {
      rule_files: ["rules/cdb-alerts.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            // Drifted at minutes 2-3, clean again from minute 4.
            series("cdb_execution", "execution", true, "0 0 2 2 0 0"),
            // Always clean.
            series("cdb_signal", "signal", true, "0 0 0 0 0 0"),
            // Drifted, but not on the trading path: a line of cdb drift, no alert.
            series("cdb_grafana", "grafana", false, "1 1 1 1 1 1"),
          ],
          alert_rule_test: [
            { eval_time: "1m", alertname: "CdbDrift", exp_alerts: [] },
            { eval_time: "2m", alertname: "CdbDrift", exp_alerts: [firing("cdb_execution", 2)] },
            { eval_time: "3m", alertname: "CdbDrift", exp_alerts: [firing("cdb_execution", 2)] },
            { eval_time: "5m", alertname: "CdbDrift", exp_alerts: [] },
          ],
        },
      ],
    };
    const file = writeUnder(root, "/drift.test.yml", stringify(tests));
    const r = run("promtool", ["test", "rules", file]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status, r.output).toBe(0);
    // The test can fail: the same series expected clean at minute 2 is refused.
    const wrong = writeUnder(root, "/drift-wrong.test.yml", stringify({ ...tests, tests: [{ ...tests.tests[0], alert_rule_test: [{ eval_time: "2m", alertname: "CdbDrift", exp_alerts: [] }] }] }));
    const w = run("promtool", ["test", "rules", wrong]);
    expect(w.status).not.toBe(0);
    expect(w.output).toContain("FAILED");
  });

  it("promtool rejects a rule with broken PromQL (the tool really checks)", () => {
    const file = writeUnder(tempRoot(), "/rules/broken.yml", alertRulesYaml().replace("up == 0", "up == == 0"));
    const r = run("promtool", ["check", "rules", file]);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("FAILED");
  });
});
