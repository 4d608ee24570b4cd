import { LIVE_CONFIRMATION, tradesForReal, tradingFlags } from "../../config/safety";
import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";
import { rehearsalTrust } from "./rehearsalTrust";

export const execution: ServiceModule = {
  name: "execution",
  spec: SERVICES.execution,
  component: APP_COMPONENT,
  callsMexc: true,
  env: ({ cfg }) => {
    const flags = tradingFlags(cfg.mode);
    // Unless DRY_RUN and MOCK_TRADING are both true, execution exits at start without CONFIRM_LIVE_TRADING=true.
    return { ...appEnv(cfg), ...flags, ...rehearsalTrust(cfg), ...(tradesForReal(flags) ? { [LIVE_CONFIRMATION]: "true" } : {}) };
  },
};
