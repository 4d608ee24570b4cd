import * as pulumi from "@pulumi/pulumi";
import { safetyViolations } from "../config/safety";
import { rawStackConfig } from "../config/pulumiConfig";
import { stackPolicy } from "./guard";

/**
 * The safety rules (config/safety.ts) on the stack's own settings, in every
 * stack, whatever the program declares: a live preview whose gate is not
 * ready leaves risk out, so `risk-limits` on containers never saw a live
 * limit of 0.5; this does. The pack is not told which keys were stored with
 * --secret, so the plaintext-credential rule is the program's here (the
 * pull-request check applies it from the stack file).
 */
export const configSafety = stackPolicy({
  name: "config-safety",
  description: "The stack's settings keep the runbook's risk bounds and, in live, pin every image by digest, build none and stay hardened.",
  validate: (_args, report) => {
    for (const p of safetyViolations(pulumi.getStack(), rawStackConfig("policy-pack"))) report(p);
  },
});
