import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SERVICES, type ServiceName } from "../config/services";
import type { StackPlan } from "../model/plan";
import { execIn, type DockerTarget } from "../ops/docker";
import { ensureDoubleImage } from "./images/build";
import { pollUntil } from "../platform/poll";

// A stack of TEST DOUBLES on a real dockerd: one container per declared
// container of a plan, with the plan's name, network alias, environment and
// restart policy, running test/images/double/run.sh instead of the service.
// Redis is the Debian redis-server with the stack's password from
// /run/secrets/redis_password; execution prints the real mode lines and
// models the kill switch (test/images/double/execution.sh); signal publishes
// signals, risk gates them by allocation, allocation publishes its start-up
// decisions (signal.sh, risk.sh, allocation.sh: what each models is in its header).

export interface Doubles {
  image: string;
  secretsDir: string;
  password: string;
  names: Record<string, string>;
  stop(): Promise<void>;
}

export interface DoubleOptions {
  only?: ServiceName[];
  crash?: ServiceName[];
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  orderIntervalMs?: number;
  /** The signal double publishes a signal this often (default: none). */
  signalIntervalMs?: number;
  /** Leave out the health check of these services, though the plan declares one. */
  noHealth?: ServiceName[];
  /**
   * Create every container as the program declares it (test/deployedDoubles.ts):
   * image refs, env, command, mounts, ports as on a deployed stack. The other options do not apply.
   */
  asDeclared?: boolean;
  /** Health check interval and timeout (default DOUBLE_HEALTH): longer where many doubles share a busy machine. */
  health?: { intervalMs: number; timeoutMs: number };
}

export const ns = (ms: number) => ms * 1_000_000;

/**
 * The doubles' health checks. Every check is an exec in the container (runc,
 * the shim, dockerd; about 30 ms of CPU whatever the command): 19 idle doubles
 * kept 1.87 cores busy with checks alone at 250 ms, 0.28 at 2 s, 0.11 at 5 s
 * (bench/healthChecks.ts, 2 cores). The suite ran about 3,000 checks at 2 s,
 * some 90 CPU-s of a CPU-bound run. The first check runs one interval after
 * the start (Docker 20.10 has no start interval), so a double turns healthy
 * about 4 s after it starts; tests wait for that condition, never for a time.
 */
export const DOUBLE_HEALTH = { intervalMs: 4_000, timeoutMs: 2_000 } as const;

export function healthTest(service: ServiceName): string[] {
  if (service === "redis") return ["CMD-SHELL", 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli ping | grep -q PONG'];
  const port = SERVICES[service].port;
  return port ? ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${port}/health`] : ["CMD-SHELL", "kill -0 1"];
}

/**
 * The plan under other physical names (`cdb_` → `cdb<tag>_`), for a live plan
 * whose real names another suite on the same dockerd may be using.
 */
export function renamed(plan: StackPlan, tag: string): StackPlan {
  const re = (n: string) => n.replace(/^cdb[a-z0-9]*_/, `cdb${tag}_`);
  return { ...plan, networkName: re(plan.networkName), containers: plan.containers.map((c) => ({ ...c, name: re(c.name) })) };
}

export async function removeContainer(t: DockerTarget, name: string): Promise<void> {
  try {
    await t.docker.getContainer(name).remove({ force: true, v: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

const DOUBLE_LABEL = "cdb-test-double";

/**
 * The doubles' network, made anew: the containers an earlier run left on it
 * are removed first, then the network. dockerd (seen with 20.10, after a run
 * whose containers were force-removed while the network was being removed)
 * can keep an endpoint that no container holds: it then refuses to remove the
 * network ("has active endpoints") and lists no container. Such a leftover of
 * this suite's own doubles, with the same settings, is used as it is; any
 * other network of that name is an error naming it.
 */
export async function freshDoubleNetwork(t: DockerTarget, name: string, internal = false): Promise<void> {
  const network = t.docker.getNetwork(name);
  const before = await network.inspect().catch(() => undefined);
  if (before?.Labels?.[DOUBLE_LABEL] === "true") await Promise.all(Object.values(before.Containers ?? {}).map((c: { Name: string }) => removeContainer(t, c.Name)));
  try {
    await network.remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) {
      const left = await network.inspect();
      const ours = left.Labels?.[DOUBLE_LABEL] === "true" && Object.keys(left.Containers ?? {}).length === 0 && Boolean(left.Internal) === internal;
      if (ours) return;
      throw new Error(`network ${name} is in the way of the test doubles and cannot be removed: ${(e as Error).message}`);
    }
  }
  await t.docker.createNetwork({ Name: name, CheckDuplicate: true, Internal: internal, Labels: { [DOUBLE_LABEL]: "true" } });
}

export async function startDoubles(t: DockerTarget, plan: StackPlan, opts: DoubleOptions = {}): Promise<Doubles> {
  if (opts.asDeclared) return (await import("./deployedDoubles")).startDeclaredDoubles(t, plan);
  const image = await ensureDoubleImage(t.docker);
  const secretsDir = mkdtempSync(path.join(os.tmpdir(), "cdb-secrets-"));
  const password = `double-${Math.random().toString(36).slice(2)}`;
  writeFileSync(path.join(secretsDir, "redis_password"), password);
  const containers = plan.containers.filter((c) => !opts.only || opts.only.includes(c.service));
  await Promise.all(containers.map((c) => removeContainer(t, c.name)));
  await freshDoubleNetwork(t, plan.networkName);
  const names: Record<string, string> = {};
  const create = async (c: (typeof containers)[number]) => {
    // Redis serves its own port; every other double answers GET /health on the service's port.
    const port = c.service === "redis" ? undefined : SERVICES[c.service].port;
    const env = {
      ...c.env,
      ...opts.env?.[c.service],
      ...(port ? { CDB_DOUBLE_PORT: String(port) } : {}),
      ...(opts.crash?.includes(c.service) ? { CDB_DOUBLE_CRASH: "1" } : {}),
      ...(c.service === "execution" && opts.orderIntervalMs !== undefined ? { CDB_DOUBLE_ORDER_INTERVAL_MS: String(opts.orderIntervalMs) } : {}),
      ...(c.service === "signal" && opts.signalIntervalMs !== undefined ? { CDB_DOUBLE_SIGNAL_INTERVAL_MS: String(opts.signalIntervalMs) } : {}),
    };
    const withHealth = c.health && !opts.noHealth?.includes(c.service);
    const container = await t.docker.createContainer({
      name: c.name,
      Image: image,
      Cmd: [c.service],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: { "cdb-test-double": "true", "cdb-test-double.service": c.service },
      ...(withHealth ? { Healthcheck: { Test: healthTest(c.service), Interval: ns(opts.health?.intervalMs ?? DOUBLE_HEALTH.intervalMs), Timeout: ns(opts.health?.timeoutMs ?? DOUBLE_HEALTH.timeoutMs), Retries: 3, StartPeriod: 0 } } : {}),
      HostConfig: {
        Binds: [`${secretsDir}:/run/secrets:ro`],
        RestartPolicy: { Name: opts.crash?.includes(c.service) ? "always" : c.restart },
        NetworkMode: plan.networkName,
      },
      NetworkingConfig: { EndpointsConfig: { [plan.networkName]: { Aliases: [c.alias] } } },
    });
    await container.start();
    names[c.service] = c.name;
  };
  // Redis first, so the others find it; the rest at once.
  for (const c of containers.filter((x) => x.service === "redis")) await create(c);
  await Promise.all(containers.filter((x) => x.service !== "redis").map(create));
  const stop = async () => {
    await Promise.all(containers.map((c) => removeContainer(t, c.name)));
    try {
      await t.docker.getNetwork(plan.networkName).remove();
    } catch {
      // gone
    }
    rmSync(secretsDir, { recursive: true, force: true });
  };
  return { image, secretsDir, password, names, stop };
}

/** Waits until every named container runs and is healthy where it has a check. */
export async function waitHealthy(t: DockerTarget, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    const { value: s, done } = await pollUntil(async () => (await t.docker.getContainer(name).inspect()).State, (s) => s.Running && (!s.Health || s.Health.Status === "healthy"), { deadline, intervalMs: 100 });
    if (!done) throw new Error(`${name} not running and healthy after ${timeoutMs} ms: ${JSON.stringify(s)}`);
  }
}

/** Runs a shell script in a Redis double with REDISCLI_AUTH set (for seeding many entries in one exec). */
export async function redisScript(t: DockerTarget, container: string, script: string): Promise<string> {
  const r = await execIn(t, container, ["sh", "-c", `REDISCLI_AUTH="$(cat /run/secrets/redis_password)"; export REDISCLI_AUTH; ${script}`], { timeoutMs: 30_000 });
  if (r.exitCode !== 0) throw new Error(`script failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}
