import { runGate } from "../readiness/gate";
import { viewOf } from "../readiness/stackView";
import { envOf } from "../readiness/facts";
import { tradesForReal } from "../config/safety";
import { isContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { stackContext } from "./stackContext";
import { reportGate } from "./verdictReport";
import { rehearsalTraderProblems } from "./rehearsalFacts";

/**
 * The readiness gate again, on each container that would trade for real,
 * before it is created. Stack policies only run after resources exist, so
 * this is what stops `pulumi up --skip-preview` from starting a live executor.
 * Facts come from the stack's config (always known), never from outputs.
 * Any flag value other than the exact paper value counts as trading for real.
 */
export const liveTradingGate = resourcePolicy({
  name: "live-trading-gate",
  description: "No container that trades for real (MOCK_TRADING false, USE_REAL_BALANCE true, or CONFIRM_LIVE_TRADING set) without a ready checklist.",
  validate: (args, report) => {
    // Every container, by its flags alone: a renamed or re-aliased executor is still an executor.
    if (!isContainer(args.type) || !tradesForReal(envOf(args.props))) return;
    const ctx = stackContext();
    if (ctx.rehearsal) {
      // Against the simulator, not MEXC: no gate, but only inside an isolated rehearsal stack.
      for (const p of rehearsalTraderProblems(ctx, args.props)) report(`live-trading-gate (${args.name}): ${p}`);
      return;
    }
    reportGate(runGate({ stack: ctx.stack, target: viewOf(ctx.loaded) }), report, `live-trading-gate (${args.name})`);
  },
});
