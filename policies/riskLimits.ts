import { outsideBound, RISK_BOUNDS } from "../config/safety";
import { envOf } from "../readiness/facts";
import { cdbContainer, isContainer } from "./containers";
import { resourcePolicy } from "./guard";


export const riskLimits = resourcePolicy({
  name: "risk-limits",
  description: "Risk limits stay within the runbook's bounds (position 10 %, exposure 30 %, daily drawdown 5 %).",
  validate: (args, report) => {
    if (!isContainer(args.type)) return;
    // Bounds apply to any container that sets a limit, whatever its name or alias.
    const env = envOf(args.props);
    const isRisk = cdbContainer(args.type, args.props)?.service === "risk";
    for (const { env: key, max } of Object.values(RISK_BOUNDS)) {
      const text = env[key];
      if (text === undefined) {
        // The service's own default is not reviewed config: the risk service must get every limit explicitly.
        if (isRisk) report(`${args.name}: ${key} must be set (0 < value <= ${max})`);
        continue;
      }
      const problem = outsideBound(key, text, max);
      if (problem) report(`${args.name}: ${problem}`);
    }
  },
});
