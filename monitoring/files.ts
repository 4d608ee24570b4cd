import type { CdbConfig, TradingMode } from "../config/schema";
import type { ServiceName } from "../config/services";
import { alertmanagerTemplate } from "./alertmanager";
import { alertRulesYaml, DEFAULT_THRESHOLDS } from "./alertRules";
import { liveTradingDashboardJson } from "./dashboard";
import { grafanaDashboardProviderYaml, grafanaDatasourcesYaml } from "./grafana";
import {
  ALERTMANAGER_TEMPLATE_PATH,
  GRAFANA_DASHBOARD_PROVIDER_PATH,
  GRAFANA_DATASOURCES_PATH,
  GRAFANA_LIVE_TRADING_DASHBOARD_PATH,
  PROMETHEUS_CONFIG_PATH,
  PROMETHEUS_RULES_PATH,
} from "./paths";
import { prometheusYaml } from "./prometheus";

/** A file uploaded into a container. Structurally the plan's ContainerFile: monitoring sits below model/ and must not import it. */
export interface ProvisionedFile {
  path: string;
  content: string;
}

/** Monitoring provisioning files uploaded into a container. */
export const monitoringFiles = (service: ServiceName, plan: { stack: string; mode: TradingMode }, cfg: CdbConfig): ProvisionedFile[] => {
  switch (service) {
    case "prometheus":
      return [
        { path: PROMETHEUS_CONFIG_PATH, content: prometheusYaml({ stack: plan.stack, mode: plan.mode }) },
        {
          path: PROMETHEUS_RULES_PATH,
          content: alertRulesYaml({ ...DEFAULT_THRESHOLDS, dailyDrawdownFraction: cfg.risk.maxDailyDrawdownPct }),
        },
      ];
    case "alertmanager":
      return [{ path: ALERTMANAGER_TEMPLATE_PATH, content: alertmanagerTemplate({ smtpSmarthost: cfg.smtpHost }) }];
    case "grafana":
      return [
        { path: GRAFANA_DATASOURCES_PATH, content: grafanaDatasourcesYaml({ postgresUser: cfg.postgres.user, postgresDatabase: cfg.postgres.database }) },
        { path: GRAFANA_DASHBOARD_PROVIDER_PATH, content: grafanaDashboardProviderYaml() },
        { path: GRAFANA_LIVE_TRADING_DASHBOARD_PATH, content: liveTradingDashboardJson() },
      ];
    default:
      return [];
  }
};
