import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, portText, type ServiceModule } from "./module";

export const allocation: ServiceModule = {
  name: "allocation",
  spec: SERVICES.allocation,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({
    ...appEnv(cfg),
    // Code and Dockerfile default to 8005, which is signal's port.
    ALLOCATION_PORT: portText(SERVICES.allocation),
    ALLOCATION_RULES_JSON: JSON.stringify(cfg.allocation.rules),
    ALLOCATION_REGIME_MIN_STABLE_SECONDS: String(cfg.allocation.regimeMinStableSeconds),
  }),
};
