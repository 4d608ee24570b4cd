import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, portText, type ServiceModule } from "./module";

export const candles: ServiceModule = {
  name: "candles",
  spec: SERVICES.candles,
  component: APP_COMPONENT,
  // 60 s belongs to the stream's name (candles_1m) and to regime's input: wiring, not a setting.
  env: ({ cfg }) => ({ ...appEnv(cfg), CANDLE_PORT: portText(SERVICES.candles), CANDLE_INTERVAL_SECONDS: "60", CANDLE_OUTPUT_STREAM: "stream.candles_1m" }),
};
