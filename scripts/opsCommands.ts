import type { Command } from "commander";
import { OpsRefused, UnusableInput } from "../platform/errors";
import { EXIT } from "../platform/exitCodes";
import { action, confirm, out } from "./commandRunner";

// The operations commands of `cdb` (verify, kill, freight, evidence): parse, call ops/, render. Heavy modules
// (dockerode, ioredis, the Pulumi SDK for the secret patterns) load inside the
// actions, so `cdb readiness` keeps its cold start.

const exit = EXIT;

/** Warnings of an operation that was applied: printed on stderr, the exit code stays the operation's. */
export const warn = (warnings: readonly string[]) => {
  for (const w of warnings) process.stderr.write(`cdb: warning: ${w}\n`);
};
export const withWarnings = (warnings: readonly string[]) => (warnings.length > 0 ? { warnings: [...warnings] } : {});

export async function redisFor(opts: { stack: string; stackConfig?: string; dockerHost?: string; redisUrl?: string; passwordFile?: string }) {
  const { stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
  const { containerRedis, directRedis } = (require("../ops/redis") as typeof import("../ops/redis"));
  const target = stackTarget(opts.stack, opts.stackConfig);
  const docker = dockerFor(target, opts.dockerHost);
  if (opts.passwordFile && !opts.redisUrl) throw new UnusableInput("--password-file", "needs --redis-url");
  const redis = opts.redisUrl ? await directRedis(opts.redisUrl, opts.passwordFile) : containerRedis(docker, target.containerName("redis"));
  return { target, docker, redis };
}

export const parseNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UnusableInput(flag, `${JSON.stringify(v)} is not a number`);
  return n;
};

function parseSince(v: string): Date {
  // ISO time, or a duration back from now: 48h, 7d, 90m.
  const rel = /^(\d+(?:\.\d+)?)([mhd])$/.exec(v.trim());
  if (rel) return new Date(Date.now() - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "m" | "h" | "d"]);
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new UnusableInput("--since", `${JSON.stringify(v)} is neither a time (2026-01-17T08:00:00Z) nor a duration (48h, 7d)`);
  // A window that starts after it ends measures nothing: refused before anything is asked or written.
  if (t > Date.now()) throw new UnusableInput("--since", `${JSON.stringify(v)} is in the future`);
  return new Date(t);
}

/** Env var naming the operator's signing key, for --key. */
export const SIGNING_KEY_ENV = "CDB_SIGNING_KEY";
export const KEY_HELP = `private key that signs (OpenSSH; listed in readiness/allowed_signers); default $${SIGNING_KEY_ENV}`;
export function keyOf(opts: { key?: string }, required: true): string;
export function keyOf(opts: { key?: string }, required: false): string | undefined;
export function keyOf(opts: { key?: string }, required: boolean): string | undefined {
  const key = opts.key ?? process.env[SIGNING_KEY_ENV];
  if (!key && required) throw new UnusableInput("--key", `evidence is signed: pass --key <private key file> or set ${SIGNING_KEY_ENV}`);
  return key || undefined;
}

/** The signing key and who it signs as (--by, else the key's first principal); a key allowed_signers does not list is refused. */
function signerOf(opts: { key?: string; by?: string }): { key: string; by: string } {
  const key = keyOf(opts, true);
  const { principalOf } = (require("../ops/evidence") as typeof import("../ops/evidence"));
  const by = opts.by ?? principalOf(key);
  if (!by) throw new OpsRefused(`the key ${key} is not in readiness/allowed_signers: add its public key there first`);
  return { key, by };
}

/**
 * Runs a record command in the stack's witness (ops/witnessClient.ts) and
 * writes its witness-signed records under `out` (default readiness/artifacts/collected).
 */
export async function witnessRecords(opts: { stack: string; stackConfig?: string; dockerHost?: string }, args: string[], timeoutMs: number, out?: string) {
  const { stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
  const { runWitness, witnessContainerOf, writeWitnessRecords } = (require("../ops/witnessClient") as typeof import("../ops/witnessClient"));
  const { COLLECT_DIR } = (require("../ops/collect") as typeof import("../ops/collect"));
  const target = stackTarget(opts.stack, opts.stackConfig);
  const records = await runWitness(dockerFor(target, opts.dockerHost), { stack: opts.stack, container: witnessContainerOf(opts.stack), args, timeoutMs });
  return writeWitnessRecords(records, out ?? COLLECT_DIR);
}

export function registerOpsCommands(program: Command): void {
  const run = action;

  program
    .command("verify")
    .description("Check a running stack through the Docker Engine API: exit 0 healthy, 1 not (one line per problem)")
    .requiredOption("-s, --stack <name>", "stack (paper, live)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--timeout <seconds>", "keep checking until healthy or this many seconds passed", parseNumber("--timeout"), 0)
    .option("--json", "print JSON {ok, stack, problems, checked}")
    .action(
      run(async (opts: { stack: string; stackConfig?: string; dockerHost?: string; timeout: number; json?: boolean }) => {
        const { stackPlan, stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
        const { verifyStack } = (require("../ops/verify") as typeof import("../ops/verify"));
        const { plan } = stackPlan(opts.stack, opts.stackConfig);
        const r = await verifyStack({ stack: opts.stack, plan, docker: dockerFor(stackTarget(opts.stack, opts.stackConfig), opts.dockerHost), timeoutMs: opts.timeout * 1000 });
        if (opts.json) out(JSON.stringify(r));
        else if (r.ok) out(`${opts.stack}: healthy (${r.checked} containers)`);
        else for (const p of r.problems) out(p);
        return r.ok ? exit.ready : exit.notReady;
      }),
    );

  program
    .command("drift")
    .description("Compare what runs on the stack's Docker host with what the stack declares: exit 0 none, 1 drift (one line each)")
    .requiredOption("-s, --stack <name>", "stack (paper, live)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--metrics-file <file>", "also write the result in Prometheus text format (node_exporter textfile collector), for the CdbDrift alert")
    .option("--json", "print JSON {stack, host, network, checked, drifts: [{container, service, tradingPath, field, item, declared, running}]}")
    .action(
      run(async (opts: { stack: string; stackConfig?: string; dockerHost?: string; metricsFile?: string; json?: boolean }) => {
        const { stackPlan, stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
        const { stackDrift, driftLine } = (require("../ops/drift") as typeof import("../ops/drift"));
        const { visibleLine } = (require("../config/terminalText") as typeof import("../config/terminalText"));
        const { plan } = stackPlan(opts.stack, opts.stackConfig);
        const docker = dockerFor(stackTarget(opts.stack, opts.stackConfig), opts.dockerHost);
        // A read: nothing is changed, so nothing goes to the audit log (like verify).
        const r = await stackDrift({ plan, docker });
        if (opts.metricsFile) {
          const { driftMetricsText, writeMetricsFile } = (require("../ops/driftMetrics") as typeof import("../ops/driftMetrics"));
          try {
            writeMetricsFile(opts.metricsFile, driftMetricsText(r, plan, Date.now()));
          } catch (e) {
            throw new UnusableInput("--metrics-file", `cannot write ${opts.metricsFile}: ${(e as Error).message}`);
          }
        }
        if (opts.json) out(JSON.stringify(r));
        else if (r.drifts.length === 0) out(`${opts.stack}: no drift (${r.checked} containers on ${visibleLine(r.host)})`);
        else for (const d of r.drifts) out(visibleLine(driftLine(d)));
        return r.drifts.length === 0 ? exit.ok : exit.drift;
      }),
    );

  program
    .command("kill")
    .description("Kill switch: XADD to stream.bot_shutdown (or --drill on paper, or --release)")
    .requiredOption("-s, --stack <name>", "stack (paper, live)")
    .option("--reason <text>", "why (required unless --release)")
    .option("--strategy <id>", "only this strategy (risk, allocation); execution stops everything anyway")
    .option("--bot <id>", "only this bot (risk)")
    .option("--drill", "paper only: the stack's witness writes a drill entry, measures kill to first rejected order and signs the record")
    .option("--window <seconds>", "drill: how long to wait for a rejected order", parseNumber("--window"), 30)
    .option("--no-restart", "drill: do not restart execution, risk and allocation afterwards")
    .option("--out <dir>", "drill: folder for the record (default readiness/artifacts/drills)")
    .option("--key <file>", `drill: names who asked for it (its principal, in the audit log); the record is signed by the stack's witness`)
    .option("--release", "empty the stream (entries re-arm after every restart); asks for the stack name")
    .option("--yes", "release without asking")
    .option("--by <handle>", "who (default: the OS user)")
    .option("--redis-url <url>", "reach Redis directly (redis://host:port) instead of exec in its container")
    .option("--password-file <file>", "file with the Redis password, for --redis-url")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON")
    .action(
      run(async (opts: {
        stack: string; reason?: string; strategy?: string; bot?: string; drill?: boolean; window: number; restart: boolean; out?: string; key?: string;
        release?: boolean; yes?: boolean; by?: string; redisUrl?: string; passwordFile?: string; stackConfig?: string; dockerHost?: string; json?: boolean;
      }) => {
        const { appendAudit, checkAuditFile, operator } = (require("../ops/audit") as typeof import("../ops/audit"));
        if (opts.drill && opts.release) throw new UnusableInput("--drill", "cannot be combined with --release");
        // Its record is written after the act: an audit file that cannot take it is refused before.
        checkAuditFile();
        const drillKey = opts.drill ? keyOf(opts, false) : undefined;
        // A signed record names the key's person: default to its principal, not the OS user.
        const by = operator(opts.by ?? (drillKey ? (require("../ops/evidence") as typeof import("../ops/evidence")).principalOf(drillKey) : undefined));
        if (opts.release) {
          const { redis, target } = await redisFor(opts);
          if (!opts.yes && !(await confirm(`Type the stack name (${opts.stack}) to empty stream.bot_shutdown on ${redis.where}: `, opts.stack))) {
            throw new OpsRefused("release not confirmed (type the stack name, or pass --yes)");
          }
          const { releaseKillSwitch, SHUTDOWN_READERS } = (require("../ops/kill") as typeof import("../ops/kill"));
          const removed = await releaseKillSwitch(redis);
          appendAudit({ op: "kill.release", stack: opts.stack, by, outcome: "released", removed, redis: redis.where, ...withWarnings(redis.warnings) });
          warn(redis.warnings);
          const readers = SHUTDOWN_READERS.map((s) => target.containerName(s)).join(", ");
          if (opts.json) out(JSON.stringify({ released: true, removed }));
          else out(`released: removed ${removed} entr${removed === 1 ? "y" : "ies"} from stream.bot_shutdown; restart ${readers} to resume trading (they keep the shutdown in memory)`);
          await redis.close();
          return exit.ready;
        }
        if (!opts.reason && !opts.drill) throw new UnusableInput("--reason", "cdb kill needs --reason <text>");
        // A blank reason, control or bidirectional characters: exit 2 before Redis is reached.
        (require("../ops/kill") as typeof import("../ops/kill")).checkKillEntry({ reason: opts.reason ?? "drill", ...(opts.strategy !== undefined ? { strategyId: opts.strategy } : {}), ...(opts.bot !== undefined ? { botId: opts.bot } : {}) });
        if (opts.drill) {
          // The witness of the stack drives, judges and signs the drill (witness/main.ts, issue 22): it reaches Redis and Docker inside the stack.
          if (opts.redisUrl || opts.passwordFile) throw new UnusableInput(opts.redisUrl ? "--redis-url" : "--password-file", "a drill runs in the stack's witness, which reaches Redis on the stack's network; --redis-url is for cdb kill and --release");
          const { stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
          const target = stackTarget(opts.stack, opts.stackConfig);
          if (target.mode !== "paper") throw new OpsRefused(`a drill runs on paper only; stack ${opts.stack} is ${target.mode}`);
          const { DRILL_DIR } = (require("../ops/drill") as typeof import("../ops/drill"));
          const { runWitness, witnessContainerOf, writeWitnessRecords } = (require("../ops/witnessClient") as typeof import("../ops/witnessClient"));
          const records = await runWitness(dockerFor(target, opts.dockerHost), {
            stack: opts.stack,
            container: witnessContainerOf(opts.stack),
            args: ["drill", "kill", "--window", String(opts.window), ...(opts.restart ? [] : ["--no-restart"]), ...(opts.strategy ? ["--strategy", opts.strategy] : [])],
            timeoutMs: (opts.window + 120) * 1000,
          });
          const [w] = writeWitnessRecords(records, opts.out ?? DRILL_DIR);
          if (!w) throw new Error("the witness answered no record");
          const p = (JSON.parse(w.record) as import("../readiness/records").Statement).predicate;
          const f = p.figures as { measured: string; latencyMs?: number; entry: { id: string }; cleanup: { note: string } };
          appendAudit({ op: "kill.drill", stack: opts.stack, by, outcome: p.outcome, entry: f.entry.id, measured: f.measured, latencyMs: f.latencyMs, record: w.file, signedBy: p.by });
          if (opts.json) out(JSON.stringify({ ...p, file: w.file, signatureFile: w.signatureFile }));
          else {
            out(`drill ${p.outcome}: ${f.measured === "none" ? "nothing observed" : `${f.latencyMs} ms, ${f.measured}`}`);
            out(p.explanation ?? "");
            out(f.cleanup.note);
            out(`record: ${w.file} (signed by ${p.by}: ${w.signatureFile})`);
            if (p.outcome === "passed") out(`attach it: npx cdb evidence add killswitch.manual-drill --key <key> --artifact ${w.file}`);
          }
          return p.outcome === "passed" ? exit.ready : exit.notReady;
        }
        const { writeKillEntry } = (require("../ops/kill") as typeof import("../ops/kill"));
        let redis: Awaited<ReturnType<typeof redisFor>>["redis"];
        let entry: Awaited<ReturnType<typeof writeKillEntry>>;
        try {
          redis = (await redisFor(opts)).redis;
          entry = await writeKillEntry(redis, { reason: opts.reason!, ...(opts.strategy ? { strategyId: opts.strategy } : {}), ...(opts.bot ? { botId: opts.bot } : {}) });
        } catch (e) {
          // A kill that did not land is the attempt an incident review needs most (issue 25 item 12). The
          // record is best effort: an audit file that cannot be written must not hide why the kill failed.
          const { classify } = (require("../platform/exitCodes") as typeof import("../platform/exitCodes"));
          try {
            appendAudit({ op: "kill", stack: opts.stack, by, outcome: `failed (${classify(e).label})`, reason: opts.reason, error: e instanceof Error ? e.message : String(e) });
          } catch {
            // the kill's own error is the one to print
          }
          throw e;
        }
        appendAudit({ op: "kill", stack: opts.stack, by, outcome: "written", entry: entry.id, fields: entry.fields, redis: redis.where, ...withWarnings(redis.warnings) });
        warn(redis.warnings);
        await redis.close();
        if (opts.json) out(JSON.stringify(entry));
        else out(`kill switch set: ${entry.id} on stream.bot_shutdown (${redis.where}); execution rejects every order from now on. Open MEXC orders are not cancelled: cancel them by hand.`);
        return exit.ready;
      }),
    );

  program
    .command("freight")
    .description("The images a paper stack runs now, as the cdb:images pins that let live run what paper soaked, infrastructure included (docs/freight.md); exit 1 when paper runs no container of a service live pins")
    .option("-s, --stack <name>", "the paper stack", "paper")
    .option("--live-stack <name>", "the stack the printed commands pin", "live")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON [{service, container, imageId, repoDigests, pin, reach, soaked}]")
    .action(
      run(async (opts: { stack: string; liveStack: string; stackConfig?: string; dockerHost?: string; json?: boolean }) => {
        const { stackPlan, stackTarget, dockerFor } = (require("../ops/target") as typeof import("../ops/target"));
        const { absentPins, freightPins, pinCommands } = (require("../ops/freight") as typeof import("../ops/freight"));
        const { plan } = stackPlan(opts.stack, opts.stackConfig);
        const target = dockerFor(stackTarget(opts.stack, opts.stackConfig), opts.dockerHost);
        const pins = await freightPins(target, plan);
        if (opts.json) out(JSON.stringify(pins));
        else for (const l of pinCommands(pins, opts.liveStack)) out(l);
        // Live needs these pins too and paper cannot give them: said, and not ready (1), so no script takes the list as whole.
        const absent = absentPins(plan, pins);
        for (const a of absent) process.stderr.write(`cdb: cdb:images.${a.service}: ${a.container} does not run on ${target.host}: no pin for it\n`);
        return absent.length > 0 ? exit.notReady : exit.ready;
      }),
    );

  const evidence = program.command("evidence").description("Write the readiness evidence file with commands (init, add, approve, collect)");
  // The file `cdb readiness` reads for the same stack and environment (CDB_EVIDENCE_FILE too, refused for live).
  const fileOf = async (o: { evidence?: string; stack?: string; stackConfig?: string }) => {
    const { writerEvidenceFile } = (require("../readiness/trustRoot") as typeof import("../readiness/trustRoot"));
    return writerEvidenceFile(o.stack ?? "live", o.evidence, process.env, o.stackConfig);
  };

  evidence
    .command("init")
    .description("Write a skeleton evidence file with the stack's current config digest")
    .option("-s, --stack <name>", "stack", "live")
    .option("-e, --evidence <file>", "evidence file (default $CDB_EVIDENCE_FILE, refused for live, then readiness/<stack>.evidence.yaml)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--force", "replace an existing file")
    .action(
      run(async (opts: { stack: string; evidence?: string; stackConfig?: string; force?: boolean }) => {
        const { initEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const r = initEvidence({ stack: opts.stack, file: await fileOf(opts), ...(opts.stackConfig ? { stackConfig: opts.stackConfig } : {}), force: opts.force ?? false });
        out(`wrote ${r.file} (configDigest ${r.configDigest}${r.missing ? `: the config lacks ${r.missing.join(", ")}; bind it later with npx cdb evidence bind --stack ${opts.stack}` : ""})`);
        return exit.ready;
      }),
    );

  evidence
    .command("bind")
    .description("Bind a pending evidence file (written before the config was complete) to the stack's config digest; keeps only the paper measurements")
    .option("-s, --stack <name>", "stack", "live")
    .option("-e, --evidence <file>", "evidence file (default $CDB_EVIDENCE_FILE, refused for live, then readiness/<stack>.evidence.yaml)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .action(
      run(async (opts: { stack: string; evidence?: string; stackConfig?: string }) => {
        const { bindEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const file = await fileOf(opts);
        const r = bindEvidence({ stack: opts.stack, file, ...(opts.stackConfig ? { stackConfig: opts.stackConfig } : {}) });
        out(`bound ${file} to configDigest ${r.configDigest}; kept ${r.kept.join(", ") || "no entry"}${r.dropped.length ? `; dropped (attest them again): ${r.dropped.join(", ")}` : ""}`);
        return exit.ready;
      }),
    );

  evidence
    .command("add <id>")
    .description("Write the entry of a checklist item, with artifact digests")
    .option("--key <file>", KEY_HELP)
    .option("--by <handle>", "who vouches for it: a principal of the key in allowed_signers (default its first)")
    .option("--artifact <file...>", "files inside the repository that prove it")
    .option("--value <number>", "the measured value (measured items)", parseNumber("--value"))
    .option("--note <text>", "a note")
    .option("-s, --stack <name>", "stack whose evidence file to write", "live")
    .option("-e, --evidence <file>", "evidence file (default $CDB_EVIDENCE_FILE, refused for live, then readiness/<stack>.evidence.yaml)")
    .action(
      run(async (id: string, opts: { key?: string; by?: string; artifact?: string[]; value?: number; note?: string; stack: string; evidence?: string }) => {
        const { addEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const file = await fileOf(opts);
        const entry = addEvidence({ file, id, key: keyOf(opts, true), ...(opts.by ? { by: opts.by } : {}), ...(opts.artifact ? { artifacts: opts.artifact } : {}), ...(opts.value !== undefined ? { value: opts.value } : {}), ...(opts.note ? { note: opts.note } : {}) });
        out(`${id}: by ${entry.by} at ${entry.at}${entry.value !== undefined ? `, value ${entry.value}` : ""}${entry.artifacts ? `, ${entry.artifacts.length} artifact(s)` : ""}, signed -> ${file}`);
        return exit.ready;
      }),
    );

  evidence
    .command("approve <id>")
    .description("Approve an entry as the second person")
    .option("--key <file>", `${KEY_HELP}; not the author's key`)
    .option("--by <handle>", "the approving person: a principal of the key (default its first)")
    .option("-s, --stack <name>", "stack whose evidence file to write", "live")
    .option("-e, --evidence <file>", "evidence file (default $CDB_EVIDENCE_FILE, refused for live, then readiness/<stack>.evidence.yaml)")
    .action(
      run(async (id: string, opts: { key?: string; by?: string; stack: string; evidence?: string }) => {
        const { approveEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const file = await fileOf(opts);
        const entry = approveEvidence({ file, id, key: keyOf(opts, true), ...(opts.by ? { by: opts.by } : {}) });
        out(`${id}: by ${entry.by}, approved by ${entry.approvedBy} -> ${file}`);
        return exit.ready;
      }),
    );

  program
    .command("logs")
    .description("Log aggregation (Loki, Promtail) of a stack")
    .command("check")
    .description("Prove monitoring.structured-logs: ask the paper stack's Loki for execution's lines since --since and write them as a signed record and evidence")
    .option("-s, --stack <name>", "the paper stack to ask", "paper")
    .requiredOption("--since <time>", "start of the window (ISO time, or 1h, 2d back from now)")
    .option("--key <file>", KEY_HELP)
    .option("--by <handle>", "who checks: a principal of the key (default its first)")
    .option("-e, --evidence <file>", "evidence file to write (default readiness/live.evidence.yaml: the gate reads it for live)")
    .option("--out <dir>", "folder for the record (default readiness/artifacts/collected)")
    .option("--loki-url <url>", "refused: the stack's witness asks Loki inside the stack (kept so scripts that pass it get one clear line)")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON")
    .action(
      run(async (opts: { stack: string; since: string; key?: string; by?: string; evidence?: string; out?: string; lokiUrl?: string; stackConfig?: string; dockerHost?: string; json?: boolean }) => {
        const since = parseSince(opts.since);
        if (opts.lokiUrl) throw new UnusableInput("--loki-url", "the stack's witness asks Loki on the stack's network (cdb_loki:3100); no URL from outside enters the record");
        const { key, by } = signerOf(opts);
        const { stackPlan } = (require("../ops/target") as typeof import("../ops/target"));
        const { plan } = stackPlan(opts.stack, opts.stackConfig);
        if (plan.mode !== "paper") throw new OpsRefused(`logs check measures the paper stack; ${opts.stack} is ${plan.mode}`);
        // The file is decided (CDB_EVIDENCE_FILE refused for live) before the witness works, not after.
        const evidenceFile = await fileOf({ ...(opts.evidence ? { evidence: opts.evidence } : {}), stack: "live" });
        const [w] = await witnessRecords(opts, ["logs-check", "--since", since.toISOString()], 60_000, opts.out);
        if (!w) throw new Error("the witness answered no record");
        const p = (JSON.parse(w.record) as import("../readiness/records").Statement).predicate;
        const f = p.figures as { lines: number; query: string; container: string; since: string; firstNs?: string; lastNs?: string };
        // The entry is the operator's statement, signed with --key; the artifact is the witness's.
        const { addEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const entry = addEvidence({ file: evidenceFile, by, key, id: "monitoring.structured-logs", artifacts: [w.file], note: `cdb logs check: ${f.lines} line(s) of ${f.container} in Loki since ${f.since}`, acceptFailed: true });
        const passed = entry.value !== undefined && entry.value >= 1;
        if (opts.json) out(JSON.stringify({ lines: f.lines, query: f.query, firstNs: f.firstNs, lastNs: f.lastNs, artifact: w.file }));
        else {
          out(`monitoring.structured-logs: ${f.lines} line(s) of ${f.container} in Loki since ${f.since} (${f.query})`);
          out(`artifact: ${w.file} (signed by ${p.by})`);
        }
        // The record and entry are written either way; no line is "not ready".
        return passed ? exit.ready : exit.notReady;
      }),
    );

  evidence
    .command("collect")
    .description("Measure stability.paper-orders, stability.observation-window, stability.candles and stability.regime on the paper stack and write them as evidence")
    .option("-s, --stack <name>", "the paper stack to measure", "paper")
    .requiredOption("--since <time>", "start of the observation (ISO time, or 48h, 7d back from now)")
    .option("--key <file>", KEY_HELP)
    .option("--by <handle>", "who collects: a principal of the key (default its first)")
    .option("-e, --evidence <file>", "evidence file to write (default readiness/live.evidence.yaml: the gate reads it for live)")
    .option("--out <dir>", "folder for the raw results (default readiness/artifacts/collected)")
    .option("--redis-url <url>", "refused: the stack's witness measures inside the stack")
    .option("--password-file <file>", "refused with --redis-url")
    .option("--stack-config <file>", "stack config file (default Pulumi.<stack>.yaml)")
    .option("--docker-host <url>", "Docker host (default cdb:dockerHost, then DOCKER_HOST)")
    .option("--json", "print JSON")
    .action(
      run(async (opts: { stack: string; since: string; key?: string; by?: string; evidence?: string; out?: string; redisUrl?: string; passwordFile?: string; stackConfig?: string; dockerHost?: string; json?: boolean }) => {
        const since = parseSince(opts.since);
        if (opts.redisUrl || opts.passwordFile) throw new UnusableInput(opts.redisUrl ? "--redis-url" : "--password-file", "the stack's witness measures inside the stack and reaches Redis on its network; no Redis from outside enters the records");
        const { key, by } = signerOf(opts);
        const { stackPlan } = (require("../ops/target") as typeof import("../ops/target"));
        const { plan } = stackPlan(opts.stack, opts.stackConfig);
        if (plan.mode !== "paper") throw new OpsRefused(`collect measures the paper stack; ${opts.stack} is ${plan.mode}`);
        // The file is decided (CDB_EVIDENCE_FILE refused for live) before the witness measures, not after.
        const evidenceFile = await fileOf({ ...(opts.evidence ? { evidence: opts.evidence } : {}), stack: "live" });
        // The plan's container names can only make the witness's observation window stricter: one it does not see fails it.
        const written = await witnessRecords(opts, ["collect", "--since", since.toISOString(), "--expect", plan.containers.map((c) => c.name).join(",")], 120_000, opts.out);
        const { addEvidence } = (require("../ops/evidence") as typeof import("../ops/evidence"));
        const ITEM: Record<string, string> = { "paper-orders": "stability.paper-orders", "observation-window": "stability.observation-window", candles: "stability.candles", regime: "stability.regime" };
        const results: { id: string; value: number | undefined; note: string; file: string }[] = [];
        for (const w of written) {
          const id = ITEM[w.kind];
          if (!id) throw new Error(`the witness answered a ${w.kind} record to collect`);
          const p = (JSON.parse(w.record) as import("../readiness/records").Statement).predicate;
          const note = `cdb evidence collect (witness ${p.by}): ${p.explanation ?? p.outcome}`.slice(0, 500);
          // The entry is the operator's statement, signed with --key; the artifact is the witness's. A failed record is recorded, not refused.
          const entry = addEvidence({ file: evidenceFile, by, key, id, artifacts: [w.file], note, acceptFailed: id !== "stability.paper-orders" });
          results.push({ id, value: entry.value, note, file: w.file });
        }
        const value = (id: string) => results.find((r) => r.id === id)?.value;
        if (opts.json) out(JSON.stringify({ paperOrders: value("stability.paper-orders"), observationHours: value("stability.observation-window"), candleHours: value("stability.candles"), regimeHours: value("stability.regime"), artifacts: written.map((w) => w.file) }));
        else {
          for (const r of results) out(`${r.id}: ${r.value ?? "-"} (${r.note.replace(/^cdb evidence collect /, "")})`);
          for (const w of written) out(`artifact: ${w.file} (signed by the witness: ${w.signatureFile})`);
        }
        return exit.ready;
      }),
    );
}
