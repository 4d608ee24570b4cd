import { existsSync } from "node:fs";
import { rehearsalPlanProblems } from "../model/rehearsal";
import type { StackPlan } from "../model/plan";
import { rawStackConfigFile } from "./stackView";
import { stackConfigFile } from "../platform/paths";

// A rehearsal stack may run its executor with live flags only when it is
// isolated (model/rehearsal.ts) and its key is not the live stack's: a key
// declared as a rehearsal key that is the live key is a live key.

/** `cdb:mexcKeyFingerprint` of `Pulumi.live.yaml`, when there is one. */
export function liveKeyFingerprint(file: string = stackConfigFile("live")): string | undefined {
  if (!existsSync(file)) return undefined;
  const v = rawStackConfigFile(file).get("mexcKeyFingerprint")?.value;
  return typeof v === "string" ? v : undefined;
}

/** Why this rehearsal plan may not run its traders; empty when it may. */
export function rehearsalProblems(plan: StackPlan, liveFingerprint: string | undefined = liveKeyFingerprint()): string[] {
  const problems = rehearsalPlanProblems(plan);
  if (liveFingerprint !== undefined && plan.mexcKeyFingerprint === liveFingerprint) {
    problems.push("its key is the live stack's (cdb:mexcKeyFingerprint equals Pulumi.live.yaml's): a rehearsal never holds the live key");
  }
  return problems;
}
