import type { automation } from "@pulumi/pulumi";
import { OpsRefused } from "../ops/errors";
import { openStack, withPolicyPack } from "../ops/pulumiStack";
import { deployVerdictOfStackFile } from "../readiness/deployRule";

// `cdb deploy`: preview or update a stack through Pulumi's Automation API,
// always with the policy pack. An update of a stack that would trade for real
// needs a ready checklist, by the same rule the program and the pack apply
// (readiness/deployRule.ts), checked here before Pulumi starts, and an explicit
// confirmation. A live stack at paper flags trades nothing: it deploys like paper.

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
  if (!opts.preview) {
    const { traders, refused } = deployVerdictOfStackFile(opts.stack);
    if (refused !== undefined) throw new DeployRefused(`${opts.stack} is not updated: ${refused}`);
    if (traders.length > 0 && !opts.confirmLive) throw new DeployRefused(`updating ${opts.stack} trades real money (${traders.join(", ")}): pass --confirm-live to proceed`);
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
