import type { LoadedConfig } from "../config/load";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { type StackPlan } from "../model/plan";
import { tradesForReal } from "../config/safety";
import { unsatisfied } from "./evaluate";
import { rehearsalProblems } from "./rehearsalRule";
import { runGate, type GateResult } from "./gate";
import { IncompleteStackConfig, loadStackConfigFile, viewOf } from "./stackView";

// The one rule for what may be deployed, shared by `cdb deploy`, the Pulumi
// program and the policy pack's live-readiness: a stack is refused only when
// something in it would trade for real while the readiness gate is not ready.
// A live stack at paper flags (where `cdb rollback` leaves it) trades nothing
// and may always be created or updated; paper never trades. A rehearsal
// stack's executor trades against its simulator only: it needs no gate, but
// it may run only when the stack is isolated (readiness/rehearsalRule.ts), and
// a rehearsal stack that is not is refused like an unready live one.

/**
 * How the program (stacks/unreadyTraders.ts) names, in its preview warning, the
 * traders it leaves out of a plan the gate refuses; the pull-request check reads
 * it back (withheldTraders): a paper preview that withholds a trader is red.
 */
export const WITHHELD = "traders withheld from the plan:";

/** The traders a program's warning names as withheld (the text after WITHHELD, up to the closing parenthesis). */
export function withheldTraders(message: string): string[] {
  const at = message.indexOf(WITHHELD);
  if (at < 0) return [];
  return message
    .slice(at + WITHHELD.length)
    .split(")")[0]!
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

export interface DeployVerdict {
  /** Containers of the plan that would trade for real. */
  traders: string[];
  /** Why the stack may not be deployed as planned; undefined when it may. */
  refused?: string;
  /** The traders trade against the stack's simulator only (an isolated rehearsal stack), not real money. */
  simulated?: true;
}

export function deployVerdict(loaded: LoadedConfig, plan: StackPlan, gate: () => GateResult = () => runGate({ stack: loaded.stack, target: viewOf(loaded, plan) })): DeployVerdict {
  const traders = plan.containers.filter((c) => tradesForReal(c.env)).map((c) => c.name);
  if (traders.length === 0) return { traders };
  if (plan.mode === "rehearsal") {
    try {
      const problems = rehearsalProblems(plan);
      return problems.length === 0 ? { traders, simulated: true } : { traders, refused: `the rehearsal stack is not isolated: ${problems.join("; ")}` };
    } catch (e) {
      return { traders, refused: `the rehearsal stack's isolation could not be checked: ${(e as Error).message}` };
    }
  }
  try {
    const { verdict } = gate();
    if (verdict.ready) return { traders };
    const open = unsatisfied(verdict).map((i) => i.id);
    return { traders, refused: `the readiness gate is not ready: ${open.length} checklist item(s) unsatisfied (${open.join(", ")})` };
  } catch (e) {
    // Fail closed: a gate that cannot be evaluated is not ready.
    return { traders, refused: `the readiness gate could not be evaluated: ${(e as Error).message}` };
  }
}

/** The rule for `Pulumi.<stack>.yaml` as it is on disk (what `cdb deploy` is about to hand to Pulumi). */
export function deployVerdictOfStackFile(stack: string): DeployVerdict {
  let loaded: LoadedConfig;
  try {
    loaded = loadStackConfigFile(stack);
  } catch (e) {
    if (!(e instanceof IncompleteStackConfig)) throw e;
    // Without its operator settings the program refuses the stack anyway; say which ones.
    return { traders: [], refused: `operator settings missing: ${e.missing.map((m) => m.key).join(", ")}` };
  }
  return deployVerdict(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet));
}
