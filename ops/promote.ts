import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileSha256 } from "../readiness/artifacts";
import { REPO_ROOT } from "../platform/paths";
import { passphraseSource } from "../config/stackPassphrase";
import { unsatisfied } from "../readiness/evaluate";
import { freightText, type FreightLine } from "../readiness/freight";
import { runGate } from "../readiness/gate";
import { refuseLiveOverridesOfStackFile } from "../readiness/trustRoot";
import { appendAudit, operator, stateBackend } from "./audit";
import { writeBackup } from "./backup";
import { OpsFailure, OpsRefused, PulumiFailed, StackLocked } from "../platform/errors";
import { classify } from "../platform/exitCodes";
import { pulumiStep } from "./pulumiErrors";
import { deleteEntry, releaseOwnEntry, restartContainers, SHUTDOWN_READERS, shutdownEntryCount, writeKillEntry } from "./kill";
import { openStack, summaryLine, type UpdateRef, updateRef, withPolicyPack } from "./pulumiStack";
import { containerRedis } from "./redis";
import { rollback, type RollbackResult } from "./rollback";
import { dockerForUpdate, stackPlan, stackTarget } from "./target";
import { verifyStack } from "./verify";

// `cdb promote --to live`: the runbook's live switch as one command that
// cannot skip a step. Gate, backup (stack export, Redis SAVE), preview with
// the policy pack, the stack name typed back, then no trade before
// verification: the kill switch is armed with the promotion's own entry, the
// update (with the pack) starts the live executor held by it, every container
// is verified, and only then is the entry deleted and the readers restarted
// (they keep a shutdown in memory) and verified again. A failed update or
// verification rolls back by itself with the switch still armed: the live
// executor never accepted an order. Every attempt ends in one audit record,
// at the step where it stopped; a verified one says when trading could start.

const STACK = "live";
/** The reason of the promotion's own kill-switch entry (what `cdb kill` shows while it holds). */
const HOLD_REASON = "promote: held until verified";
const round = (n: number) => Math.round(n * 10) / 10;

export interface PromoteRequest {
  yes: boolean;
  by?: string;
  verifyTimeoutMs: number;
  /** --docker-host: for a live stack whose engine the files cannot name (an ESC environment); see dockerForUpdate. */
  dockerHost?: string;
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
    passphraseSource(STACK);
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
    const t = dockerForUpdate(target, req.dockerHost);
    const redis = containerRedis(t, target.containerName("redis"));
    try {
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
      // The promotion holds the new executor with a kill-switch entry written before the update: that needs live's Redis.
      audit("refused: live's Redis does not run");
      throw new OpsRefused(`${target.containerName("redis")} does not run on ${t.host}: deploy live at paper flags first (npx cdb deploy --stack live with cdb:mode paper), so the promotion can hold the live executor until it is verified`);
    }

    step = "preview";
    const stack = await pulumiStep(() => openStack(STACK), STACK);
    const preview = await pulumiStep(() => stack.preview(withPolicyPack(log)), STACK);
    log(`promote: preview of ${STACK} with the policy pack: ${summaryLine(preview.changeSummary)}`);

    step = "confirmation";
    if (!req.yes && !(await req.confirm(`Type the stack name (${STACK}) to trade real money with it: `, STACK))) {
      audit("declined");
      throw new OpsRefused("not confirmed: the stack name was not typed back");
    }

    step = "hold";
    // No trade before verification: the new executor starts with this entry in the stream and rejects every order.
    const hold = await writeKillEntry(redis, { reason: HOLD_REASON });
    record = { ...record, hold: { entry: hold.id, armedAtSeconds: round(seconds()) } };
    log(`promote: kill switch armed (${hold.id}): the live executor rejects every order until ${STACK} is verified`);

    step = "update";
    let update: UpdateRef | undefined;
    let problems: string[];
    try {
      update = updateRef((await pulumiStep(() => stack.up(withPolicyPack(log)), STACK)).summary);
      step = "verify";
      const { plan } = stackPlan(STACK);
      problems = (await verifyStack({ stack: STACK, plan, docker: t, timeoutMs: req.verifyTimeoutMs, killSwitchArmed: true })).problems;
      if (problems.length === 0) {
        step = "release";
        // Only the promotion's own entry: one someone wrote meanwhile stays, and so does the hold on trading.
        const release = await releaseOwnEntry(redis, hold.id);
        if (!release.released) problems = [`the kill switch of ${STACK} holds ${release.others} other entr${release.others === 1 ? "y" : "ies"} written during the promotion: not released`];
        else {
          const readers = SHUTDOWN_READERS.map((s) => target.containerName(s));
          await restartContainers(t, readers);
          record = { ...record, hold: { ...(record.hold as object), releasedAtSeconds: round(seconds()), restarted: readers } };
          log(`promote: verified; kill-switch entry ${hold.id} deleted and ${readers.join(", ")} restarted: ${STACK} may trade from now on`);
          step = "verify trading";
          problems = (await verifyStack({ stack: STACK, plan, docker: t, timeoutMs: req.verifyTimeoutMs })).problems;
        }
      }
    } catch (e) {
      // Another update holds the stack's lock (a rollback, a teammate's deploy): Pulumi refused
      // before changing anything, so there is nothing of this promotion to roll back, and a
      // rollback of its own would only queue behind the holder. Stop here (exit 6, the holder named).
      // The executor that runs is the one before the promotion: the promotion's hold goes with it
      // (a rollback holding the lock has armed its own entry).
      if (e instanceof StackLocked) {
        await deleteEntry(redis, hold.id).catch(() => log(`promote: the kill-switch entry ${hold.id} could not be deleted: release it with cdb kill --release --stack ${STACK}`));
        throw e;
      }
      // A half-applied update may have started a live executor: roll back as for a failed check.
      const lines = e instanceof PulumiFailed ? e.lines : [e instanceof Error ? e.message : String(e)];
      problems = step === "update" ? lines.map((l) => `the update failed: ${l}`) : [`${step === "release" ? "the release" : "verification"} could not complete (${classify(e).label}): ${lines[0]}`];
    }
    if (problems.length === 0) {
      audit("verified", { update });
      return { ok: true, update, problems, backup, seconds: seconds(), freight };
    }
    for (const p of problems) log(`promote: ${p}`);
    log(`promote: ${step === "update" ? "the update failed" : "verification failed"}, rolling back`);
    step = "rollback";
    const rb = await rollback({ stack: STACK, reason: `promotion failed: ${problems[0]}`, by, verifyTimeoutMs: req.verifyTimeoutMs, ...(req.dockerHost !== undefined ? { dockerHost: req.dockerHost } : {}), log });
    audit(`rolled back (${rb.ok ? "verified" : "unverified"})`, { update, problems, rollbackUpdate: rb.update });
    return { ok: false, update, problems, rollback: rb, backup, seconds: seconds(), freight };
  } catch (e) {
    if (!audited) audit(`failed at ${step} (${classify(e).label})`, { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
