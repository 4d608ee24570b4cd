import { SERVICES } from "../../config/services";
import { lokiConfigYaml } from "../../monitoring/logging";
import { LOKI_CONFIG_PATH } from "../../monitoring/paths";
import type { ServiceModule } from "./module";

// Log aggregation (the trading system's logging.yml): Promtail pushes every container's lines here;
// Grafana's Loki data source and `cdb logs check` query it over the stack's network only.
export const loki: ServiceModule = {
  name: "loki",
  spec: SERVICES.loki,
  component: "cdb:infra:Loki",
  env: () => ({}),
  start: () => ({ command: [`-config.file=${LOKI_CONFIG_PATH}`] }),
  files: () => [{ path: LOKI_CONFIG_PATH, content: lokiConfigYaml() }],
};
