import { stringify } from "yaml";
import type { TradingMode } from "../config/schema";
import { canonicalName, SERVICE_NAMES, SERVICES, type ServiceName } from "../config/services";
import { PROMETHEUS_RULES_GLOB } from "./paths";

// prometheus.yml derived from the service list: a service that declares a
// metricsPort is scraped, and nothing else has to be remembered by hand.

export const SCRAPE_INTERVAL = "15s";

export interface ScrapeJob {
  job_name: string;
  metrics_path: string;
  static_configs: { targets: string[] }[];
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string; external_labels: Record<string, string> };
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeJob[];
}

const target = (service: ServiceName, port: number): string => `${canonicalName(service)}:${port}`;

/** One job per service with a metrics endpoint, named like the container alias so alerts say which one. */
export function scrapeJobs(): ScrapeJob[] {
  return SERVICE_NAMES.flatMap((service) => {
    const port = SERVICES[service].metricsPort;
    if (port === undefined) return [];
    return [{ job_name: canonicalName(service), metrics_path: "/metrics", static_configs: [{ targets: [target(service, port)] }] }];
  });
}

export function prometheusConfig(opts: { stack: string; mode: TradingMode }): PrometheusConfig {
  const promPort = SERVICES.prometheus.port;
  const amPort = SERVICES.alertmanager.port;
  // Spec invariants, not config: a missing port here is a programming error.
  if (promPort === undefined || amPort === undefined) throw new Error("prometheus and alertmanager need a port in SERVICES");
  return {
    global: {
      scrape_interval: SCRAPE_INTERVAL,
      evaluation_interval: SCRAPE_INTERVAL,
      // Paper and live can share one mail inbox; these labels say which stack raised an alert.
      external_labels: { cdb_stack: opts.stack, cdb_mode: opts.mode },
    },
    rule_files: [PROMETHEUS_RULES_GLOB],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [target("alertmanager", amPort)] }] }] },
    scrape_configs: [
      // Itself over loopback: its own health must not depend on the network's DNS.
      { job_name: canonicalName("prometheus"), metrics_path: "/metrics", static_configs: [{ targets: [`localhost:${promPort}`] }] },
      ...scrapeJobs(),
    ],
  };
}

export const prometheusYaml = (opts: { stack: string; mode: TradingMode }): string =>
  stringify(prometheusConfig(opts), { lineWidth: 0 });
