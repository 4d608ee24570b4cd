import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, portText, type ServiceModule } from "./module";

/** Python reads these as floats; dev.yml writes them with a decimal point ("25.0"). */
const floatText = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

export const regime: ServiceModule = {
  name: "regime",
  spec: SERVICES.regime,
  component: APP_COMPONENT,
  env: ({ cfg }) => ({
    ...appEnv(cfg),
    REGIME_PORT: portText(SERVICES.regime),
    REGIME_ADX_PERIOD: String(cfg.regime.adxPeriod),
    REGIME_ATR_PERIOD: String(cfg.regime.atrPeriod),
    REGIME_ADX_TREND_THRESHOLD: floatText(cfg.regime.adxTrendThreshold),
    REGIME_ADX_RANGE_THRESHOLD: floatText(cfg.regime.adxRangeThreshold),
    REGIME_ATR_HIGH_VOL_THRESHOLD: floatText(cfg.regime.atrHighVolThreshold),
    REGIME_CONFIRMATION_BARS: String(cfg.regime.confirmationBars),
  }),
};
