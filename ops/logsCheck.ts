import { createHash } from "node:crypto";
import path from "node:path";
import { canonicalName, SERVICES } from "../config/services";
import type { StackPlan } from "../model/plan";
import { OpsFailure, unreachable } from "../platform/errors";
import { executionLogQuery, type StructuredLogsFigures } from "../readiness/paperDrillKinds";
import { type Statement, type Subject, writeRecord } from "../readiness/records";
import { COLLECT_DIR } from "./collect";
import { execIn, type DockerTarget } from "./docker";
import { addEvidence } from "./evidence";
import { judgedStatement } from "./judgedRecord";

// `cdb logs check`: monitoring.structured-logs, measured. Asks the stack's Loki
// (query_range, `{container="<execution>"}`) for execution's lines since --since
// and writes what it answered as a signed structured-logs record; the gate
// re-judges the figures (readiness/paperDrillKinds.ts), and the checklist's
// threshold wants at least one line. Loki has no host port: by default the
// query runs inside the loki container (busybox wget on 127.0.0.1), the way
// the Redis collectors exec redis-cli; --loki-url asks an HTTP endpoint directly.

/** A GET of a path (with query) on Loki's HTTP API: the body, or an OpsFailure. */
export type LokiGet = (pathAndQuery: string) => Promise<string>;

export const QUERY_LIMIT = 5000;
const SAMPLE_CHARS = 200;

/** Loki reached over HTTP (an operator's tunnel, or a test double). */
export function httpLoki(baseUrl: string): { get: LokiGet; where: string } {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    where: base,
    get: async (p) => {
      let res: Response;
      try {
        res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(10_000) });
      } catch (e) {
        throw unreachable(`Loki at ${base}: ${(e as Error).message}`);
      }
      const body = await res.text();
      if (!res.ok) throw unreachable(`Loki at ${base} answered ${res.status}: ${body.slice(0, 200)}`);
      return body;
    },
  };
}

/** Loki inside its container, asked with the image's busybox wget: no port leaves the stack's network. */
export function containerLoki(t: DockerTarget, container: string): { get: LokiGet; where: string } {
  const local = `http://127.0.0.1:${SERVICES.loki.port}`;
  return {
    where: `${container} (${local})`,
    get: async (p) => {
      const r = await execIn(t, container, ["wget", "-q", "-O", "-", `${local}${p}`], { timeoutMs: 15_000 });
      if (r.exitCode !== 0) throw unreachable(`Loki in ${container}: wget exited ${r.exitCode}: ${r.stderr.trim().split("\n")[0] ?? ""}`);
      return r.stdout;
    },
  };
}

interface QueryRangeAnswer {
  status?: string;
  data?: { resultType?: string; result?: { stream?: Record<string, string>; values?: [string, string][] }[] };
}

/**
 * The record's subject: Loki's answer itself (its sha256), since what is proven is that answer, not an
 * image (structured-logs is no freight item: Loki and Promtail are public infra images).
 */
export const answerSubject = (query: string, body: string): Subject => ({ name: "loki query_range", digest: { sha256: createHash("sha256").update(body).digest("hex") }, annotations: { query } });

/** Execution's lines in Loki since `since` (up to `now`), counted from Loki's own answer. */
export async function queryExecutionLogs(loki: { get: LokiGet; where: string }, plan: StackPlan, since: Date, now: Date): Promise<{ figures: StructuredLogsFigures; subject: Subject }> {
  const execution = plan.containers.find((c) => c.service === "execution");
  if (!execution) throw new OpsFailure("notFound", `stack ${plan.stack} declares no ${canonicalName("execution")} container`);
  const query = executionLogQuery(execution.name);
  const params = new URLSearchParams({
    query,
    start: `${BigInt(since.getTime()) * 1_000_000n}`,
    end: `${BigInt(now.getTime()) * 1_000_000n}`,
    limit: String(QUERY_LIMIT),
    direction: "backward",
  });
  const body = await loki.get(`/loki/api/v1/query_range?${params.toString()}`);
  let answer: QueryRangeAnswer;
  try {
    answer = JSON.parse(body) as QueryRangeAnswer;
  } catch {
    throw unreachable(`Loki at ${loki.where} answered no JSON: ${body.slice(0, 120)}`);
  }
  if (answer.status !== "success" || answer.data?.resultType !== "streams" || !Array.isArray(answer.data.result)) {
    throw unreachable(`Loki at ${loki.where} answered no streams (status ${String(answer.status)}, resultType ${String(answer.data?.resultType)})`);
  }
  // Only the streams of execution's container count, whatever else an answer carries.
  const values = answer.data.result.filter((s) => s.stream?.container === execution.name).flatMap((s) => s.values ?? []);
  const stamps = values.map(([ns]) => BigInt(ns)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const newest = values.reduce<[string, string] | undefined>((m, v) => (m === undefined || BigInt(v[0]) > BigInt(m[0]) ? v : m), undefined);
  const figures: StructuredLogsFigures = {
    loki: loki.where,
    query,
    container: execution.name,
    since: since.toISOString(),
    lines: values.length,
    limit: QUERY_LIMIT,
    ...(stamps.length > 0 ? { firstNs: String(stamps[0]), lastNs: String(stamps.at(-1)) } : {}),
    ...(newest ? { sample: newest[1].slice(0, SAMPLE_CHARS) } : {}),
  };
  return { figures, subject: answerSubject(query, body) };
}

export function structuredLogsStatement(f: StructuredLogsFigures, ctx: { stack: string; by: string; now: Date; subjects: Subject[] }): Statement {
  return judgedStatement({
    kind: "structured-logs",
    stack: ctx.stack,
    mode: "paper",
    by: ctx.by,
    window: { from: f.since, to: ctx.now.toISOString() },
    explanation: `${f.lines} line(s) of ${f.container} in Loki (${f.loki}) for ${f.query} since ${f.since}`,
    subjects: ctx.subjects,
    figures: f as unknown as Record<string, unknown>,
  });
}

export interface LogsCheckRequest {
  stack: string;
  plan: StackPlan;
  loki: { get: LokiGet; where: string };
  since: Date;
  by: string;
  key: string;
  evidenceFile: string;
  now?: Date;
  dir?: string;
  allowedSignersFile?: string;
}

/** Queries, writes the signed record and the evidence entry monitoring.structured-logs (a failed record too: the gate shows it failed). */
export async function checkStructuredLogs(req: LogsCheckRequest) {
  const now = req.now ?? new Date();
  const { figures, subject } = await queryExecutionLogs(req.loki, req.plan, req.since, now);
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const record = writeRecord(structuredLogsStatement(figures, { stack: req.stack, by: req.by, now, subjects: [subject] }), path.join(req.dir ?? COLLECT_DIR, `${req.stack}-${stamp}-structured-logs.json`), req.key);
  const entry = addEvidence({
    file: req.evidenceFile,
    by: req.by,
    key: req.key,
    now,
    ...(req.allowedSignersFile ? { allowedSignersFile: req.allowedSignersFile } : {}),
    id: "monitoring.structured-logs",
    artifacts: [record.file],
    note: `cdb logs check: ${figures.lines} line(s) of ${figures.container} in Loki since ${figures.since}`,
    acceptFailed: true,
  });
  return { figures, record: record.file, entry };
}
