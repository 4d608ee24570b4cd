import { performance } from "node:perf_hooks";
import { REHEARSAL_SERVICES } from "../config/services";
import { MANUAL_STEP } from "../readiness/emergencyRunbook";
import { appendAudit, operator, stateBackend } from "./audit";
import type { DockerTarget } from "./docker";
import { OpsFailure } from "../platform/errors";
import { classify } from "../platform/exitCodes";
import { stopExecution, writeKillEntry } from "./kill";
import { pulumiStep } from "./pulumiErrors";
import { retryWhileLocked } from "./stackLock";
import { openStack, summaryLine, type UpdateRef, updateRef, withPolicyPack } from "./pulumiStack";
import { containerRedis } from "./redis";
import { dockerForUpdate, stackPlan, stackTarget, type StackTarget } from "./target";
import { verifyStack } from "./verify";

// The runbook's rollback as one command that cannot skip a step:
// 1. stop trading without Pulumi or its state: arm the kill switch FIRST
//    (execution rejects every order within about a second of the entry,
//    while stopping it takes the full grace period: it ignores SIGTERM and is
//    killed after 5 s), then stop execution through the Engine API;
// 2. return the stack to paper flags through Pulumi, as a change of
//    Pulumi.<stack>.yaml (`cdb:mode: paper`) that shows in review, not a
//    hidden switch, and update it with the policy pack; while another update
//    (a promotion) holds the stack's lock, wait for it, bounded (ops/stackLock.ts).
//    A rehearsal stack also loses its rehearsal-only settings (the simulator's
//    image, the rehearsal key's fingerprint): paper flags with them is no valid
//    stack, and without this no rollback, and so no destroy, of a rehearsal worked;
// 3. verify (execution reports mode mock; the armed kill switch is expected);
// 4. name the step no machine here can do: cancel open MEXC orders.
// Every attempt ends in one audit record, at the step where it stopped.

/** What only a rehearsal stack may set (config/schema.ts refuses them elsewhere): key, and whether it is a --path key. */
const REHEARSAL_ONLY_SETTINGS: readonly [string, boolean][] = [
  ...REHEARSAL_SERVICES.map((s): [string, boolean] => [`cdb:images.${s}`, true]),
  ["cdb:rehearsalKeyFingerprint", false],
];

// The manual step's text has its home beside the emergency runbook, which names it too.
export { MANUAL_STEP };

export interface RollbackRequest {
  stack: string;
  reason: string;
  by?: string;
  verifyTimeoutMs: number;
  /** --docker-host: for a stack whose engine the files cannot name (an ESC environment); see dockerForUpdate. */
  dockerHost?: string;
  /** How long the update waits for another update's lock on the stack (a promotion running); default 10 min. */
  lockWaitMs?: number;
  log: (line: string) => void;
}

export const DEFAULT_LOCK_WAIT_MS = 600_000;

export interface RollbackResult {
  ok: boolean;
  /** What happened to execution before Pulumi ran. */
  execution: string;
  /** The kill-switch entry id, or why none was written. */
  killSwitch: string;
  update?: UpdateRef;
  problems: string[];
  /** Verification could not run to its end (Docker unreachable, a container gone): the failure, typed. */
  verifyError?: unknown;
  seconds: number;
}

export interface StopTradingResult {
  killSwitch: string;
  /** The kill-switch entry id when armed (its time is Redis's clock, in ms). */
  entryId?: string;
  execution: string;
}

/**
 * Stops trading with nothing but the Docker engine: the kill switch first
 * (every order rejected within about a second), then execution stopped.
 * A Redis that is down must not stop the rollback; a Docker host that is down does.
 */
export async function stopTrading(t: DockerTarget, target: StackTarget, reason: string, log: (line: string) => void): Promise<StopTradingResult> {
  let killSwitch: string;
  let entryId: string | undefined;
  try {
    const entry = await writeKillEntry(containerRedis(t, target.containerName("redis")), { reason: `rollback: ${reason}` });
    entryId = entry.id;
    killSwitch = `armed (${entry.id})`;
  } catch (e) {
    if (!(e instanceof OpsFailure)) throw e;
    killSwitch = `not armed: ${e.message}`;
  }
  log(`rollback ${target.stack}: kill switch ${killSwitch}`);
  const executionName = target.containerName("execution");
  let execution: string;
  try {
    execution = (await stopExecution(t, executionName)).wasRunning ? `${executionName} stopped` : `${executionName} was not running`;
  } catch (e) {
    if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
    execution = `${executionName} does not exist`;
  }
  log(`rollback ${target.stack}: ${execution}`);
  return { killSwitch, ...(entryId ? { entryId } : {}), execution };
}

export async function rollback(req: RollbackRequest): Promise<RollbackResult> {
  const started = performance.now();
  const { log } = req;
  const by = operator(req.by);
  const seconds = () => (performance.now() - started) / 1000;
  const known: { execution?: string; killSwitch?: string; update?: UpdateRef } = {};
  const audit = (outcome: string, extra: Record<string, unknown> = {}) =>
    appendAudit({ op: "rollback", by, stack: req.stack, backend: stateBackend(), outcome, reason: req.reason, ...known, ...extra, seconds: seconds() });
  let step = "stack config";
  try {
    const target = stackTarget(req.stack);
    const t = dockerForUpdate(target, req.dockerHost);

    step = "stop trading";
    const stopped = await stopTrading(t, target, req.reason, log);
    Object.assign(known, { execution: stopped.execution, killSwitch: stopped.killSwitch });

    step = "open the stack";
    const stack = await pulumiStep(() => openStack(req.stack), req.stack);
    step = "set cdb:mode paper";
    await pulumiStep(() => stack.setConfig("cdb:mode", { value: "paper" }), req.stack);
    log(`rollback ${req.stack}: Pulumi.${req.stack}.yaml now says cdb:mode: paper (commit this change)`);
    if (target.mode === "rehearsal") {
      step = "remove the rehearsal-only settings";
      for (const [key, path] of REHEARSAL_ONLY_SETTINGS) await pulumiStep(() => stack.removeConfig(key, path), req.stack);
      log(`rollback ${req.stack}: removed ${REHEARSAL_ONLY_SETTINGS.map(([k]) => k).join(", ")} (rehearsal only; the simulator goes with the update)`);
    }
    step = "update";
    // Trading is stopped already: a promotion holding the lock finishes its update first, then this one returns the stack to paper.
    const up = await retryWhileLocked(() => pulumiStep(() => stack.up(withPolicyPack(log)), req.stack), { waitMs: req.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, log: (l) => log(`rollback ${req.stack}: ${l}`) });
    known.update = updateRef(up.summary);
    log(`rollback ${req.stack}: update of ${known.update.startTime} ${known.update.result}: ${summaryLine(up.summary.resourceChanges)}`);

    // From here on the stack IS rolled back: whatever fails says so.
    step = "verify";
    let problems: string[];
    let verifyError: unknown;
    try {
      const { plan } = stackPlan(req.stack);
      problems = (await verifyStack({ stack: req.stack, plan, docker: t, timeoutMs: req.verifyTimeoutMs, killSwitchArmed: true })).problems;
    } catch (e) {
      verifyError = e;
      problems = [`verification could not complete (${classify(e).label}): ${e instanceof Error ? e.message : String(e)}`];
    }
    for (const p of problems) log(`rollback ${req.stack}: ${p}`);
    log(MANUAL_STEP);
    if (stopped.entryId) log(`The kill switch stays armed: release it with \`cdb kill --release --stack ${req.stack}\` once the cause is understood.`);
    const ok = problems.length === 0;
    audit(ok ? "verified" : "rolled back, not verified", ok ? {} : { problems });
    return { ok, execution: stopped.execution, killSwitch: stopped.killSwitch, update: known.update, problems, ...(verifyError !== undefined ? { verifyError } : {}), seconds: seconds() };
  } catch (e) {
    audit(`failed at ${step} (${classify(e).label})`, { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
