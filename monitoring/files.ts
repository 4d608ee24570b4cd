import type { ServiceName } from "../config/services";
import type { ContainerFile, FilesForService } from "../stacks/plan";
import { alertmanagerTemplate } from "./alertmanager";
import { alertRulesYaml } from "./alertRules";
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

/**
 * Monitoring provisioning files uploaded into a container. The plan does not
 * hand config to filesFor yet, so Grafana's PostgreSQL user/database use the
 * config schema's defaults (grafana.ts DEFAULT_GRAFANA_OPTIONS).
 */
export const monitoringFiles: FilesForService = (service: ServiceName, plan): ContainerFile[] => {
  switch (service) {
    case "prometheus":
      return [
        { path: PROMETHEUS_CONFIG_PATH, content: prometheusYaml({ stack: plan.stack, mode: plan.mode }) },
        { path: PROMETHEUS_RULES_PATH, content: alertRulesYaml() },
      ];
    case "alertmanager":
      return [{ path: ALERTMANAGER_TEMPLATE_PATH, content: alertmanagerTemplate() }];
    case "grafana":
      return [
        { path: GRAFANA_DATASOURCES_PATH, content: grafanaDatasourcesYaml() },
        { path: GRAFANA_DASHBOARD_PROVIDER_PATH, content: grafanaDashboardProviderYaml() },
        { path: GRAFANA_LIVE_TRADING_DASHBOARD_PATH, content: liveTradingDashboardJson() },
      ];
    default:
      return [];
  }
};
