import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load";
import { SERVICE_NAMES } from "../config/services";
import { monitoringFiles } from "./files";

const base = { stack: "paper", mode: "paper" as const, networkName: "cdbpaper_network" };
const cfg = loadConfig("paper", new Map([["sourceDir", { value: "/src", secret: false }]])).config;

describe("monitoringFiles", () => {
  it("provisions the three monitoring containers at the expected paths", () => {
    expect(monitoringFiles("prometheus", base, cfg).map((f) => f.path)).toEqual([
      "/etc/prometheus/prometheus.yml",
      "/etc/prometheus/rules/cdb-alerts.yml",
    ]);
    expect(monitoringFiles("alertmanager", base, cfg).map((f) => f.path)).toEqual(["/etc/alertmanager/alertmanager.tmpl.yml"]);
    expect(monitoringFiles("grafana", base, cfg).map((f) => f.path)).toEqual([
      "/etc/grafana/provisioning/datasources/cdb.yml",
      "/etc/grafana/provisioning/dashboards/cdb.yml",
      "/etc/grafana/dashboards/cdb-live-trading.json",
    ]);
  });

  it("gives every other container nothing", () => {
    const others = SERVICE_NAMES.filter((s) => !["prometheus", "alertmanager", "grafana"].includes(s));
    for (const s of others) expect(monitoringFiles(s, base, cfg), s).toEqual([]);
  });

  it("takes Grafana's PostgreSQL user and database and the drawdown alert from the stack config", () => {
    const custom = loadConfig("paper", new Map([
      ["sourceDir", { value: "/src", secret: false }],
      ["postgres", { value: { database: "cdb_paper" }, secret: false }],
      ["risk", { value: { maxDailyDrawdownPct: 0.03 }, secret: false }],
    ])).config;
    const datasources = monitoringFiles("grafana", base, custom)[0]!.content;
    expect(datasources).toContain("user: claire_user");
    expect(datasources).toContain("database: cdb_paper");
    expect(monitoringFiles("prometheus", base, custom)[1]!.content).toContain("-sum(risk_daily_pnl_usdt) / max(risk_account_balance_usdt) > 0.03");
  });

  it("labels Prometheus with the stack it runs in", () => {
    const prom = monitoringFiles("prometheus", { stack: "live", mode: "live" }, cfg);
    expect(prom[0]?.content).toContain("cdb_stack: live");
  });

});
