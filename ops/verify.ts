import type Docker from "dockerode";
import { type StackPlan } from "../model/plan";
import { runsLiveExecutor, tradesForReal } from "../config/safety";
// The policy's own patterns (this loads the Pulumi SDK: the CLI loads verify only for `cdb verify`).
import { envCredential, URL_WITH_PASSWORD } from "../config/secretPatterns";
import { splitKeyValue } from "../platform/envEntries";
import { envOf } from "../readiness/facts";
import { SERVICES } from "../config/services";
import { type DockerTarget, execIn, inspectContainer } from "./docker";
import { OpsFailure } from "../platform/errors";
import { SHUTDOWN_STREAM, shutdownEntryCount } from "./kill";
import { pollUntil, sleep } from "../platform/poll";
import { containerRedis } from "./redis";

// The runbook's step 4 as a check of a running stack, through the Engine API.

export interface VerifyRequest {
  stack: string;
  plan: StackPlan;
  docker: DockerTarget;
  /** Keep checking until healthy or this long has passed (0: one pass). */
  timeoutMs?: number;
  /** Time between the two RestartCount samples of one pass. */
  restartSampleMs?: number;
  /** The kill switch was armed on purpose (by `cdb rollback`): entries are not a problem. */
  killSwitchArmed?: boolean;
}

export interface VerifyResult {
  ok: boolean;
  stack: string;
  /** One line per problem, each naming its container. */
  problems: string[];
  checked: number;
}

/**
 * Execution's own answer to GET /status on its port (services/execution/service.py:
 * `"mode": "mock" if MOCK_TRADING else "live"`), asked from inside the stack:
 * live publishes no host port, so the request runs in the execution container
 * through the Engine API's exec, with the Python every app image has (the same
 * way the stack's health checks reach /health). Not the log: a day of logging
 * pushes the start-up "Mode:" line out of any tail.
 */
const STATUS_URL = `http://localhost:${SERVICES.execution.port}/status`;
const STATUS_PROBE = ["python", "-c", `import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("${STATUS_URL}", timeout=5).read().decode())`];

export async function executionStatusProblems(t: DockerTarget, name: string, mode: "paper" | "live"): Promise<string[]> {
  const r = await execIn(t, name, STATUS_PROBE, { timeoutMs: 15_000 });
  if (r.exitCode !== 0) return [`${name}: GET ${STATUS_URL} from inside the container failed (exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split("\n").at(-1)?.slice(0, 160) ?? ""})`];
  let reported: unknown;
  try {
    reported = (JSON.parse(r.stdout) as { mode?: unknown }).mode;
  } catch {
    return [`${name}: GET ${STATUS_URL} did not answer JSON`];
  }
  const want = mode === "live" ? "live" : "mock";
  return reported === want ? [] : [`${name}: GET /status reports mode ${JSON.stringify(reported)}, the stack is ${mode} (expects "${want}")`];
}

/** Secret names and URL patterns of the no-secrets-in-env policy, applied to what `docker inspect` shows. */
export async function secretProblems(name: string, info: Docker.ContainerInspectInfo): Promise<string[]> {
  const problems: string[] = [];
  for (const [key, value] of (info.Config.Env ?? []).map(splitKeyValue)) {
    // Never echo a value: it may be the secret.
    const found = envCredential(key, value);
    if (found === "literal") problems.push(`${name}: environment variable ${key} carries a literal value (secrets belong in /run/secrets)`);
    else if (found === "url") problems.push(`${name}: environment variable ${key} holds a URL with a password`);
  }
  const shown: [string, string[]][] = [
    ["command", info.Config.Cmd ?? []],
    ["entrypoint", ([] as string[]).concat(info.Config.Entrypoint ?? [])],
    ["labels", Object.entries(info.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`)],
  ];
  for (const [where, texts] of shown) if (texts.some((x) => URL_WITH_PASSWORD.test(x))) problems.push(`${name}: its ${where} holds a URL with a password`);
  return problems;
}

async function onePass(req: VerifyRequest): Promise<string[]> {
  const { plan, docker: t } = req;
  const problems: string[] = [];
  const first = new Map<string, Docker.ContainerInspectInfo>();
  for (const c of plan.containers) {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await inspectContainer(t, c.name);
    } catch (e) {
      if (e instanceof OpsFailure && e.kind === "notFound") {
        problems.push(`${c.name}: missing (declared by stack ${plan.stack}, not on ${t.host})`);
        continue;
      }
      throw e;
    }
    first.set(c.name, info);
    const s = info.State;
    if (s.Restarting) problems.push(`${c.name}: restart-looping (restarting now, RestartCount ${info.RestartCount}, last exit code ${s.ExitCode})`);
    else if (!s.Running) problems.push(`${c.name}: not running (${s.Status}, exit code ${s.ExitCode}${s.OOMKilled ? ", OOM-killed" : ""})`);
    else if (s.Health && s.Health.Status !== "healthy") problems.push(`${c.name}: health ${s.Health.Status}`);
    else if (c.health && !s.Health) problems.push(`${c.name}: the stack declares a health check, the container has none`);
    problems.push(...(await secretProblems(c.name, info)));
    const env = envOf({ envs: info.Config.Env });
    if (c.service === "execution") {
      // A rehearsal runs the live executor (against its simulator): it must say LIVE, like live.
      const liveExecutor = runsLiveExecutor(plan.mode);
      if (tradesForReal(env) !== liveExecutor) {
        problems.push(`${c.name}: its environment trades ${tradesForReal(env) ? "for real" : "on paper"} (MOCK_TRADING=${env.MOCK_TRADING ?? "unset"}), the stack is ${plan.mode}`);
      }
      // In live (and rehearsal), the executor must neither be a dry run nor on the testnet (/status says "live" for both).
      if (liveExecutor) {
        for (const k of ["DRY_RUN", "MEXC_TESTNET"] as const) if (env[k] !== "false") problems.push(`${c.name}: ${k}=${env[k] ?? "unset"} in its environment, the stack is ${plan.mode}`);
      }
      if (s.Running && !s.Restarting) problems.push(...(await executionStatusProblems(t, c.name, liveExecutor ? "live" : "paper")));
    }
  }
  const redis = plan.containers.find((c) => c.service === "redis");
  if (redis && !req.killSwitchArmed && first.get(redis.name)?.State.Running) {
    try {
      const n = await shutdownEntryCount(containerRedis(t, redis.name));
      if (n > 0) problems.push(`${redis.name}: ${SHUTDOWN_STREAM} holds ${n} entr${n === 1 ? "y" : "ies"}: execution rejects every order (release with cdb kill --release, then restart)`);
    } catch (e) {
      if (!(e instanceof OpsFailure)) throw e;
      problems.push(`${redis.name}: cannot read ${SHUTDOWN_STREAM}: ${e.message}`);
    }
  }
  // A container that restarted between the samples is looping even when it runs right now.
  const sampleMs = req.restartSampleMs ?? 1_000;
  await sleep(sampleMs);
  for (const [name, before] of first) {
    let after: Docker.ContainerInspectInfo;
    try {
      after = await inspectContainer(t, name);
    } catch {
      problems.push(`${name}: disappeared during verification`);
      continue;
    }
    if (after.RestartCount > before.RestartCount || (after.State.StartedAt !== before.State.StartedAt && !before.State.Restarting)) {
      if (!problems.some((p) => p.startsWith(`${name}: restart-looping`))) {
        problems.push(`${name}: restart-looping (RestartCount ${before.RestartCount} -> ${after.RestartCount} within ${sampleMs} ms)`);
      }
    }
  }
  return problems;
}

/**
 * Verifies a running stack: every declared container exists, runs, is healthy
 * where it has a check and is not restart-looping; execution logs the stack's
 * mode; no secret in any container's environment; the kill switch is empty.
 * With timeoutMs it repeats until everything holds or time is up.
 */
export async function verifyStack(req: VerifyRequest): Promise<VerifyResult> {
  const { value: problems } = await pollUntil(() => onePass(req), (p) => p.length === 0, { deadline: Date.now() + (req.timeoutMs ?? 0), intervalMs: 1_000 });
  return { ok: problems.length === 0, stack: req.stack, problems, checked: req.plan.containers.length };
}

