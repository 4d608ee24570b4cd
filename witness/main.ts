import { parseArgs } from "node:util";
import { WITNESS_NAMESPACE } from "../config/witness";
import { classify, EXIT } from "../platform/exitCodes";
import { UnusableInput } from "../platform/errors";
import { allocationRestartStatement, allocationZeroStatements, runAllocationRestartDrill, runAllocationZeroDrill } from "../ops/allocationDrill";
import { countPaperOrders, paperOrdersStatement } from "../ops/collect";
import { drillStatement, runDrill } from "../ops/drill";
import { SHUTDOWN_READERS } from "../ops/kill";
import { httpLoki, queryExecutionLogs, structuredLogsStatement } from "../ops/logsCheck";
import { directRedis, type RedisAccess } from "../ops/redis";
import { candlesStatement, collectCandles, collectRegime, regimeStatement } from "../ops/streamCollect";
import { DRILLED_SERVICES } from "../readiness/paperDrillKinds";
import { makeStatement, type Statement } from "../readiness/records";
import { assertIsolated, containerAccess, rehearsalRecordName, rehearseScenario, scenariosFromJson } from "../exchange/rehearse";
import { appendJournal, readJournal, verifyJournal } from "./journal";
import { allowedSignersLine, ensureWitnessKey, witnessPublicKey } from "./key";
import { journalWindow, redisTimeMs, serve, streamLastId } from "./observe";
import { socketMonitor } from "./monitor";
import { printRecord, signRecord } from "./sign";
import { witnessedCandles, witnessedRegime } from "./streamWindow";
import { appServices, containerOf, runningPlan, stackContainers, subjectsOf, type WitnessSettings, witnessSettings } from "./stack";

// The witness's program (bundled into dist/witness/witness.cjs, run in its
// container as `node /opt/cdb-witness/witness.cjs <command>`). `serve` is the
// container's main process; the CLI runs every other command through docker
// exec. A record command runs the project's own drill or collector code here,
// inside the stack (Redis, Docker and Loki by their names on the stack's
// network), judges it with the kind's own rule, signs the exact record text
// with the witness key and prints one JSON line per record. The witness both
// drives and judges: the drill code stays the one in ops/, and nothing the CLI
// says enters a record except the options (window, strategy), which the
// record states. Errors: one line on stderr, the exit code of platform/exitCodes.ts.

const stamp = (iso: string) => iso.replace(/[:.]/g, "-");

function parseSinceArg(v: string | undefined): Date {
  if (!v) throw new UnusableInput("--since", "needed (ISO time)");
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new UnusableInput("--since", `${JSON.stringify(v)} is not an ISO time`);
  if (t > Date.now()) throw new UnusableInput("--since", `${JSON.stringify(v)} is in the future`);
  return new Date(t);
}

function seconds(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 24 * 3600) throw new UnusableInput(flag, `${JSON.stringify(v)} is not a number of seconds`);
  return n;
}

async function withRedis<T>(s: WitnessSettings, f: (r: RedisAccess) => Promise<T>): Promise<T> {
  const direct = await directRedis(s.redisUrl, s.redisPasswordFile);
  // Commands through ioredis, MONITOR on its own socket (monitor.ts says why).
  const redis: RedisAccess = { where: direct.where, warnings: direct.warnings, call: (a) => direct.call(a), monitor: socketMonitor(s.redisUrl, s.redisPasswordFile), close: () => direct.close() };
  try {
    return await f(redis);
  } finally {
    await redis.close();
  }
}

/** Journals that a record command starts (what was asked), so the journal shows every drill the witness drove. */
function journalStart(s: WitnessSettings, command: string, args: Record<string, unknown>, redisTime?: number) {
  appendJournal(s.journalFile, { type: "command", command, args }, redisTime);
}

function sign(s: WitnessSettings, statement: Statement, name: string, redisTime?: number) {
  printRecord(signRecord(s, statement, name, redisTime));
}

async function drillKill(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { window: { type: "string" }, "no-restart": { type: "boolean" }, strategy: { type: "string" } }, strict: true });
  const windowMs = seconds("--window", values.window, 30) * 1000;
  readJournal(s.journalFile); // a broken journal refuses before the drill touches anything
  // The images the record names are the ones the gate binds the drill to (DRILLED_SERVICES), and Redis.
  const subjects = await subjectsOf(s, [...DRILLED_SERVICES["killswitch-drill"], "redis"]);
  await withRedis(s, async (redis) => {
    journalStart(s, "drill kill", { windowMs, restart: !values["no-restart"], ...(values.strategy ? { strategy: values.strategy } : {}) }, await redisTimeMs(redis));
    const record = await runDrill({
      stack: s.stack,
      redis,
      by: s.principal,
      ...(values.strategy ? { strategyId: values.strategy } : {}),
      windowMs,
      ...(values["no-restart"] ? {} : { restart: { docker: s.docker, containers: SHUTDOWN_READERS.map((x) => containerOf(s, x)) } }),
    });
    sign(s, drillStatement(record, subjects), `${s.stack}-${stamp(record.startedAt)}`, await redisTimeMs(redis));
  });
}

async function drillAllocationZero(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { window: { type: "string" }, strategy: { type: "string" } }, strict: true });
  const windowMs = seconds("--window", values.window, 120) * 1000;
  readJournal(s.journalFile);
  const running = await stackContainers(s);
  const strategyId = values.strategy ?? running.find((c) => c.service === "signal")?.env.SIGNAL_STRATEGY_ID ?? "paper";
  const subjects = await subjectsOf(s, [...DRILLED_SERVICES["allocation-zero"], "redis"]);
  const abort = { aborted: false };
  const onSignal = () => (abort.aborted = true);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await withRedis(s, async (redis) => {
    journalStart(s, "drill allocation-zero", { windowMs, strategyId }, await redisTimeMs(redis));
    const r = await runAllocationZeroDrill({ stack: s.stack, redis, by: s.principal, strategyId, windowMs, abort });
    const st = allocationZeroStatements(r, subjects);
    const t = await redisTimeMs(redis);
    sign(s, st.allocation, `${s.stack}-${stamp(r.startedAt)}-allocation-zero`, t);
    sign(s, st.risk, `${s.stack}-${stamp(r.startedAt)}-risk-blocks-zero`, t);
  });
}

async function drillAllocationRestart(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { bound: { type: "string" } }, strict: true });
  const boundMs = seconds("--bound", values.bound, 60) * 1000;
  readJournal(s.journalFile);
  const running = await stackContainers(s);
  const rules = JSON.parse(running.find((c) => c.service === "allocation")?.env.ALLOCATION_RULES_JSON ?? "{}") as Record<string, unknown>;
  const subjects = await subjectsOf(s, [...DRILLED_SERVICES["allocation-restart"], "redis"]);
  await withRedis(s, async (redis) => {
    journalStart(s, "drill allocation-restart", { boundMs }, await redisTimeMs(redis));
    const r = await runAllocationRestartDrill({ stack: s.stack, redis, docker: s.docker, by: s.principal, container: containerOf(s, "allocation"), strategyIds: Object.keys(rules), boundMs });
    sign(s, allocationRestartStatement(r, subjects), `${s.stack}-${stamp(r.startedAt)}-allocation-restart`, await redisTimeMs(redis));
  });
}

/** stability.observation-window from the journal (observe.ts journalWindow), in the figures of its kind. */
function windowStatement(s: WitnessSettings, since: Date, now: Date, expected: string[], subjects: Statement["subject"]): Statement {
  const { lines } = readJournal(s.journalFile);
  const w = journalWindow(lines, now, since, expected);
  return makeStatement({
    kind: "observation-window",
    stack: s.stack,
    mode: "paper",
    by: s.principal,
    window: { from: w.from, to: w.now },
    outcome: w.hours > 0 ? "measured" : "failed",
    explanation: `${w.hours} h during which the witness saw every container of the stack run unchanged (journal lines ${w.journal.fromSeq}..${w.journal.toSeq}); the window starts at ${w.start.at}: ${w.start.container} ${w.start.what}`,
    subjects,
    figures: {
      since: since.toISOString(),
      docker: `witness journal lines ${w.journal.fromSeq}..${w.journal.toSeq}`,
      lastDisruption: w.start,
      containers: w.containers.map((c) => ({ name: c.name, running: c.running, startedAt: c.startedAt, restartCount: c.restartCount })),
      events: w.events,
    },
  });
}

async function collect(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { since: { type: "string" }, expect: { type: "string" } }, strict: true });
  const since = parseSinceArg(values.since);
  // Names the CLI's plan declares: they can only make the window stricter (a name the witness does not see is a failed window).
  // Its own container is among the plan's, but the witness leaves itself out of what it watches (stack.ts):
  // it runs, it is answering this command; expecting it would make every window zero.
  const expected = (values.expect ?? "").split(",").filter((x) => x !== "" && x !== containerOf(s, "witness"));
  readJournal(s.journalFile);
  const running = await stackContainers(s);
  const plan = runningPlan(s.stack, running);
  const subjects = await subjectsOf(s, appServices(running));
  await withRedis(s, async (redis) => {
    const t0 = await redisTimeMs(redis);
    journalStart(s, "collect", { since: since.toISOString(), expected }, t0);
    const now = new Date();
    const ctx = { stack: s.stack, by: s.principal, now, subjects };
    const orders = await countPaperOrders(redis, since);
    const candles = await collectCandles(redis, plan, since);
    const regime = await collectRegime(redis, plan, since);
    // Only the entries the journal's heartbeats saw appear count (streamWindow.ts): stream ids alone
    // can be written by hand (`XADD <stream> <old ms>-0`), and a fresh stream takes any of them. The
    // last ids are read after the collectors' reads, so they bound every id those read.
    const lines = readJournal(s.journalFile).lines;
    const seenCandles = witnessedCandles(candles, lines, await streamLastId(redis, candles.stream));
    const seenRegime = witnessedRegime(regime, lines, await streamLastId(redis, regime.stream));
    const base = `${s.stack}-${stamp(now.toISOString())}`;
    const t = await redisTimeMs(redis);
    sign(s, paperOrdersStatement(orders, { ...ctx, redis: redis.where }), `${base}-paper-orders`, t);
    sign(s, windowStatement(s, since, now, expected, subjects), `${base}-observation-window`, t);
    sign(s, candlesStatement(seenCandles.figures, ctx, seenCandles.seen), `${base}-candles`, t);
    sign(s, regimeStatement(seenRegime.figures, ctx, seenRegime.seen), `${base}-regime`, t);
  });
}

async function logsCheck(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { since: { type: "string" } }, strict: true });
  const since = parseSinceArg(values.since);
  readJournal(s.journalFile);
  const running = await stackContainers(s);
  const now = new Date();
  journalStart(s, "logs-check", { since: since.toISOString() });
  const { figures, subject } = await queryExecutionLogs(httpLoki(s.lokiUrl), runningPlan(s.stack, running), since, now);
  sign(s, structuredLogsStatement(figures, { stack: s.stack, by: s.principal, now, subjects: [subject] }), `${s.stack}-${stamp(now.toISOString())}-structured-logs`);
}

/**
 * `rehearse --scenarios <json>` (the CLI's `cdb rehearse`): the rehearsal
 * code of exchange/rehearse.ts, run here. Execution's isolation is checked by
 * the witness itself, through its own Docker socket, before the first order;
 * the book, the reports and the images are read inside the stack. The
 * scenarios (what to script) come from the CLI and are stated in each record.
 * One signed record per scenario, printed as each one ends.
 */
async function rehearse(s: WitnessSettings, argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { scenarios: { type: "string" } }, strict: true });
  const scenarios = scenariosFromJson(values.scenarios);
  readJournal(s.journalFile);
  await withRedis(s, async (redis) => {
    const access = containerAccess(s.docker, s.stack, redis, s.prefix);
    // Refuse before the first order: execution on internal networks only, and a simulator that answers.
    const isolation = await assertIsolated(s.docker, access.names.execution);
    await access.truth();
    const runId = new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14);
    journalStart(s, "rehearse", { runId, scenarios: scenarios.map((x) => x.name), isolation }, await redisTimeMs(redis));
    for (const scenario of scenarios) {
      const statement = await rehearseScenario(access, s.stack, scenario, { runId, by: s.principal, isolation });
      sign(s, statement, rehearsalRecordName(statement), await redisTimeMs(redis));
    }
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const s = witnessSettings();
  switch (command) {
    case "serve": {
      const key = ensureWitnessKey(s.keyFile, s.principal);
      appendJournal(s.journalFile, { type: "start", key: key.fingerprint, principal: s.principal, prefix: s.prefix });
      process.stdout.write(`witness ${s.principal}: key ${key.fingerprint}; journal ${s.journalFile}\n`);
      let redis: RedisAccess | undefined;
      return serve(s, async () => {
        if (!redis) redis = await directRedis(s.redisUrl, s.redisPasswordFile).catch(() => undefined);
        return redis;
      });
    }
    case "pubkey":
      process.stdout.write(allowedSignersLine(s.principal, WITNESS_NAMESPACE, witnessPublicKey(s.keyFile)) + "\n");
      return EXIT.ok;
    case "journal": {
      if (rest[0] !== "verify") throw new UnusableInput("journal", "the command is `journal verify`");
      const r = verifyJournal(s.journalFile);
      if (r.ok) process.stdout.write(JSON.stringify({ ok: true, lines: r.lines, head: r.head }) + "\n");
      else process.stdout.write(JSON.stringify({ ok: false, line: r.line, problem: r.problem }) + "\n");
      return r.ok ? EXIT.ok : EXIT.notReady;
    }
    case "collect":
      await collect(s, rest);
      return EXIT.ok;
    case "logs-check":
      await logsCheck(s, rest);
      return EXIT.ok;
    case "rehearse":
      await rehearse(s, rest);
      return EXIT.ok;
    case "drill":
      if (rest[0] === "kill") await drillKill(s, rest.slice(1));
      else if (rest[0] === "allocation-zero") await drillAllocationZero(s, rest.slice(1));
      else if (rest[0] === "allocation-restart") await drillAllocationRestart(s, rest.slice(1));
      else throw new UnusableInput("drill", `${JSON.stringify(rest[0] ?? "")} is not kill, allocation-zero or allocation-restart`);
      return EXIT.ok;
    default:
      throw new UnusableInput("command", `${JSON.stringify(command ?? "")} is not serve, pubkey, journal verify, collect, logs-check, rehearse or drill`);
  }
}

/** One line on stderr and the exit code of the table, for every way a command can end badly. */
function fail(e: unknown): never {
  // parseArgs' own errors are bad input too.
  const c = (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? { code: EXIT.unusableInput, label: "unusable input", lines: [(e as Error).message] } : classify(e);
  process.stderr.write(`witness: ${c.label}: ${String(c.lines[0]).split("\n")[0]}\n`);
  process.exit(c.code);
}

if (require.main === module) {
  // An error thrown outside the command's promise (a socket's error event) still ends in one line, not a stack trace.
  process.on("uncaughtException", fail);
  // A promise nobody awaits any more failed: said, but the command goes on (ending here could cut a drill's restore short).
  process.on("unhandledRejection", (e: unknown) => process.stderr.write(`witness: warning: ${String((e as Error)?.message ?? e).split("\n")[0]}\n`));
  main(process.argv.slice(2)).then((code) => process.exit(code), fail);
}
