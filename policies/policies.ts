import { configSafety } from "./configSafety";
import { liveHardening } from "./liveHardening";
import { liveImagesPinned } from "./liveImagesPinned";
import { liveReadiness } from "./liveReadiness";
import { liveTradingGate } from "./liveTradingGate";
import { localhostPorts } from "./localhostPorts";
import { noSecretsInEnv } from "./noSecretsInEnv";
import { paperStaysPaper } from "./paperStaysPaper";
import { rehearsalNetworkInternal } from "./rehearsalNetworkInternal";
import { rehearsalStack } from "./rehearsalStack";
import { riskLimits } from "./riskLimits";
import { stackCoverage } from "./stackCoverage";

/** Every policy of the pack, importable without starting the analyzer. */
export const POLICIES = [
  liveReadiness,
  liveTradingGate,
  paperStaysPaper,
  riskLimits,
  configSafety,
  noSecretsInEnv,
  localhostPorts,
  liveImagesPinned,
  liveHardening,
  stackCoverage,
  rehearsalNetworkInternal,
  rehearsalStack,
];
