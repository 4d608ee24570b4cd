import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config/load";
import { deployVerdict, WITHHELD } from "../readiness/deployRule";
import type { StackPlan } from "../model/plan";
import { isLiveStack } from "../config/safety";
import { unusedLiveOverrides } from "../readiness/trustRoot";

/**
 * The program's own live gate. Defense in depth behind the policy pack, by the
 * one deploy rule (readiness/deployRule.ts): nothing trades for real without a
 * ready gate, even when nobody passes --policy-pack or a pack config disables it.
 * - An update (not a preview) of such a stack stops here, before any resource
 *   is registered, whatever `--target`, `--exclude` or pack is passed: a live
 *   stack whose evidence expired or no longer covers its settings is not
 *   updated at all. The only update it accepts is the one that trades nothing
 *   (`cdb rollback`'s return to paper flags).
 * - A preview declares the stack without its traders, so that the pack can
 *   still report every unsatisfied item, and warns naming them after WITHHELD,
 *   which the pull-request check reads: a paper preview that withholds a trader is red.
 * Its own module so that the gate's closure (scripts/gateClosure.ts) holds it:
 * the rest of the program is what a pull request contributes.
 */
export function withoutUnreadyTraders(loaded: LoadedConfig, plan: StackPlan): StackPlan {
  const { traders, refused } = deployVerdict(loaded, plan);
  if (traders.length === 0) {
    // A live stack at paper flags runs no gate: an override of its trust files is only named, never read.
    const unused = unusedLiveOverrides(loaded.stack, isLiveStack(loaded.stack, plan.mode));
    if (unused !== undefined) pulumi.log.warn(unused);
  }
  if (refused === undefined) return plan;
  const advice =
    plan.mode === "rehearsal"
      ? "A rehearsal stack runs its executor only where it cannot reach MEXC: see docs/rehearsal.md."
      : `Run: npx cdb readiness --stack ${loaded.stack}; to stop trading: npx cdb rollback --stack ${loaded.stack}`;
  if (!pulumi.runtime.isDryRun()) {
    throw new pulumi.RunError(`${loaded.stack} is not updated: ${traders.join(" and ")} would trade for real and ${refused}. ${advice}`);
  }
  pulumi.log.warn(`${refused}, so ${traders.join(" and ")} are not declared (${WITHHELD} ${traders.join(", ")}). ${advice}`);
  return { ...plan, containers: plan.containers.filter((c) => !traders.includes(c.name)) };
}
