import { afterAll, beforeAll } from "vitest";
import { WITNESS_HOME, WITNESS_KEY_FILE, witnessArgv } from "../config/witness";
import type { StackPlan } from "../model/plan";
import { physicalPrefix } from "../model/plan";
import { execIn, type DockerTarget } from "../ops/docker";
import { pollUntil } from "../platform/poll";
import type { Doubles } from "./stackDoubles";
import { DOUBLE_HEALTH, ns, removeContainer } from "./stackDoubles";
import { ensureWitnessImage } from "./images/witness";

// The witness of a stack of TEST DOUBLES, the way the program deploys it
// (issue 22): container `<prefix>witness` on the stack's network, its volume
// at /var/lib/cdb-witness, the Docker socket read-only, the Redis password as
// the doubles get it (/run/secrets), env CDB_STACK, CDB_CONTAINER_PREFIX,
// REDIS_HOST, REDIS_PORT. Its image: test/images/witness.ts (the real program
// on a FROM-scratch base). Started after the doubles, removed before them.

export interface Witness {
  container: string;
  volume: string;
  image: string;
  /** `witness@<stack> namespaces="cdb-witness" ssh-ed25519 …` as `cdb witness key` prints it. */
  allowedSignersLine: string;
  exec(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

/**
 * `dockerSocket`: the engine's socket on its host, mounted as the witness's
 * /var/run/docker.sock (a second dockerd on this machine has its own; the
 * program mounts /var/run/docker.sock of the stack's host).
 */
export async function startWitness(t: DockerTarget, plan: StackPlan, doubles: Doubles, env: Record<string, string> = {}, dockerSocket = "/var/run/docker.sock"): Promise<Witness> {
  const image = await ensureWitnessImage(t.docker);
  const container = `${physicalPrefix(plan.stack)}witness`;
  const volume = `${physicalPrefix(plan.stack)}witness_data`;
  await removeContainer(t, container);
  try {
    await t.docker.getVolume(volume).remove();
  } catch {
    // not there
  }
  await t.docker.createVolume({ Name: volume, Labels: { "cdb-test-double": "true" } });
  const c = await t.docker.createContainer({
    name: container,
    Image: image,
    Env: Object.entries({ CDB_STACK: plan.stack, CDB_CONTAINER_PREFIX: physicalPrefix(plan.stack), REDIS_HOST: "cdb_redis", REDIS_PORT: "6379", ...env }).map(([k, v]) => `${k}=${v}`),
    Labels: { "cdb-test-double": "true" },
    // The plan's check (test -s on the public key) in node: the test image has no shell. With it,
    // cdb verify finds the health check the stack declares. Every DOUBLE_HEALTH interval: a node start is no light exec.
    Healthcheck: { Test: ["CMD", "node", "-e", `process.exit(require("fs").statSync(${JSON.stringify(WITNESS_KEY_FILE + ".pub")}).size > 0 ? 0 : 1)`], Interval: ns(DOUBLE_HEALTH.intervalMs), Timeout: 10_000_000_000, Retries: 3, StartPeriod: 0 },
    HostConfig: {
      Binds: [`${volume}:${WITNESS_HOME}`, `${dockerSocket}:/var/run/docker.sock:ro`, `${doubles.secretsDir}:/run/secrets:ro`],
      NetworkMode: plan.networkName,
    },
    NetworkingConfig: { EndpointsConfig: { [plan.networkName]: { Aliases: ["cdb_witness"] } } },
  });
  await c.start();
  const exec = (...args: string[]) => execIn(t, container, witnessArgv(...args), { timeoutMs: 600_000 });
  // The key exists once serve has started: pubkey answers then.
  const { value, done } = await pollUntil(() => exec("pubkey"), (r) => r.exitCode === 0, { deadline: Date.now() + 30_000, intervalMs: 200 });
  if (!done) throw new Error(`the witness did not make its key within 30 s: ${value.stderr}`);
  return { container, volume, image, allowedSignersLine: value.stdout.trim(), exec };
}

export async function stopWitness(t: DockerTarget, w: Witness | undefined): Promise<void> {
  if (!w) return;
  await removeContainer(t, w.container);
  try {
    await t.docker.getVolume(w.volume).remove();
  } catch {
    // gone
  }
}

/** The witness around the tests of a describe block (register after doublesAround: removed before the doubles). */
export function witnessAround(t: DockerTarget, plan: StackPlan, doubles: () => Doubles, env: () => Promise<Record<string, string>> = async () => ({}), dockerSocket?: string): () => Witness {
  let w: Witness | undefined;
  beforeAll(async () => {
    w = await startWitness(t, plan, doubles(), await env(), dockerSocket);
  }, 180_000);
  afterAll(async () => stopWitness(t, w));
  return () => w!;
}
