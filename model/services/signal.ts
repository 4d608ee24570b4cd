import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, portText, type ServiceModule } from "./module";

export const signal: ServiceModule = {
  name: "signal",
  spec: SERVICES.signal,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({
    ...appEnv(cfg),
    SIGNAL_STRATEGY_ID: cfg.signal.strategyId,
    // Wiring: the code's default is 8001, Prometheus and the health check use the reference's port.
    SIGNAL_PORT: portText(SERVICES.signal),
    SIGNAL_THRESHOLD_PCT: String(cfg.signal.thresholdPct),
    SIGNAL_MIN_VOLUME: String(cfg.signal.minVolume),
  }),
};
