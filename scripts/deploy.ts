import type { automation } from "@pulumi/pulumi";
import { OpsRefused } from "../ops/errors";
import { openStack, withPolicyPack } from "../ops/pulumiStack";
import { unsatisfied } from "../readiness/evaluate";
import { runGate } from "../readiness/gate";

// `cdb deploy`: preview or update a stack through Pulumi's Automation API,
// always with the policy pack. Live additionally needs a ready checklist
// (checked here before Pulumi starts) and an explicit confirmation.

export interface DeployOptions {
  stack: string;
  preview: boolean;
  confirmLive: boolean;
  /** Called for every policy violation the engine reports. */
  onPolicyViolation?: (e: automation.PolicyEvent) => void;
}

export class DeployRefused extends Error {
  override name = "DeployRefused";
}

export async function deploy(opts: DeployOptions, log: (line: string) => void): Promise<void> {
  if (opts.stack !== "paper" && !opts.preview) {
    if (!opts.confirmLive) throw new DeployRefused(`updating ${opts.stack} trades real money: pass --confirm-live to proceed`);
    const { verdict } = runGate({ stack: opts.stack });
    const open = unsatisfied(verdict).map((i) => i.id);
    if (!verdict.ready) throw new DeployRefused(`readiness gate not ready for ${opts.stack}: ${open.join(", ") || "no checklist item"}`);
  }
  let stack;
  try {
    stack = await openStack(opts.stack);
  } catch (e) {
    if (e instanceof OpsRefused) throw new DeployRefused(e.message);
    throw e;
  }
  const common = withPolicyPack(log, opts.onPolicyViolation);
  if (opts.preview) await stack.preview(common);
  else await stack.up(common);
}
