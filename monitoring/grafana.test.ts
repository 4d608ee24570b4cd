import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { liveTradingDashboard, liveTradingDashboardJson } from "./dashboard";
import { DASHBOARD_SCHEMA } from "./dashboardSchema";
import { grafanaDashboardProviderYaml, grafanaDatasourcesYaml, PROMETHEUS_DATASOURCE_UID } from "./grafana";
import { LOKI_DATASOURCE_UID } from "./logging";
import { METRIC_CONTRACT, metricsIn } from "./metricContract";

const validate = new Ajv({ allErrors: true, strict: true }).compile(DASHBOARD_SCHEMA);

describe("grafana datasources", () => {
  it("provisions Prometheus and PostgreSQL with the password read from the secret file", () => {
    const ds: unknown = parse(grafanaDatasourcesYaml({ postgresUser: "u1", postgresDatabase: "db1" }));
    expect(ds).toMatchObject({
      apiVersion: 1,
      datasources: [
        { name: "Prometheus", type: "prometheus", url: "http://cdb_prometheus:9090", uid: PROMETHEUS_DATASOURCE_UID },
        {
          name: "PostgreSQL",
          url: "cdb_postgres:5432",
          user: "u1",
          jsonData: { database: "db1" },
          secureJsonData: { password: "$__file{/run/secrets/postgres_password}" },
        },
        { name: "Loki", type: "loki", url: "http://cdb_loki:3100", uid: LOKI_DATASOURCE_UID },
      ],
    });
  });

  it("defaults the database user and name to the config schema's defaults", () => {
    expect(parse(grafanaDatasourcesYaml())).toMatchObject({
      datasources: [{}, { user: "claire_user", jsonData: { database: "claire_de_binare" } }, {}],
    });
  });

  it("loads dashboards from /etc/grafana/dashboards", () => {
    expect(parse(grafanaDashboardProviderYaml())).toMatchObject({
      apiVersion: 1,
      providers: [{ type: "file", options: { path: "/etc/grafana/dashboards" } }],
    });
  });
});

describe("live trading dashboard", () => {
  it("validates against the dashboard schema", () => {
    const ok = validate(JSON.parse(liveTradingDashboardJson()));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema rejects a panel without targets or gridPos (the schema really checks)", () => {
    const d = liveTradingDashboard();
    const broken = { ...d, panels: [{ ...d.panels[0], targets: [] }, { ...d.panels[1], gridPos: undefined }] };
    expect(validate(JSON.parse(JSON.stringify(broken)))).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
    expect(paths).toEqual(expect.arrayContaining([expect.stringContaining("/panels/0/targets"), expect.stringContaining("gridPos")]));
  });

  it("has unique panel ids and non-overlapping grid positions", () => {
    const panels = liveTradingDashboard().panels;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(cells).size).toBe(panels.length);
  });

  it("queries only metrics listed in the metric contract, through the provisioned Prometheus", () => {
    const contract = new Set<string>(METRIC_CONTRACT.map((m) => m.name));
    for (const p of liveTradingDashboard().panels) {
      expect(p.datasource.uid).toBe(PROMETHEUS_DATASOURCE_UID);
      for (const t of p.targets) for (const m of metricsIn(t.expr)) expect(contract, `${p.title}: ${m}`).toContain(m);
    }
  });
});
