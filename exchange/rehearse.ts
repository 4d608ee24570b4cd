import { readdirSync } from "node:fs";
import path from "node:path";
import { SIMULATOR } from "../config/services";
import { physicalPrefix } from "../model/plan";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { readYamlFile } from "../readiness/yamlFile";
import { execIn, inspectContainer, type DockerTarget } from "../ops/docker";
import { OpsRefused, unreachable, UnusableInput } from "../platform/errors";
import { streamFields, type RedisAccess } from "../ops/redis";
import { pollUntil } from "../platform/poll";
import type { Truth } from "./book";
import { compare, upstreamChanges, type Report, type SentOrder } from "./compare";
import { imageSubjects } from "../ops/recordSubjects";
import { lostCodes, rehearsalFailures, rehearsalProves, type RehearsalFigures } from "../readiness/exchangeRecordKinds";
import { writeRecord, type Statement, type Subject, type WrittenRecord } from "../readiness/records";
import { rehearsalStatement } from "./statements";
import { faultFor, loadScenario, parseScenario, SCENARIO_DIR, type Scenario } from "./scenario";

// `cdb rehearse`, run by the rehearsal stack's witness (witness/main.ts
// `rehearse`, issue 22), which also signs the records: for each scenario, load it into the stack's simulator, feed
// orders to execution exactly as risk does (PUBLISH on the channel `orders`),
// wait for execution's results on stream.order_results, and compare them with
// the simulator's order book. One record per scenario.

export const REHEARSAL_DIR = path.join(REPO_ROOT, "readiness", "artifacts", "rehearsals");
export const ORDERS_CHANNEL = "orders";
export const ORDER_RESULTS = "stream.order_results";
export const SIMULATOR_SERVICE = "exchange_simulator";
export const SIMULATOR_ADMIN = `http://127.0.0.1:${SIMULATOR.adminPort}/_simulator`;

/** Execution's networks, as `assertRehearsalStack` found them: they go into the record. */
export type Isolation = RehearsalFigures["isolation"];

/** What a rehearsal needs of a stack: its Redis, its simulator, execution's metrics. */
export interface RehearsalAccess {
  redis: RedisAccess;
  loadScenario(s: Scenario): Promise<void>;
  truth(): Promise<Truth>;
  /** PUBLISHes each message on `orders`; the fewest receivers any message had. */
  publish(messages: string[]): Promise<number>;
  executionMetrics(): Promise<Record<string, number> | undefined>;
  /** The images of the containers involved (execution, risk, the simulator): the record's subjects. */
  subjects(): Promise<Subject[]>;
}

/** The stack's containers on its Docker host, reached through exec (an internal network has no published ports). */
export function containerAccess(t: DockerTarget, stack: string, redis: RedisAccess, prefix = physicalPrefix(stack)): RehearsalAccess & { names: { redis: string; execution: string; simulator: string } } {
  const names = { redis: `${prefix}redis`, execution: `${prefix}execution`, simulator: `${prefix}${SIMULATOR_SERVICE}` };
  // The simulator's own admin client (exchange/main.ts `admin`): its image has node, not necessarily wget.
  const admin = async (argv: string[]) => {
    const r = await execIn(t, names.simulator, ["node", SIMULATOR.program, "admin", ...argv], { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw unreachable(`the simulator's admin API in ${names.simulator} did not answer: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
    return r.stdout;
  };
  return {
    names,
    redis,
    loadScenario: async (s) => void (await admin(["POST", `${SIMULATOR_ADMIN}/scenario`, JSON.stringify(s)])),
    truth: async () => JSON.parse(await admin(["GET", `${SIMULATOR_ADMIN}/truth`])) as Truth,
    publish: async (messages) => {
      // One exec for the whole burst: an exec per order would pace it at the engine's speed.
      const script = `REDISCLI_AUTH="$(cat /run/secrets/redis_password)"; export REDISCLI_AUTH; n=999999; for m in "$@"; do r=$(redis-cli PUBLISH ${ORDERS_CHANNEL} "$m") || exit 1; [ "$r" -lt "$n" ] && n=$r; done; echo $n`;
      const r = await execIn(t, names.redis, ["sh", "-c", script, "sh", ...messages], { timeoutMs: 120_000 });
      if (r.exitCode !== 0) throw unreachable(`publishing on ${ORDERS_CHANNEL} in ${names.redis} failed: ${r.stderr.trim().split("\n")[0]}`);
      return Number(r.stdout.trim());
    },
    subjects: () =>
      imageSubjects(t, [
        { service: "execution", container: names.execution },
        { service: "risk", container: `${prefix}risk` },
        { service: SIMULATOR_SERVICE, container: names.simulator },
      ]),
    executionMetrics: async () => {
      const url = "http://127.0.0.1:8003/metrics";
      const r = await execIn(t, names.execution, ["sh", "-c", `wget -qO- ${url} 2>/dev/null || curl -fsS ${url} 2>/dev/null || python3 -c "import urllib.request;print(urllib.request.urlopen('${url}').read().decode())"`], { timeoutMs: 10_000 }).catch(() => undefined);
      if (!r || r.exitCode !== 0) return undefined;
      return Object.fromEntries(r.stdout.split("\n").filter((l) => /^execution_\w+ [\d.]+$/.test(l)).map((l) => [l.split(" ")[0]!, Number(l.split(" ")[1])]));
    },
  };
}

/**
 * Rehearsals publish orders execution will send to "MEXC": only where that
 * cannot be the real one. The stack must say it is a rehearsal, and every
 * network of its execution container must be internal (no route out).
 */
export async function assertRehearsalStack(t: DockerTarget, stack: string, execution: string, configFile = stackConfigFile(stack)): Promise<Isolation> {
  assertRehearsalMode(stack, configFile);
  return assertIsolated(t, execution);
}

/** The stack's config says `cdb:mode: rehearsal` (the CLI's check: the witness cannot read the stack's config). */
export function assertRehearsalMode(stack: string, configFile = stackConfigFile(stack)): void {
  const y = readYamlFile(configFile);
  const mode = ((y.value as { config?: Record<string, unknown> } | null)?.config ?? {})["cdb:mode"];
  if (mode !== "rehearsal") throw new OpsRefused(`stack ${stack} is ${JSON.stringify(mode ?? "paper")}, not a rehearsal stack (cdb:mode: rehearsal): rehearse feeds orders to execution and runs on rehearsal stacks only`);
}

/** Every network of execution is internal, as the engine reports it now (the witness checks this itself, before the first order). */
export async function assertIsolated(t: DockerTarget, execution: string): Promise<Isolation> {
  const info = await inspectContainer(t, execution);
  const networks = Object.keys(info.NetworkSettings?.Networks ?? {});
  if (networks.length === 0) throw new OpsRefused(`${execution} is on no network`);
  const isolation: Isolation = { execution, networks: [] };
  for (const n of networks) {
    const net = (await t.docker.getNetwork(n).inspect()) as { Internal?: boolean };
    if (net.Internal !== true) throw new OpsRefused(`${execution} is on network ${n}, which is not internal: its orders could reach the real MEXC`);
    isolation.networks.push({ name: n, internal: true });
  }
  return isolation;
}

/** The scenarios with a `rehearsal` block, from files or exchange/scenarios. */
export function rehearsalScenarios(files?: string[]): Scenario[] {
  const list = files && files.length > 0 ? files : readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".yaml")).sort().map((f) => path.join(SCENARIO_DIR, f));
  return list.map(loadScenario).filter((s) => s.rehearsal !== undefined);
}


async function lastId(redis: RedisAccess): Promise<string> {
  const r = ((await redis.call(["XREVRANGE", ORDER_RESULTS, "+", "-", "COUNT", "1"])) ?? []) as [string, string[]][];
  return r[0]?.[0] ?? "0-0";
}

async function resultsSince(redis: RedisAccess, id: string): Promise<Report[]> {
  const out: Report[] = [];
  let cursor = id === "0-0" ? "-" : `(${id}`;
  for (;;) {
    const batch = ((await redis.call(["XRANGE", ORDER_RESULTS, cursor, "+", "COUNT", "1000"])) ?? []) as [string, string[]][];
    for (const [, kv] of batch) out.push(streamFields(kv));
    if (batch.length < 1000) return out;
    cursor = `(${batch[batch.length - 1]![0]}`;
  }
}

export interface RehearseOptions {
  runId: string;
  /** allowed_signers principal of the signing key (predicate.by). */
  by: string;
  /** What assertRehearsalStack found: the record says the rehearsal could not reach MEXC. */
  isolation: Isolation;
  pollMs?: number;
}

export async function rehearseScenario(access: RehearsalAccess, stack: string, s: Scenario, o: RehearseOptions): Promise<Statement> {
  const r = s.rehearsal!;
  const from = new Date().toISOString();
  await access.loadScenario(s);
  const price = Number(s.prices[r.symbol] ?? 0);
  if (!(price > 0)) throw new OpsRefused(`scenario ${s.name}: no price for ${r.symbol}`);
  const before = await access.executionMetrics();
  const since = await lastId(access.redis);
  const sent: SentOrder[] = [];
  const messages = Array.from({ length: r.orders }, (_, i) => {
    const quantity = Math.round((Number(r.quantity) + i * 0.000001) * 1e6) / 1e6;
    const clientId = `rehearsal-${s.name}-${o.runId}-${i + 1}`;
    sent.push({ clientId, quantity });
    // risk's Order.to_dict (services/risk/models.py), as it publishes on `orders`.
    return JSON.stringify({ type: "order", symbol: r.symbol, side: r.side, quantity, stop_loss_pct: 0.02, signal_id: null, reason: `rehearsal ${s.name}`, timestamp: Math.floor(Date.now() / 1000), strategy_id: "rehearsal", bot_id: null, client_id: clientId, price });
  });
  const receivers = await access.publish(messages);
  if (receivers < 1) throw new OpsRefused(`nobody subscribes to ${ORDERS_CHANNEL}: execution is not listening, so the rehearsal of ${s.name} measured nothing`);
  const ids = new Set(sent.map((x) => x.clientId));
  const deadline = Date.now() + r.waitMs;
  const { value: reports } = await pollUntil(
    async () => (await resultsSince(access.redis, since)).filter((x) => x.client_id !== undefined && ids.has(x.client_id)),
    (got) => new Set(got.map((x) => x.client_id)).size >= ids.size,
    { deadline, intervalMs: o.pollMs ?? 250 },
  );
  const truth = await access.truth();
  const after = await access.executionMetrics();
  const subjects = await access.subjects();
  const { figures: counts, mismatches, lostWith, refusals } = compare(sent, reports, truth, r.mustAccept);
  const SHOWN = 20;
  const figures: RehearsalFigures = {
    scenario: {
      name: s.name,
      ...(s.description ? { description: s.description } : {}),
      ...(r.shows ? { shows: r.shows } : {}),
      faults: s.orders,
      rateLimit: { perMinute: s.rateLimit.perMinute, usedAtStart: s.rateLimit.usedAtStart ?? 0 },
      orders: r.orders,
      mustAccept: r.mustAccept,
    },
    isolation: o.isolation,
    ...counts,
    ...(Object.keys(lostWith).length > 0 ? { lostWith } : {}),
    // What the exchange said to each refused order (never a signature: the strings are the parameters as sent and sorted).
    ...(refusals.length > 0 ? { refusals: refusals.slice(0, SHOWN).map((x) => ({ code: x.code, message: x.message, ...(x.quantity ? { quantity: x.quantity } : {}), ...(x.signature ? { signature: x.signature } : {}) })) } : {}),
    faultsHit: {
      serverErrors: truth.attempts.filter((a) => a.outcome === "server-error").length,
      delayedAnswers: truth.attempts.filter((a) => a.outcome === "accepted" && faultFor(s, a.nth)?.delayMs !== undefined).length,
      partialFills: truth.orders.filter((x) => x.executedQty > 0 && x.executedQty < x.origQty).length,
      rateLimited: truth.requests.rateLimited,
    },
    ...(before && after ? { metrics: { before, after } } : {}),
    mismatches: mismatches.slice(0, SHOWN),
    mismatchesShown: Math.min(SHOWN, mismatches.length),
    upstream: [],
  };
  const failures = rehearsalFailures(figures);
  if (failures.length > 0) figures.upstream = upstreamChanges(mismatches, lostWith, counts.requestRate.rateLimited, refusals);
  return rehearsalStatement(figures, { stack, by: o.by, window: { from, to: new Date().toISOString() }, subjects });
}

/** The record's file base name: `<stack>-<scenario>-<window end>` (the witness suggests it, the CLI writes `<name>.json`). */
export const rehearsalRecordName = (s: Statement): string =>
  `${s.predicate.stack}-${(s.predicate.figures as unknown as RehearsalFigures).scenario.name}-${s.predicate.window.to.replace(/[:.]/g, "-")}`;

export const writeRehearsalRecord = (s: Statement, key: string | undefined, dir = REHEARSAL_DIR): WrittenRecord => writeRecord(s, path.join(dir, `${rehearsalRecordName(s)}.json`), key);

/**
 * The scenarios as the CLI hands them to the witness (`rehearse --scenarios
 * <json>`): an array of scenario objects, each checked by the scenario schema
 * and required to script a rehearsal. They are input (what to script); the
 * simulator's book and execution's reports are the measurement.
 */
export function scenariosFromJson(text: string | undefined, flag = "--scenarios"): Scenario[] {
  if (text === undefined) throw new UnusableInput(flag, "needed (a JSON array of scenarios)");
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UnusableInput(flag, `not JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new UnusableInput(flag, "not a non-empty array of scenarios");
  return v.map((x, i) => {
    const s = parseScenario(x, `${flag}[${i}]`);
    if (s.rehearsal === undefined) throw new UnusableInput(`${flag}[${i}]`, `scenario ${s.name} has no rehearsal block`);
    return s;
  });
}

/** One line per scenario for the terminal, with the items it proves by the gate's rules. */
export function summaryLine(s: Statement): string {
  const f = s.predicate.figures as unknown as RehearsalFigures;
  const rep = Object.entries(f.reported).map(([k, v]) => `${v} ${k}`).join(", ");
  const proves = rehearsalProves(f);
  return `${s.predicate.outcome === "passed" ? "ok  " : "FAIL"} ${f.scenario.name}: sent ${f.sent}, accepted ${f.accepted}, filled on exchange ${f.filledOnExchange}, reported ${rep || "nothing"}; mismatches ${f.statusMismatches}, filled-but-reported-failed ${f.filledButReportedFailed}, lost ${f.lost}${f.lostWith ? ` (${lostCodes(f.lostWith)})` : ""}, retried ${f.retried}, window peak ${f.requestRate.peakPerMinute}/${f.requestRate.limitPerMinute} a minute (${f.requestRate.rateLimited} answered 429); proves ${proves.join(", ") || "nothing"}`;
}
