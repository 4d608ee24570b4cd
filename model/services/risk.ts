import { tradingFlags } from "../../config/safety";
import { SERVICES } from "../../config/services";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";
import { rehearsalTrust } from "./rehearsalTrust";

export const risk: ServiceModule = {
  name: "risk",
  spec: SERVICES.risk,
  component: APP_COMPONENT,
  callsMexc: true,
  env: ({ cfg }) => {
    const flags = tradingFlags(cfg.mode);
    const { risk: r } = cfg;
    return {
      ...appEnv(cfg),
      ...rehearsalTrust(cfg),
      USE_REAL_BALANCE: flags.USE_REAL_BALANCE,
      MEXC_TESTNET: flags.MEXC_TESTNET,
      MAX_POSITION_PCT: String(r.maxPositionPct),
      MAX_TOTAL_EXPOSURE_PCT: String(r.maxTotalExposurePct),
      MAX_DAILY_DRAWDOWN_PCT: String(r.maxDailyDrawdownPct),
      STOP_LOSS_PCT: String(r.stopLossPct),
      EARLY_LIVE_MAX_ALLOC: String(r.earlyLiveMaxAlloc),
    };
  },
};
