import { SIMULATOR } from "../config/services";
import type { StackPlan } from "./plan";
import { SERVICE_MODULES } from "./services";
import { tradesForReal } from "../config/safety";

// What makes a rehearsal stack one: its executor runs with live flags, so the
// stack may exist only where those flags cannot reach the real MEXC. Checked
// on the plan (program, `cdb deploy`) here, and on the declared resources by
// the rehearsal policies (policies/rehearsal*.ts), so that a program change
// that drops one of these is caught by the pack as well.

/**
 * Why a rehearsal plan is not isolated; empty when it is:
 * - its network is internal (no route out: even a real key reaches nothing),
 * - the simulator answers as MEXC's hosts on that network,
 * - its key is the one declared as the rehearsal key.
 */
export function rehearsalPlanProblems(plan: StackPlan): string[] {
  const problems: string[] = [];
  if (plan.mode !== "rehearsal") return [`the stack's mode is ${plan.mode}, not rehearsal`];
  if (!plan.networkInternal) problems.push(`network ${plan.networkName} is not internal (internal: true), so the live-flagged executor could reach the real MEXC`);
  const sim = plan.containers.find((c) => c.service === "exchange_simulator");
  if (!sim) problems.push("the stack has no exchange_simulator: nothing answers as MEXC");
  else {
    const missing = SIMULATOR.hosts.filter((h) => !(sim.extraAliases ?? []).includes(h));
    if (missing.length > 0) problems.push(`${sim.name} does not answer as ${missing.join(", ")} (network aliases)`);
  }
  if (plan.rehearsalKeyFingerprint === undefined) problems.push("no cdb:rehearsalKeyFingerprint: the key is not declared as a rehearsal key");
  else if (plan.mexcKeyFingerprint !== plan.rehearsalKeyFingerprint) problems.push("cdb:mexcKeyFingerprint is not cdb:rehearsalKeyFingerprint: the key is not the rehearsal key");
  // The callers of MEXC must trust the stack's CA (else they fail at the first request, not at MEXC).
  for (const c of plan.containers) {
    if (SERVICE_MODULES[c.service].callsMexc === true && tradesForReal(c.env) && c.env.REQUESTS_CA_BUNDLE !== SIMULATOR.caFile) problems.push(`${c.name} does not trust the stack's CA (REQUESTS_CA_BUNDLE=${SIMULATOR.caFile})`);
  }
  return problems;
}
