import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileSha256 } from "../readiness/artifacts";
import { REPO_ROOT } from "../platform/paths";
import { pulumiEnv } from "../platform/pulumiEnv";
import { unsatisfied } from "../readiness/evaluate";
import { freightText, type FreightLine } from "../readiness/freight";
import { runGate } from "../readiness/gate";
import { refuseLiveOverridesOfStackFile } from "../readiness/trustRoot";
import { appendAudit, operator, stateBackend } from "./audit";
import { writeBackup } from "./backup";
import { OpsFailure, OpsRefused, PulumiFailed, StackLocked } from "../platform/errors";
import { classify } from "../platform/exitCodes";
import { pulumiStep } from "./pulumiErrors";
import { shutdownEntryCount } from "./kill";
import { openStack, summaryLine, withPolicyPack } from "./pulumiStack";
import { containerRedis } from "./redis";
import { rollback, type RollbackResult, type UpdateRef, updateRef } from "./rollback";
import { dockerFor, stackPlan, stackTarget } from "./target";
import { verifyStack } from "./verify";

// `cdb promote --to live`: the runbook's live switch as one command that
// cannot skip a step. Gate, backup (stack export, Redis SAVE), preview with
// the policy pack, the stack name typed back, update with the pack, verify
// with a time limit; a failed update or verification rolls back by itself.
// Every attempt ends in one audit record, at the step where it stopped.

const STACK = "live";

export interface PromoteRequest {
  yes: boolean;
  by?: string;
  verifyTimeoutMs: number;
  /** Asks the operator; true when the answer equals `expected`. */
  confirm: (question: string, expected: string) => Promise<boolean>;
  log: (line: string) => void;
}

export interface PromoteResult {
  ok: boolean;
  update?: UpdateRef;
  problems: string[];
  rollback?: RollbackResult;
  backup: string;
  seconds: number;
  /** What this promotion ships: per app service the pinned image and the paper windows that soaked it. */
  freight: FreightLine[];
}

export async function promote(req: PromoteRequest): Promise<PromoteResult> {
  const started = performance.now();
  const { log } = req;
  const by = operator(req.by);
  const seconds = () => (performance.now() - started) / 1000;
  let record: Record<string, unknown> = { op: "promote", by, stack: STACK, backend: stateBackend() };
  let audited = false;
  const audit = (outcome: string, extra: Record<string, unknown> = {}) => {
    audited = true;
    appendAudit({ ...record, outcome, ...extra, seconds: seconds() } as Parameters<typeof appendAudit>[0]);
  };
  let step = "gate files";
  try {
    // Cheapest first, as `cdb deploy`: an override of the gate's files (refused for live), then a
    // passphrase setting that cannot open the stack, stop before the gate.
    refuseLiveOverridesOfStackFile(STACK);
    step = "pulumi settings";
    pulumiEnv(STACK);
    step = "gate";
    const gate = runGate({ stack: STACK });
    record = { ...record, configDigest: gate.configDigest };
    if (!gate.verdict.ready) {
      const open = unsatisfied(gate.verdict).map((i) => i.id);
      audit("refused: gate not ready", { open });
      throw new OpsRefused(`readiness gate not ready for ${STACK}: ${open.join(", ")} (npx cdb readiness --stack ${STACK})`);
    }
    record = { ...record, evidenceFile: path.relative(REPO_ROOT, gate.evidenceFile), evidenceSha256: fileSha256(gate.evidenceFile) };
    // The freight: the gate has proven every app image is one paper soaked; say which, and when.
    const freight = gate.freight;
    log(`promote: freight (live runs what paper soaked), ${freight.length} app images:`);
    for (const f of freight) log(`promote:   ${freightText(f)}`);
    record = { ...record, freight: freight.map((f) => ({ service: f.service, image: f.pinned, soaked: f.windows.map((w) => ({ from: w.from, to: w.to, record: w.record })) })) };

    step = "backup";
    // Secrets stay encrypted in the backup (never the Automation API's exportStack, which decrypts them).
    const backup = await writeBackup({ stack: STACK });
    record = { ...record, backup: path.relative(REPO_ROOT, backup) };
    log(`promote: stack exported (secrets encrypted) to ${path.relative(REPO_ROOT, backup)}`);

    step = "docker";
    const target = stackTarget(STACK);
    const t = dockerFor(target);
    try {
      const redis = containerRedis(t, target.containerName("redis"));
      // An armed kill switch rejects every order of the new executor: verification would fail after the update.
      const armed = await shutdownEntryCount(redis);
      if (armed > 0) {
        audit("refused: kill switch armed");
        throw new OpsRefused(`the kill switch of ${STACK} holds ${armed} entr${armed === 1 ? "y" : "ies"}: release it first (cdb kill --release --stack ${STACK})`);
      }
      await redis.call(["SAVE"]);
      log(`promote: ${target.containerName("redis")} saved its data (SAVE)`);
    } catch (e) {
      if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
      log(`promote: no ${target.containerName("redis")} yet, nothing to save`);
    }

    step = "preview";
    const stack = await pulumiStep(() => openStack(STACK));
    const preview = await pulumiStep(() => stack.preview(withPolicyPack(log)));
    log(`promote: preview of ${STACK} with the policy pack: ${summaryLine(preview.changeSummary)}`);

    step = "confirmation";
    if (!req.yes && !(await req.confirm(`Type the stack name (${STACK}) to trade real money with it: `, STACK))) {
      audit("declined");
      throw new OpsRefused("not confirmed: the stack name was not typed back");
    }

    step = "update";
    let update: UpdateRef | undefined;
    let problems: string[];
    try {
      update = updateRef((await pulumiStep(() => stack.up(withPolicyPack(log)))).summary);
      step = "verify";
      const { plan } = stackPlan(STACK);
      problems = (await verifyStack({ stack: STACK, plan, docker: t, timeoutMs: req.verifyTimeoutMs })).problems;
    } catch (e) {
      // Another update holds the stack's lock (a rollback, a teammate's deploy): Pulumi refused
      // before changing anything, so there is nothing of this promotion to roll back, and a
      // rollback of its own would only queue behind the holder. Stop here (exit 6, the holder named).
      if (e instanceof StackLocked) throw e;
      // A half-applied update may have started a live executor: roll back as for a failed check.
      const lines = e instanceof PulumiFailed ? e.lines : [e instanceof Error ? e.message : String(e)];
      problems = step === "update" ? lines.map((l) => `the update failed: ${l}`) : [`verification could not complete (${classify(e).label}): ${lines[0]}`];
    }
    if (problems.length === 0) {
      audit("verified", { update });
      return { ok: true, update, problems, backup, seconds: seconds(), freight };
    }
    for (const p of problems) log(`promote: ${p}`);
    log(`promote: ${step === "update" ? "the update failed" : "verification failed"}, rolling back`);
    step = "rollback";
    const rb = await rollback({ stack: STACK, reason: `promotion failed: ${problems[0]}`, by, verifyTimeoutMs: req.verifyTimeoutMs, log });
    audit(`rolled back (${rb.ok ? "verified" : "unverified"})`, { update, problems, rollbackUpdate: rb.update });
    return { ok: false, update, problems, rollback: rb, backup, seconds: seconds(), freight };
  } catch (e) {
    if (!audited) audit(`failed at ${step} (${classify(e).label})`, { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
