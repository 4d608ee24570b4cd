import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileSha256 } from "../readiness/artifacts";
import { REPO_ROOT } from "../readiness/catalog";
import { unsatisfied } from "../readiness/evaluate";
import { freightText, type FreightLine } from "../readiness/freight";
import { runGate } from "../readiness/gate";
import { appendAudit, operator } from "./audit";
import { OpsFailure, OpsRefused } from "./errors";
import { shutdownEntryCount } from "./kill";
import { openStack, summaryLine, withPolicyPack } from "./pulumiStack";
import { containerRedis } from "./redis";
import { rollback, type RollbackResult } from "./rollback";
import { dockerFor, stackPlan, stackTarget } from "./target";
import { verifyStack } from "./verify";

// `cdb promote --to live`: the runbook's live switch as one command that
// cannot skip a step. Gate, backup (stack export, Redis SAVE), preview with
// the policy pack, the stack name typed back, update with the pack, verify
// with a time limit; a failed update or verification rolls back by itself.
// Every attempt ends in one audit record.

export const BACKUP_DIR = path.join(REPO_ROOT, "backups");
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
  version?: number;
  problems: string[];
  rollback?: RollbackResult;
  backup: string;
  seconds: number;
  /** What this promotion ships: per app service the pinned image and the paper windows that soaked it. */
  freight: FreightLine[];
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

export async function promote(req: PromoteRequest): Promise<PromoteResult> {
  const started = performance.now();
  const { log } = req;
  const by = operator(req.by);
  const gate = runGate({ stack: STACK });
  const record = { op: "promote", by, stack: STACK, configDigest: gate.configDigest };
  if (!gate.verdict.ready) {
    const open = unsatisfied(gate.verdict).map((i) => i.id);
    appendAudit({ ...record, outcome: "refused: gate not ready", open });
    throw new OpsRefused(`readiness gate not ready for ${STACK}: ${open.join(", ")} (npx cdb readiness --stack ${STACK})`);
  }
  const evidenceSha256 = fileSha256(gate.evidenceFile);
  // The freight: the gate has proven every app image is one paper soaked; say which, and when.
  const freight = gate.freight;
  log(`promote: freight (live runs what paper soaked), ${freight.length} app images:`);
  for (const f of freight) log(`promote:   ${freightText(f)}`);
  const shipped = freight.map((f) => ({ service: f.service, image: f.pinned, soaked: f.windows.map((w) => ({ from: w.from, to: w.to, record: w.record })) }));
  const audit = (outcome: string, extra: Record<string, unknown> = {}) =>
    appendAudit({ ...record, outcome, evidenceFile: path.relative(REPO_ROOT, gate.evidenceFile), evidenceSha256, freight: shipped, ...extra, seconds: (performance.now() - started) / 1000 });

  const stack = await openStack(STACK);
  mkdirSync(BACKUP_DIR, { recursive: true });
  const backup = path.join(BACKUP_DIR, `${STACK}-${stamp()}.json`);
  writeFileSync(backup, JSON.stringify(await stack.exportStack(), null, 2));
  log(`promote: stack exported to ${path.relative(REPO_ROOT, backup)}`);
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

  try {
    const preview = await stack.preview(withPolicyPack(log));
    log(`promote: preview of ${STACK} with the policy pack: ${summaryLine(preview.changeSummary)}`);
  } catch (e) {
    audit("refused: preview failed");
    throw e;
  }
  if (!req.yes && !(await req.confirm(`Type the stack name (${STACK}) to trade real money with it: `, STACK))) {
    audit("declined");
    throw new OpsRefused("not confirmed: the stack name was not typed back");
  }

  let version: number | undefined;
  let problems: string[];
  try {
    version = (await stack.up(withPolicyPack(log))).summary.version;
    const { plan } = stackPlan(STACK);
    problems = (await verifyStack({ stack: STACK, plan, docker: t, timeoutMs: req.verifyTimeoutMs })).problems;
  } catch (e) {
    // A half-applied update may have started a live executor: roll back as for a failed check.
    problems = [`the update failed: ${String((e as Error).message ?? e).trim().split("\n").at(-1)}`];
  }
  if (problems.length === 0) {
    audit("verified", { stackVersion: version });
    return { ok: true, version, problems, backup, seconds: (performance.now() - started) / 1000, freight };
  }
  for (const p of problems) log(`promote: ${p}`);
  log("promote: verification failed, rolling back");
  const rb = await rollback({ stack: STACK, reason: `promotion failed: ${problems[0]}`, by, verifyTimeoutMs: req.verifyTimeoutMs, log });
  audit(`rolled back (${rb.ok ? "verified" : "unverified"})`, { stackVersion: version, problems, rollbackVersion: rb.version });
  return { ok: false, version, problems, rollback: rb, backup, seconds: (performance.now() - started) / 1000, freight };
}
