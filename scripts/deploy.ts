import { mkdirSync } from "node:fs";
import path from "node:path";
import type { automation } from "@pulumi/pulumi";
import { REPO_ROOT } from "../readiness/catalog";
import { unsatisfied } from "../readiness/evaluate";
import { runGate } from "../readiness/gate";
import { pulumiEnv, STATE_DIR } from "./pulumiEnv";
import { findToolchain } from "./toolchain";

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

export const POLICY_PACK = path.join(REPO_ROOT, "policies");

export class DeployRefused extends Error {
  override name = "DeployRefused";
}

export async function deploy(opts: DeployOptions, log: (line: string) => void): Promise<void> {
  const envVars = pulumiEnv(opts.stack);
  if (opts.stack !== "paper" && !opts.preview) {
    if (!opts.confirmLive) throw new DeployRefused(`updating ${opts.stack} trades real money: pass --confirm-live to proceed`);
    const { verdict } = runGate({ stack: opts.stack });
    const open = unsatisfied(verdict).map((i) => i.id);
    if (!verdict.ready) throw new DeployRefused(`readiness gate not ready for ${opts.stack}: ${open.join(", ") || "no checklist item"}`);
  }
  if (envVars.PULUMI_BACKEND_URL!.startsWith("file:")) mkdirSync(STATE_DIR, { recursive: true });
  // A `pulumi` on PATH that is new enough, else the toolchain's cached build.
  const bin = findToolchain();
  if (!bin) throw new DeployRefused("no Pulumi CLI of the pinned release or newer was found: install it (README, Prerequisites) or run `npm run toolchain`");
  // Loaded here, not at the top: `cdb readiness` must not pay for the Automation API.
  const { LocalWorkspace, PulumiCommand } = (await import("@pulumi/pulumi")).automation;
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin) });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: opts.stack, workDir: REPO_ROOT }, { envVars, pulumiCommand });
  const common = {
    policyPacks: [POLICY_PACK],
    onOutput: (out: string) => log(out.replace(/\n$/, "")),
    onEvent: (e: automation.EngineEvent) => e.policyEvent && opts.onPolicyViolation?.(e.policyEvent),
    color: "never" as const,
  };
  if (opts.preview) await stack.preview(common);
  else await stack.up(common);
}
