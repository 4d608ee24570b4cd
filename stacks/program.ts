import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/load";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { declareStack } from "./cdbStack";
import { loadStackConfig } from "../config/pulumiConfig";
import type { LoadedConfig } from "../config/load";
import { deployVerdict } from "../readiness/deployRule";
import type { StackPlan } from "../model/plan";
import { isLiveStack } from "../config/safety";
import { unusedLiveOverrides } from "../readiness/trustRoot";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";

/**
 * Defense in depth behind the policy pack, by the one deploy rule
 * (readiness/deployRule.ts): nothing trades for real without a ready gate,
 * even when nobody passes --policy-pack or a pack config disables it.
 * - An update (not a preview) of such a stack stops here, before any resource
 *   is registered, whatever `--target`, `--exclude` or pack is passed: a live
 *   stack whose evidence expired or no longer covers its settings is not
 *   updated at all. The only update it accepts is the one that trades nothing
 *   (`cdb rollback`'s return to paper flags).
 * - A preview declares the stack without its traders, so that the pack can
 *   still report every unsatisfied item.
 */
function withoutUnreadyTraders(loaded: LoadedConfig, plan: StackPlan): StackPlan {
  const { traders, refused } = deployVerdict(loaded, plan);
  if (traders.length === 0) {
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
  pulumi.log.warn(`${refused}, so ${traders.join(" and ")} are not declared. ${advice}`);
  return { ...plan, containers: plan.containers.filter((c) => !traders.includes(c.name)) };
}

/** What the stack can say about its witness before the witness has made its key. */
function witnessOutput(stack: string, container: pulumi.Output<string>) {
  return {
    container,
    principal: witnessPrincipal(stack),
    namespace: WITNESS_NAMESPACE,
    publicKeyCommand: `npx cdb witness key --stack ${stack}`,
  };
}

// The Pulumi program: validate config, plan, declare.
// A config error stops the program before any resource is declared.
export function program() {
  let loaded;
  try {
    loaded = loadStackConfig("program");
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
    throw e;
  }
  const plan = withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet));
  const cfg = new pulumi.Config("cdb");
  const declared = declareStack(loaded, plan, (key) => (loaded.secretsSet.has(key) ? cfg.requireSecret(key) : undefined));
  const witness = declared.containers.witness;
  return {
    mode: loaded.config.mode,
    network: declared.network.name,
    containers: Object.fromEntries(Object.entries(declared.containers).map(([s, c]) => [s, c.container.name])),
    // The witness makes its key inside its own volume at first start, after this program ran:
    // the public key is read from the running container (`cdb witness key`), never from state.
    ...(witness ? { witness: witnessOutput(loaded.stack, witness.container.name) } : {}),
  };
}

