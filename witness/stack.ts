import { isAppService, type ServiceName } from "../config/services";
import { WITNESS_JOURNAL_FILE, WITNESS_KEY_FILE, witnessPrincipal } from "../config/witness";
import type { StackPlan } from "../model/plan";
import { physicalPrefix } from "../model/plan";
import { UnusableInput } from "../platform/errors";
import { dockerCall, dockerTarget, type DockerTarget } from "../ops/docker";
import type { Subject } from "../readiness/records";
import { imageSubjects } from "../ops/recordSubjects";

// What the witness knows about its stack, and from where. It cannot read the
// stack's Pulumi config, and it takes no plan from the CLI (a caller could
// hand it a smaller one): its stack is what runs. The containers are those
// whose name starts with the stack's prefix (CDB_CONTAINER_PREFIX, set by the
// program), inspected through the read-only Docker socket; the few settings
// the collectors need (stream names, intervals, thresholds, the active
// strategy) are read from those containers' own environment, by an allow
// list, so no other variable of theirs ever enters a record or the journal.

/** The environment the program gives the witness container (model/services/witness.ts). */
export interface WitnessSettings {
  stack: string;
  /** `cdbpaper_`, `cdb_`: the stack's container names start with it. */
  prefix: string;
  principal: string;
  redisUrl: string;
  redisPasswordFile: string;
  lokiUrl: string;
  docker: DockerTarget;
  keyFile: string;
  journalFile: string;
}

export function witnessSettings(env: NodeJS.ProcessEnv = process.env): WitnessSettings {
  const stack = env.CDB_STACK;
  if (!stack || !/^[a-z0-9][a-z0-9._-]*$/i.test(stack)) throw new UnusableInput("CDB_STACK", "the witness needs its stack's name (set by the program)");
  const prefix = env.CDB_CONTAINER_PREFIX ?? physicalPrefix(stack);
  if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(prefix)) throw new UnusableInput("CDB_CONTAINER_PREFIX", `${JSON.stringify(prefix)} is not a container name prefix`);
  const port = env.REDIS_PORT ?? "6379";
  if (!/^\d{1,5}$/.test(port)) throw new UnusableInput("REDIS_PORT", `${JSON.stringify(port)} is not a port`);
  return {
    stack,
    prefix,
    principal: witnessPrincipal(stack),
    redisUrl: `redis://${env.REDIS_HOST ?? "cdb_redis"}:${port}`,
    redisPasswordFile: env.REDIS_PASSWORD_FILE ?? "/run/secrets/redis_password",
    lokiUrl: env.LOKI_URL ?? "http://cdb_loki:3100",
    docker: dockerTarget(env.WITNESS_DOCKER_HOST ?? "unix:///var/run/docker.sock", "WITNESS_DOCKER_HOST"),
    // Overridable for the witness's own unit tests only; the image uses the contract's paths.
    keyFile: env.WITNESS_KEY_FILE ?? WITNESS_KEY_FILE,
    journalFile: env.WITNESS_JOURNAL_FILE ?? WITNESS_JOURNAL_FILE,
  };
}

/** The settings of other services the witness's collectors read, per service; nothing else of their environment. */
const ENV_ALLOWED: Partial<Record<string, readonly string[]>> = {
  candles: ["CANDLE_OUTPUT_STREAM", "CANDLE_INTERVAL_SECONDS"],
  regime: ["REGIME_ADX_TREND_THRESHOLD", "REGIME_ADX_RANGE_THRESHOLD", "REGIME_ATR_HIGH_VOL_THRESHOLD"],
  signal: ["SIGNAL_STRATEGY_ID"],
  allocation: ["ALLOCATION_RULES_JSON"],
};

export interface SeenContainer {
  name: string;
  service: string;
  id: string;
  imageId: string;
  state: string;
  running: boolean;
  startedAt: string;
  restartCount: number;
  env: Record<string, string>;
}

/** Every container of the stack (by prefix, the witness itself left out), as the engine reports it now. */
export async function stackContainers(s: Pick<WitnessSettings, "docker" | "prefix">): Promise<SeenContainer[]> {
  const t = s.docker;
  const list = await dockerCall(t, "list containers", () => t.docker.listContainers({ all: true }));
  const names = list
    .flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")))
    .filter((n) => n.startsWith(s.prefix) && n !== `${s.prefix}witness`)
    .sort();
  const out: SeenContainer[] = [];
  for (const name of names) {
    const info = await dockerCall(t, `inspect container ${name}`, () => t.docker.getContainer(name).inspect()).catch(() => undefined);
    if (!info) continue; // removed between the list and the inspect
    const service = name.slice(s.prefix.length);
    const allowed = ENV_ALLOWED[service] ?? [];
    const env = Object.fromEntries(
      (info.Config?.Env ?? [])
        .map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)] as const)
        .filter(([k]) => allowed.includes(k)),
    );
    out.push({
      name,
      service,
      id: info.Id,
      imageId: info.Image,
      state: info.State.Status,
      running: info.State.Running && !info.State.Restarting,
      startedAt: info.State.StartedAt,
      restartCount: info.RestartCount,
      env,
    });
  }
  return out;
}

/**
 * The part of a StackPlan the ops collectors read (containers' names,
 * services and the allowed settings), built from what runs. Only these
 * fields are set: the collectors touch nothing else.
 */
export function runningPlan(stack: string, containers: SeenContainer[]): StackPlan {
  return {
    stack,
    mode: "paper",
    containers: containers.map((c) => ({ service: c.service as ServiceName, name: c.name, env: c.env })),
  } as unknown as StackPlan;
}

export const containerOf = (s: Pick<WitnessSettings, "prefix">, service: string) => `${s.prefix}${service}`;

/** The images of the named services' containers, by the digest the engine runs them from. */
export async function subjectsOf(s: Pick<WitnessSettings, "docker" | "prefix">, services: readonly string[]): Promise<Subject[]> {
  return imageSubjects(s.docker, services.map((service) => ({ service, container: containerOf(s, service) })));
}

/** The app services among what runs (the subjects of a collection). */
export const appServices = (containers: SeenContainer[]) => containers.filter((c) => isAppService(c.service as ServiceName)).map((c) => c.service);
