import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";

export const paperRunner: ServiceModule = {
  name: "paper_runner",
  spec: SERVICES.paper_runner,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({ ...appEnv(cfg), PAPER_TRADING_DURATION_DAYS: String(cfg.paperTradingDurationDays) }),
};
