import { existsSync } from "node:fs";
import type { automation } from "@pulumi/pulumi";
import { OpsRefused } from "../platform/errors";
import { pulumiStep } from "../ops/pulumiErrors";
import { openStack, updateRef, withPolicyPack } from "../ops/pulumiStack";
import { deployVerdictOfStackFile } from "../readiness/deployRule";
import { passphraseSource } from "../config/stackPassphrase";
import { refuseLiveOverridesOfStackFile } from "../readiness/trustRoot";
import { assertCheckout } from "./sourceCheckout";
import { stackConfigFile } from "../platform/paths";
import { dockerFor, stackTarget } from "../ops/target";
import { appendAudit, operator } from "../ops/audit";
import { classify } from "../platform/exitCodes";

// `cdb deploy`: preview or update a stack through Pulumi's Automation API,
// always with the policy pack. An update of a stack that would trade for real
// needs a ready checklist, by the same rule the program and the pack apply
// (readiness/deployRule.ts), checked here before Pulumi starts, and an explicit
// confirmation. A live stack at paper flags trades nothing: it deploys like paper.
// A stack that does not exist yet is created (with the project's passphrase
// defaults and the stack's own passphrase, config/stackPassphrase.ts): the first
// deploy needs no `pulumi stack init`, and the tracked stack file keeps its bytes
// but for the encryptionsalt line Pulumi adds (ops/pulumiStack.ts).

export interface DeployOptions {
  stack: string;
  /** Who deploys (audit record of a real-money update; default the OS user). */
  by?: string;
  preview: boolean;
  confirmLive: boolean;
  /** Called for every policy violation the engine reports. */
  onPolicyViolation?: (e: automation.PolicyEvent) => void;
  /** Called for every diagnostic (warning, error) of the program and the engine. */
  onDiagnostic?: (e: automation.DiagnosticEvent) => void;
}

/** Refused (exit 5): no --confirm-live, gate not ready, no Pulumi CLI. */
export class DeployRefused extends OpsRefused {
  override name = "DeployRefused";
}

export async function deploy(opts: DeployOptions, log: (line: string) => void): Promise<void> {
  // Before Pulumi, cheapest first: the stack's passphrase setting (openStack reads it again), then
  // the checkout (a build without one fails once per image deep in the update).
  // A live stack's gate trusts the repository's files only: an override is refused here, not deep in the program.
  refuseLiveOverridesOfStackFile(opts.stack);
  passphraseSource(opts.stack);
  // The engine Pulumi deploys to is the one every later command reaches: a docker:host naming
  // another one is refused here (exit 2), before anything is deployed where a kill never lands.
  // An ESC environment hides the host from the files: the program is left to resolve it.
  if (existsSync(stackConfigFile(opts.stack))) {
    const target = stackTarget(opts.stack);
    if (!target.unknownHost) dockerFor(target);
  }
  assertCheckout(opts.stack);
  // An update that trades real money is audited, every attempt (issue 25 item 12): refused, failed or done.
  let audit: ((outcome: string, extra?: Record<string, unknown>) => void) | undefined;
  if (!opts.preview) {
    const { traders, refused, simulated } = deployVerdictOfStackFile(opts.stack);
    if (traders.length > 0 && !simulated) {
      const started = Date.now();
      audit = (outcome, extra = {}) => appendAudit({ op: "deploy", by: operator(opts.by), stack: opts.stack, outcome, traders, confirmLive: opts.confirmLive, ...extra, seconds: Math.round((Date.now() - started) / 1000) });
    }
    if (refused !== undefined) {
      audit?.("refused: gate not ready", { detail: refused });
      throw new DeployRefused(`${opts.stack} is not updated: ${refused}`);
    }
    // A rehearsal stack's traders reach its simulator only: no real money, no --confirm-live.
    if (traders.length > 0 && !simulated && !opts.confirmLive) {
      audit?.("refused: no --confirm-live");
      throw new DeployRefused(`updating ${opts.stack} trades real money (${traders.join(", ")}): pass --confirm-live to proceed`);
    }
  }
  try {
    // A passphrase that does not open the stack: one line naming the stack and its source (exit 8).
    const stack = await pulumiStep(() => openStack(opts.stack), opts.stack);
    const common = withPolicyPack(log, opts.onPolicyViolation, opts.onDiagnostic);
    // A failure of Pulumi itself is PulumiFailed with Pulumi's error lines (exit 6).
    if (opts.preview) await pulumiStep(() => stack.preview(common), opts.stack);
    else {
      const up = await pulumiStep(() => stack.up(common), opts.stack);
      audit?.("updated", { update: updateRef(up.summary) });
    }
  } catch (e) {
    audit?.(`failed (${classify(e).label})`, { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
