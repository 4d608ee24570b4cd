import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { checkAlertRules, checkDashboards, REQUIRED_ALERTS, REQUIRED_PANELS } from "./checks";
import { monitoringFiles } from "./files";
import { GRAFANA_LIVE_TRADING_DASHBOARD_PATH as DASHBOARD, PROMETHEUS_CONFIG_PATH, PROMETHEUS_RULES_PATH as RULES } from "./paths";
import { filesMap } from "./testSupport";

import { loadConfig } from "../config/load";

const base = { stack: "live", mode: "live" as const, networkName: "cdb_network" };
const cfg = loadConfig("paper", new Map([["sourceDir", { value: "/src", secret: false }]])).config;
const grafanaFiles = () => filesMap(monitoringFiles("grafana", base, cfg));
const prometheusFiles = () => filesMap(monitoringFiles("prometheus", base, cfg));

interface PanelLike {
  title: string;
  targets: { expr: string }[];
}
const dashboardPanels = (files: Map<string, string>): PanelLike[] => (JSON.parse(files.get(DASHBOARD) ?? "") as { panels: PanelLike[] }).panels;
const withPanels = (files: Map<string, string>, panels: PanelLike[]) => {
  const d = JSON.parse(files.get(DASHBOARD) ?? "") as Record<string, unknown>;
  return new Map(files).set(DASHBOARD, JSON.stringify({ ...d, panels }));
};

interface RuleLike {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const ruleGroups = (files: Map<string, string>) => (parse(files.get(RULES) ?? "") as { groups: { name: string; rules: RuleLike[] }[] }).groups;
const withRules = (files: Map<string, string>, edit: (r: RuleLike) => RuleLike | undefined) =>
  new Map(files).set(
    RULES,
    stringify({ groups: ruleGroups(files).map((g) => ({ ...g, rules: g.rules.flatMap((r) => edit(r) ?? []) })) }),
  );

describe("checkDashboards", () => {
  it("passes the generated grafana files", () => {
    expect(checkDashboards(grafanaFiles())).toEqual([]);
  });

  it.each(REQUIRED_PANELS.map((p) => [p.title, p.metric] as const))("fails naming %s when that panel is removed", (title, metric) => {
    const files = grafanaFiles();
    const problems = checkDashboards(withPanels(files, dashboardPanels(files).filter((p) => p.title !== title)));
    expect(problems).toEqual([`dashboard panel "${title}" (${metric}) is missing`]);
  });

  it.each(REQUIRED_PANELS.map((p) => [p.title, p.metric] as const))("fails when %s keeps its title but stops querying %s", (title, metric) => {
    const files = grafanaFiles();
    const panels = dashboardPanels(files).map((p) => (p.title === title ? { ...p, targets: [{ expr: "vector(1)" }] } : p));
    const problems = checkDashboards(withPanels(files, panels));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`dashboard panel "${title}" (${metric}) is missing`);
  });

  it("finds panels nested in a row", () => {
    const files = grafanaFiles();
    const row = { title: "collapsed", type: "row", targets: [], panels: dashboardPanels(files) };
    expect(checkDashboards(withPanels(files, [row]))).toEqual([]);
  });

  it("fails closed without a dashboard", () => {
    const files = grafanaFiles();
    files.delete(DASHBOARD);
    const problems = checkDashboards(files);
    expect(problems[0]).toBe("no dashboard JSON under /etc/grafana/dashboards/");
    expect(problems).toHaveLength(1 + REQUIRED_PANELS.length);
  });

  it("fails closed on garbage JSON and on JSON without panels", () => {
    const garbage = checkDashboards(new Map(grafanaFiles()).set(DASHBOARD, "{ not json"));
    expect(garbage[0]).toMatch(/^dashboard \/etc\/grafana\/dashboards\/cdb-live-trading\.json is not valid JSON/);
    expect(garbage).toHaveLength(1 + REQUIRED_PANELS.length);
    const noPanels = checkDashboards(new Map(grafanaFiles()).set(DASHBOARD, '{"title":"x"}'));
    expect(noPanels[0]).toContain('has no "panels" array');
    expect(noPanels).toHaveLength(1 + REQUIRED_PANELS.length);
  });
});

describe("checkAlertRules", () => {
  it("passes the generated prometheus files", () => {
    expect(checkAlertRules(prometheusFiles())).toEqual([]);
  });

  it.each(REQUIRED_ALERTS.map((a) => [a.alert, a.runbookItem, a.metric] as const))("fails naming %s when it is removed", (alert, item, metric) => {
    const problems = checkAlertRules(withRules(prometheusFiles(), (r) => (r.alert === alert ? undefined : r)));
    expect(problems).toEqual([`alert rule "${alert}" (${item}, ${metric}) is missing`]);
  });

  it.each(REQUIRED_ALERTS.map((a) => [a.alert, a.metric] as const))("fails when %s no longer reads %s", (alert, metric) => {
    const problems = checkAlertRules(withRules(prometheusFiles(), (r) => (r.alert === alert ? { ...r, expr: "vector(0) > 1" } : r)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`alert rule "${alert}"`);
    expect(problems[0]).toContain(`does not read ${metric}`);
  });

  it("fails when a required rule has no valid severity, summary or runbook link", () => {
    const problems = checkAlertRules(
      withRules(prometheusFiles(), (r) => (r.alert === "BalanceDrop" ? { ...r, labels: { severity: "page" }, annotations: {} } : r)),
    );
    expect(problems).toEqual([
      'alert rule "BalanceDrop" needs labels.severity critical or warning, got "page"',
      'alert rule "BalanceDrop" has no annotations.summary',
      'alert rule "BalanceDrop" has no annotations.runbook_url',
    ]);
  });

  it("fails closed on garbage YAML and on YAML without groups", () => {
    const garbage = checkAlertRules(new Map(prometheusFiles()).set(RULES, "groups: [unclosed\n  - : :"));
    expect(garbage[0]).toMatch(/^rule file \/etc\/prometheus\/rules\/cdb-alerts\.yml is not valid YAML/);
    expect(garbage).toHaveLength(1 + REQUIRED_ALERTS.length);
    const scalar = checkAlertRules(new Map(prometheusFiles()).set(RULES, "just a string"));
    expect(scalar[0]).toContain('has no "groups" list');
    expect(scalar).toHaveLength(1 + REQUIRED_ALERTS.length);
  });

  it("fails closed on a rule file with a duplicate key or several documents (which rule would Prometheus see?)", () => {
    const rules = prometheusFiles().get(RULES) ?? "";
    const duplicate = checkAlertRules(new Map(prometheusFiles()).set(RULES, `${rules}groups: []\n`));
    expect(duplicate[0]).toMatch(/^rule file \/etc\/prometheus\/rules\/cdb-alerts\.yml is not valid YAML: duplicated mapping key/);
    expect(duplicate).toHaveLength(1 + REQUIRED_ALERTS.length);
    const twoDocs = checkAlertRules(new Map(prometheusFiles()).set(RULES, `${rules}---\ngroups: []\n`));
    expect(twoDocs[0]).toContain("is not valid YAML");
    expect(twoDocs).toHaveLength(1 + REQUIRED_ALERTS.length);
  });

  it("fails closed when prometheus.yml is missing, broken, or does not load the rule file", () => {
    const noConfig = prometheusFiles();
    noConfig.delete(PROMETHEUS_CONFIG_PATH);
    expect(checkAlertRules(noConfig)[0]).toBe("/etc/prometheus/prometheus.yml is missing, so no rule file would be loaded");
    expect(checkAlertRules(noConfig)).toHaveLength(1 + REQUIRED_ALERTS.length);

    const broken = new Map(prometheusFiles()).set(PROMETHEUS_CONFIG_PATH, "rule_files: [");
    expect(checkAlertRules(broken)[0]).toContain("is not valid YAML");

    const moved = prometheusFiles();
    const rules = moved.get(RULES) ?? "";
    moved.delete(RULES);
    moved.set("/etc/prometheus/other/cdb-alerts.yml", rules);
    expect(checkAlertRules(moved)[0]).toContain("no rule file matches rule_files");
    expect(checkAlertRules(moved)).toHaveLength(1 + REQUIRED_ALERTS.length);
  });

  it("accepts rule files referenced relative to prometheus.yml", () => {
    const files = prometheusFiles();
    const cfg = parse(files.get(PROMETHEUS_CONFIG_PATH) ?? "") as Record<string, unknown>;
    files.set(PROMETHEUS_CONFIG_PATH, stringify({ ...cfg, rule_files: ["rules/cdb-*.yml"] }));
    expect(checkAlertRules(files)).toEqual([]);
  });
});
