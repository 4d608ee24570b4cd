import { SERVICES } from "../../config/services";
import { promtailConfigYaml } from "../../monitoring/logging";
import { PROMTAIL_CONFIG_PATH } from "../../monitoring/paths";
import type { ServiceModule } from "./module";

// Ships this stack's container logs (found through the read-only Docker socket) to Loki.
export const promtail: ServiceModule = {
  name: "promtail",
  spec: SERVICES.promtail,
  component: "cdb:infra:Promtail",
  env: () => ({}),
  start: () => ({ command: [`-config.file=${PROMTAIL_CONFIG_PATH}`] }),
  files: ({ prefix }) => [{ path: PROMTAIL_CONFIG_PATH, content: promtailConfigYaml(prefix) }],
};
