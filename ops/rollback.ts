import { performance } from "node:perf_hooks";
import { MANUAL_STEP } from "../readiness/emergencyRunbook";
import { appendAudit, operator } from "./audit";
import { OpsFailure } from "./errors";
import { writeKillEntry, stopExecution } from "./kill";
import { openStack, summaryLine, withPolicyPack } from "./pulumiStack";
import { containerRedis } from "./redis";
import { dockerFor, stackPlan, stackTarget } from "./target";
import { verifyStack } from "./verify";

// The runbook's rollback as one command that cannot skip a step:
// 1. stop trading without Pulumi or its state: stop execution through the
//    Engine API and arm the kill switch (execution, risk and allocation
//    reject from then on, also after a restart);
// 2. return the stack to paper flags through Pulumi, as a change of
//    Pulumi.<stack>.yaml (`cdb:mode: paper`) that shows in review, not a
//    hidden switch, and update it with the policy pack;
// 3. verify (execution logs `Mode: MOCK`; the armed kill switch is expected);
// 4. name the step no machine here can do: cancel open MEXC orders.

// The manual step's text has its home beside the emergency runbook, which names it too.
export { MANUAL_STEP };

export interface RollbackRequest {
  stack: string;
  reason: string;
  by?: string;
  verifyTimeoutMs: number;
  log: (line: string) => void;
}

export interface RollbackResult {
  ok: boolean;
  /** What happened to execution before Pulumi ran. */
  execution: string;
  /** The kill-switch entry id, or why none was written. */
  killSwitch: string;
  version?: number;
  problems: string[];
  seconds: number;
}

export async function rollback(req: RollbackRequest): Promise<RollbackResult> {
  const started = performance.now();
  const { log } = req;
  const target = stackTarget(req.stack);
  const t = dockerFor(target);

  // Stopping comes first and needs nothing but the Docker engine.
  const executionName = target.containerName("execution");
  let execution: string;
  try {
    execution = (await stopExecution(t, executionName)).wasRunning ? `${executionName} stopped` : `${executionName} was not running`;
  } catch (e) {
    if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
    execution = `${executionName} does not exist`;
  }
  log(`rollback ${req.stack}: ${execution}`);
  let killSwitch: string;
  try {
    const entry = await writeKillEntry(containerRedis(t, target.containerName("redis")), { reason: `rollback: ${req.reason}` });
    killSwitch = `armed (${entry.id})`;
  } catch (e) {
    // Execution is stopped already; a Redis that is down must not stop the rollback.
    if (!(e instanceof OpsFailure)) throw e;
    killSwitch = `not armed: ${e.message}`;
  }
  log(`rollback ${req.stack}: kill switch ${killSwitch}`);

  const stack = await openStack(req.stack);
  await stack.setConfig("cdb:mode", { value: "paper" });
  log(`rollback ${req.stack}: Pulumi.${req.stack}.yaml now says cdb:mode: paper (commit this change)`);
  const up = await stack.up(withPolicyPack(log));
  log(`rollback ${req.stack}: update ${up.summary.version}: ${summaryLine(up.summary.resourceChanges)}`);

  const { plan } = stackPlan(req.stack);
  const verified = await verifyStack({ stack: req.stack, plan, docker: t, timeoutMs: req.verifyTimeoutMs, killSwitchArmed: true });
  for (const p of verified.problems) log(`rollback ${req.stack}: ${p}`);
  log(MANUAL_STEP);
  if (killSwitch.startsWith("armed")) log(`The kill switch stays armed: release it with \`cdb kill --release --stack ${req.stack}\` once the cause is understood.`);
  const seconds = (performance.now() - started) / 1000;
  appendAudit({ op: "rollback", by: operator(req.by), stack: req.stack, outcome: verified.ok ? "verified" : "unverified", reason: req.reason, execution, killSwitch, stackVersion: up.summary.version, seconds });
  return { ok: verified.ok, execution, killSwitch, version: up.summary.version, problems: verified.problems, seconds };
}
