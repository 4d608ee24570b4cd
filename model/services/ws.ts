import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";

export const ws: ServiceModule = {
  name: "ws",
  spec: SERVICES.ws,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({ ...appEnv(cfg), WS_SOURCE: "mexc_pb", MEXC_SYMBOL: cfg.symbol }),
};
