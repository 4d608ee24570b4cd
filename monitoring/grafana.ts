import { stringify } from "yaml";
import { canonicalName, SERVICES } from "../config/services";
import { LOKI_DATASOURCE_UID, lokiUrl } from "./logging";
import { GRAFANA_DASHBOARDS_DIR, SECRETS_DIR } from "./paths";

// Grafana provisioning: data sources and where dashboards are loaded from.
// Fixed uids let the dashboard JSON point at the data sources without
// depending on the order Grafana happens to create them in.

export const PROMETHEUS_DATASOURCE_UID = "cdb-prometheus";
export const POSTGRES_DATASOURCE_UID = "cdb-postgres";

export interface GrafanaOptions {
  postgresUser: string;
  postgresDatabase: string;
}

/** The config schema's defaults (config/schema.ts postgres.*), for a caller without a stack's config; the plan passes the stack's. */
export const DEFAULT_GRAFANA_OPTIONS: GrafanaOptions = { postgresUser: "claire_user", postgresDatabase: "claire_de_binare" };

const port = (service: "prometheus" | "postgres"): number => {
  const p = SERVICES[service].port;
  if (p === undefined) throw new Error(`${service} needs a port in SERVICES`);
  return p;
};

export function grafanaDatasourcesYaml(opts: Partial<GrafanaOptions> = {}): string {
  const { postgresUser, postgresDatabase } = { ...DEFAULT_GRAFANA_OPTIONS, ...opts };
  return stringify(
    {
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: PROMETHEUS_DATASOURCE_UID,
          type: "prometheus",
          access: "proxy",
          url: `http://${canonicalName("prometheus")}:${port("prometheus")}`,
          isDefault: true,
          editable: false,
        },
        {
          name: "PostgreSQL",
          uid: POSTGRES_DATASOURCE_UID,
          // Grafana 11's id for the bundled PostgreSQL plugin ("postgres" is the legacy alias).
          type: "grafana-postgresql-datasource",
          access: "proxy",
          url: `${canonicalName("postgres")}:${port("postgres")}`,
          user: postgresUser,
          jsonData: { database: postgresDatabase, sslmode: "disable", postgresVersion: 1500 },
          // Grafana reads the file when provisioning; the password never enters env or this file.
          secureJsonData: { password: `$__file{${SECRETS_DIR}/postgres_password}` },
          editable: false,
        },
        // The trading system's provisioning/datasources/loki.yml, with a fixed uid and read-only.
        { name: "Loki", uid: LOKI_DATASOURCE_UID, type: "loki", access: "proxy", url: lokiUrl(), isDefault: false, editable: false, jsonData: { maxLines: 1000 } },
      ],
    },
    { lineWidth: 0 },
  );
}

export function grafanaDashboardProviderYaml(): string {
  return stringify(
    {
      apiVersion: 1,
      providers: [
        {
          name: "cdb",
          orgId: 1,
          folder: "cdb",
          type: "file",
          // The files are the source of truth; edits in the UI would be lost on the next deploy.
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: GRAFANA_DASHBOARDS_DIR },
        },
      ],
    },
    { lineWidth: 0 },
  );
}
