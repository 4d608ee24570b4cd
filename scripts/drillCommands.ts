import type { Command } from "commander";
import { EXIT } from "../platform/exitCodes";
import { action } from "./commandRunner";
import { KEY_HELP, keyOf, parseNumber, redisFor, warn, withWarnings } from "./opsCommands";

// `cdb drill allocation-zero|allocation-restart`: the allocation drills on a
// paper stack (ops/allocationDrill.ts); the CLI layer: parse, call ops/, render. The kill-switch drill stays
// `cdb kill --drill` beside the kill switch it drills; these drill the
// allocation path, which `cdb kill` does not touch. Each writes signed records
// under readiness/artifacts/drills for `cdb evidence add`.

const out = (s: string) => process.stdout.write(s + "\n");

interface DrillOpts {
  stack: string;
  window: number;
  bound: number;
  strategy?: string;
  out?: string;
  key?: string;
  by?: string;
  redisUrl?: string;
  passwordFile?: string;
  stackConfig?: string;
  dockerHost?: string;
  json?: boolean;
}

/** The target, plan, Redis and signer of a drill; refuses a stack that is not paper. */
async function drillContext(opts: DrillOpts) {
  const { OpsRefused } = await import("../platform/errors");
  const { appendAudit, operator } = await import("../ops/audit");
  const { principalOf } = await import("../ops/evidence");
  const { stackPlan } = await import("../ops/target");
  const key = keyOf(opts, false);
  const by = operator(opts.by ?? (key ? principalOf(key) : undefined));
  const { plan } = stackPlan(opts.stack, opts.stackConfig);
  if (plan.mode !== "paper") throw new OpsRefused(`a drill runs on paper only; stack ${opts.stack} is ${plan.mode}`);
  const { redis, target, docker } = await redisFor(opts);
  const { imageSubjects } = await import("../ops/recordSubjects");
  const subjectsOf = (services: readonly ("risk" | "allocation" | "signal" | "redis")[]) => imageSubjects(docker, services.map((s) => ({ service: s, container: target.containerName(s) })));
  return { key, by, plan, redis, target, docker, subjectsOf, appendAudit };
}

const signedNote = (file: string, signatureFile: string | undefined) =>
  `record: ${file}${signatureFile ? ` (signed: ${signatureFile})` : " (UNSIGNED: the gate counts it only once signed: ssh-keygen -Y sign -n cdb-evidence -f <key> <record>)"}`;

export function registerDrillCommands(program: Command): void {
  const drill = program.command("drill").description("Drills of the allocation path on a paper stack; each writes signed records for the readiness gate");
  const common = (c: Command) =>
    c
      .option("-s, --stack <name>", "the paper stack", "paper")
      .option("--out <dir>", "folder for the records (default readiness/artifacts/drills)")
      .option("--key <file>", `${KEY_HELP}; without one the records are written unsigned and the gate does not count them`)
      .option("--by <handle>", "who drills (default: the key's principal, else the OS user)")
      .option("--redis-url <url>", "reach Redis directly (redis://host:port) instead of exec in its container")
      .option("--password-file <file>", "file with the Redis password, for --redis-url")
      .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
      .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
      .option("--json", "print JSON");

  common(
    drill
      .command("allocation-zero")
      .description("Set the active strategy's allocation to 0 on allocation's decision stream, observe risk block its signals, restore it (always, also on error or Ctrl-C)")
      .option("--strategy <id>", "the strategy (default the signal service's SIGNAL_STRATEGY_ID)")
      .option("--window <seconds>", "how long each phase waits at most: an order before, blocked signals, an order after (a quiet market needs more)", parseNumber("--window"), 120),
  ).action(
    action(async (opts: DrillOpts) => {
      const ctx = await drillContext(opts);
      const { runAllocationZeroDrill, writeAllocationZeroRecords } = await import("../ops/allocationDrill");
      const strategyId = opts.strategy ?? ctx.plan.containers.find((c) => c.service === "signal")?.env.SIGNAL_STRATEGY_ID ?? "paper";
      const subjects = await ctx.subjectsOf(["risk", "allocation", "signal", "redis"]);
      // Ctrl-C ends the waiting early; the drill still restores the allocation before it returns.
      const abort = { aborted: false };
      const onSignal = () => {
        abort.aborted = true;
        process.stderr.write("cdb: interrupted: restoring the allocation, then writing what was seen\n");
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      let r;
      try {
        r = await runAllocationZeroDrill({ stack: opts.stack, redis: ctx.redis, by: ctx.by, strategyId, windowMs: opts.window * 1000, abort });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      const written = writeAllocationZeroRecords(r, { subjects, ...(ctx.key ? { key: ctx.key } : {}), ...(opts.out ? { dir: opts.out } : {}) });
      const { readRecord } = await import("../readiness/records");
      const outcomeOf = (file: string) => {
        const rec = readRecord(file);
        return rec.ok ? rec.statement.predicate : undefined;
      };
      const a = outcomeOf(written.allocation.file)!;
      const k = outcomeOf(written.risk.file)!;
      ctx.appendAudit({ op: "drill.allocation-zero", stack: opts.stack, by: ctx.by, outcome: `${a.outcome}/${k.outcome}`, strategy: strategyId, zero: r.allocation.zero.id, restore: r.allocation.restore?.id, records: [written.allocation.file, written.risk.file], ...withWarnings(ctx.redis.warnings) });
      warn(ctx.redis.warnings);
      await ctx.redis.close();
      if (opts.json) out(JSON.stringify({ allocationZero: { outcome: a.outcome, file: written.allocation.file }, riskBlocksZero: { outcome: k.outcome, file: written.risk.file }, figures: r }));
      else {
        out(`killswitch.allocation-zero ${a.outcome}: ${a.explanation}`);
        out(`killswitch.risk-blocks-zero ${k.outcome}: ${k.explanation}`);
        out(r.allocation.note);
        out(signedNote(written.allocation.file, written.allocation.signatureFile));
        out(signedNote(written.risk.file, written.risk.signatureFile));
        if (a.outcome === "passed") out(`attach it: npx cdb evidence add killswitch.allocation-zero --key <key> --artifact ${written.allocation.file}`);
        if (k.outcome === "passed") out(`attach it: npx cdb evidence add killswitch.risk-blocks-zero --key <key> --artifact ${written.risk.file}`);
      }
      return a.outcome === "passed" && k.outcome === "passed" ? EXIT.ready : EXIT.notReady;
    }),
  );

  common(
    drill
      .command("allocation-restart")
      .description("Restart allocation and observe it publish a decision for every strategy again within --bound")
      .option("--bound <seconds>", "how long allocation may take to decide again", parseNumber("--bound"), 60),
  ).action(
    action(async (opts: DrillOpts) => {
      const ctx = await drillContext(opts);
      const { runAllocationRestartDrill, writeAllocationRestartRecord } = await import("../ops/allocationDrill");
      const rules = JSON.parse(ctx.plan.containers.find((c) => c.service === "allocation")?.env.ALLOCATION_RULES_JSON ?? "{}") as Record<string, unknown>;
      const subjects = await ctx.subjectsOf(["allocation", "redis"]);
      const r = await runAllocationRestartDrill({ stack: opts.stack, redis: ctx.redis, docker: ctx.docker, by: ctx.by, container: ctx.target.containerName("allocation"), strategyIds: Object.keys(rules), boundMs: opts.bound * 1000 });
      const written = writeAllocationRestartRecord(r, { subjects, ...(ctx.key ? { key: ctx.key } : {}), ...(opts.out ? { dir: opts.out } : {}) });
      const { readRecord } = await import("../readiness/records");
      const rec = readRecord(written.file);
      const p = rec.ok ? rec.statement.predicate : undefined;
      ctx.appendAudit({ op: "drill.allocation-restart", stack: opts.stack, by: ctx.by, outcome: p?.outcome, container: r.figures.container, decisions: r.figures.decisions.length, record: written.file, ...withWarnings(ctx.redis.warnings) });
      warn(ctx.redis.warnings);
      await ctx.redis.close();
      if (opts.json) out(JSON.stringify({ outcome: p?.outcome, file: written.file, figures: r.figures }));
      else {
        out(`stability.allocation-restart ${p?.outcome}: ${p?.explanation}`);
        out(signedNote(written.file, written.signatureFile));
        if (p?.outcome === "passed") out(`attach it: npx cdb evidence add stability.allocation-restart --key <key> --artifact ${written.file}`);
      }
      return p?.outcome === "passed" ? EXIT.ready : EXIT.notReady;
    }),
  );
}
