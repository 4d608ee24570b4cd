import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/load";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { declareStack } from "./cdbStack";
import { loadStackConfig } from "./pulumiConfig";
import type { LoadedConfig } from "../config/load";
import { unsatisfied } from "../readiness/evaluate";
import { runGate } from "../readiness/gate";
import { viewOf } from "../readiness/stackView";
import { tradesForReal, type StackPlan } from "../model/plan";

/**
 * Defense in depth behind the policy pack: without a ready checklist the
 * program does not declare any container that would trade for real, even
 * when nobody passes --policy-pack. Any error in the gate counts as not ready.
 */
function withoutUnreadyTraders(loaded: LoadedConfig, plan: StackPlan): StackPlan {
  const traders = plan.containers.filter((c) => tradesForReal(c.env));
  if (traders.length === 0) return plan;
  let why: string;
  try {
    const { verdict } = runGate({ stack: loaded.stack, target: viewOf(loaded, plan) });
    if (verdict.ready) return plan;
    const open = unsatisfied(verdict).map((i) => i.id);
    why = `${open.length} checklist items unsatisfied (${open.join(", ")})`;
  } catch (e) {
    why = `the gate could not be evaluated: ${(e as Error).message}`;
  }
  pulumi.log.warn(`readiness gate not ready, so ${traders.map((c) => c.name).join(" and ")} are not declared: ${why}. Run: npx cdb readiness --stack ${loaded.stack}`);
  return { ...plan, containers: plan.containers.filter((c) => !traders.includes(c)) };
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
  return {
    mode: loaded.config.mode,
    network: declared.network.name,
    containers: Object.fromEntries(Object.entries(declared.containers).map(([s, c]) => [s, c.container.name])),
  };
}

