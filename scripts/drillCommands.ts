import type { Command } from "commander";
import { EXIT } from "../platform/exitCodes";
import { action, out } from "./commandRunner";
import { keyOf, parseNumber, witnessRecords } from "./opsCommands";

// `cdb drill allocation-zero|allocation-restart`: the allocation drills on a
// paper stack (ops/allocationDrill.ts); the CLI layer: parse, call ops/, render. The kill-switch drill stays
// `cdb kill --drill` beside the kill switch it drills; these drill the
// allocation path, which `cdb kill` does not touch. The stack's witness runs
// each drill inside the stack and signs its records (issue 22); the CLI writes
// them under readiness/artifacts/drills for `cdb evidence add`.


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

/**
 * Runs a drill in the paper stack's witness (witness/main.ts): it drives the
 * drill inside the stack, judges it and signs the records; the CLI writes
 * them under readiness/artifacts/drills and audits who asked.
 */
async function witnessDrill(opts: DrillOpts, args: string[], timeoutMs: number) {
  const { OpsRefused, UnusableInput } = await import("../platform/errors");
  if (opts.redisUrl || opts.passwordFile) throw new UnusableInput(opts.redisUrl ? "--redis-url" : "--password-file", "a drill runs in the stack's witness, which reaches Redis on the stack's network");
  const { appendAudit, operator } = await import("../ops/audit");
  const { principalOf } = await import("../ops/evidence");
  const { stackTarget } = await import("../ops/target");
  const key = keyOf(opts, false);
  const by = operator(opts.by ?? (key ? principalOf(key) : undefined));
  const target = stackTarget(opts.stack, opts.stackConfig);
  if (target.mode !== "paper") throw new OpsRefused(`a drill runs on paper only; stack ${opts.stack} is ${target.mode}`);
  const { DRILL_DIR } = await import("../ops/drill");
  const written = await witnessRecords(opts, args, timeoutMs, opts.out ?? DRILL_DIR);
  const records = written.map((w) => ({ ...w, predicate: (JSON.parse(w.record) as import("../readiness/records").Statement).predicate }));
  return { by, records, appendAudit };
}

const signedNote = (file: string, signatureFile: string, by: string) => `record: ${file} (signed by ${by}: ${signatureFile})`;

export function registerDrillCommands(program: Command): void {
  const drill = program.command("drill").description("Drills of the allocation path on a paper stack; each writes signed records for the readiness gate");
  const common = (c: Command) =>
    c
      .option("-s, --stack <name>", "the paper stack", "paper")
      .option("--out <dir>", "folder for the records (default readiness/artifacts/drills)")
      .option("--key <file>", "names who asked for the drill (its principal, in the audit log); the records are signed by the stack's witness")
      .option("--by <handle>", "who drills (default: the key's principal, else the OS user)")
      .option("--redis-url <url>", "refused: the stack's witness drives the drill inside the stack")
      .option("--password-file <file>", "refused with --redis-url")
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
      // Ctrl-C ends only this CLI: the witness's drill runs on and restores the allocation before it signs.
      const r = await witnessDrill(opts, ["drill", "allocation-zero", "--window", String(opts.window), ...(opts.strategy ? ["--strategy", opts.strategy] : [])], (4 * opts.window + 120) * 1000);
      const a = r.records.find((x) => x.kind === "allocation-zero");
      const k = r.records.find((x) => x.kind === "risk-blocks-zero");
      if (!a || !k) throw new Error("the witness answered without the allocation-zero and risk-blocks-zero records");
      const f = a.predicate.figures as { zero: { id: string }; restore?: { id: string }; note: string; strategyId: string };
      r.appendAudit({ op: "drill.allocation-zero", stack: opts.stack, by: r.by, outcome: `${a.predicate.outcome}/${k.predicate.outcome}`, strategy: f.strategyId, zero: f.zero.id, restore: f.restore?.id, records: [a.file, k.file], signedBy: a.predicate.by });
      if (opts.json) out(JSON.stringify({ allocationZero: { outcome: a.predicate.outcome, file: a.file }, riskBlocksZero: { outcome: k.predicate.outcome, file: k.file }, figures: { allocation: a.predicate.figures, risk: k.predicate.figures } }));
      else {
        out(`killswitch.allocation-zero ${a.predicate.outcome}: ${a.predicate.explanation}`);
        out(`killswitch.risk-blocks-zero ${k.predicate.outcome}: ${k.predicate.explanation}`);
        out(f.note);
        out(signedNote(a.file, a.signatureFile, a.predicate.by));
        out(signedNote(k.file, k.signatureFile, k.predicate.by));
        if (a.predicate.outcome === "passed") out(`attach it: npx cdb evidence add killswitch.allocation-zero --key <key> --artifact ${a.file}`);
        if (k.predicate.outcome === "passed") out(`attach it: npx cdb evidence add killswitch.risk-blocks-zero --key <key> --artifact ${k.file}`);
      }
      return a.predicate.outcome === "passed" && k.predicate.outcome === "passed" ? EXIT.ready : EXIT.notReady;
    }),
  );

  common(
    drill
      .command("allocation-restart")
      .description("Restart allocation and observe it publish a decision for every strategy again within --bound")
      .option("--bound <seconds>", "how long allocation may take to decide again", parseNumber("--bound"), 60),
  ).action(
    action(async (opts: DrillOpts) => {
      const r = await witnessDrill(opts, ["drill", "allocation-restart", "--bound", String(opts.bound)], (opts.bound + 120) * 1000);
      const w = r.records[0];
      if (!w) throw new Error("the witness answered no record");
      const p = w.predicate;
      const f = p.figures as { container: string; decisions: unknown[] };
      r.appendAudit({ op: "drill.allocation-restart", stack: opts.stack, by: r.by, outcome: p.outcome, container: f.container, decisions: f.decisions.length, record: w.file, signedBy: p.by });
      if (opts.json) out(JSON.stringify({ outcome: p.outcome, file: w.file, figures: p.figures }));
      else {
        out(`stability.allocation-restart ${p.outcome}: ${p.explanation}`);
        out(signedNote(w.file, w.signatureFile, p.by));
        if (p.outcome === "passed") out(`attach it: npx cdb evidence add stability.allocation-restart --key <key> --artifact ${w.file}`);
      }
      return p.outcome === "passed" ? EXIT.ready : EXIT.notReady;
    }),
  );
}
