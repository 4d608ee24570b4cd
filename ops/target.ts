import type { TradingMode } from "../config/schema";
import type { ServiceName } from "../config/services";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { physicalPrefix, type StackPlan } from "../model/plan";
import { UnusableInput } from "../platform/errors";
import { effectiveStackConfig } from "../readiness/stackConfig";
import { stackConfigFile } from "../platform/paths";
import { loadStackConfigFile } from "../readiness/stackView";
import { LOCAL_ENGINE, sameDockerHost } from "../config/dockerHost";
import { dockerTarget, type DockerTarget, envDockerHost } from "./docker";

// Where a stack runs: its Docker host and its container names, from the
// stack's effective config (project defaults and merge keys as the engine
// resolves them), so an operation reaches the host the stack's containers are on.

export interface StackTarget {
  stack: string;
  mode: TradingMode;
  dockerHost?: string;
  /** Where cdb:dockerHost came from (`Pulumi.live.yaml:7 cdb:dockerHost`), for messages. */
  dockerHostSource?: string;
  /** Set when the host cannot be known from files: an ESC environment may set it. */
  unknownHost?: { file: string; detail: string };
  /**
   * The docker provider's own `docker:host` where the stack's files set it:
   * Pulumi deploys there when cdb:dockerHost is unset (issue 25 item 11).
   */
  providerHost?: { value: unknown; file: string; line?: number };
  containerName(service: ServiceName): string;
}

const where = (s: { file: string; line?: number }, key: string) => `${s.file}${s.line === undefined ? "" : `:${s.line}`} ${key}`;

/**
 * The names and host of a stack from its config, without validating the
 * rest: stopping trading must not depend on image digests or a MEXC key being set.
 */
export function stackTarget(stack: string, configFile: string = stackConfigFile(stack)): StackTarget {
  const eff = effectiveStackConfig(configFile);
  const mode = eff.config["cdb:mode"] ?? "paper";
  if (mode !== "paper" && mode !== "live" && mode !== "rehearsal") {
    const s = eff.sourceOf("cdb:mode");
    throw new UnusableInput(s.file, `cdb:mode must be paper, live or rehearsal, got ${JSON.stringify(mode)}`, s.line);
  }
  const host = eff.config["cdb:dockerHost"];
  const source = where(eff.sourceOf("cdb:dockerHost"), "cdb:dockerHost");
  if (host !== undefined && typeof host !== "string") throw new UnusableInput(source, "must be a string");
  const prefix = physicalPrefix(stack);
  const providerHost = eff.config["docker:host"];
  return {
    stack,
    mode,
    ...(host ? { dockerHost: host, dockerHostSource: source } : {}),
    ...(providerHost !== undefined && providerHost !== null ? { providerHost: { value: providerHost, ...eff.sourceOf("docker:host") } } : {}),
    ...(eff.environment.length > 0 ? { unknownHost: { file: configFile, detail: "imports an ESC environment, which may set cdb:dockerHost: cdb cannot see it, pass --docker-host" } } : {}),
    containerName: (s) => `${prefix}${s}`,
  };
}

/** The full plan of a stack (every declared container); invalid config is unusable input. */
export function stackPlan(stack: string, configFile?: string): { plan: StackPlan; dockerHost?: string } {
  const loaded = loadStackConfigFile(stack, configFile);
  // With the secret settings the stack sets: the plan the engine deploys (and the config digest reads).
  const plan = planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet);
  return { plan, ...(loaded.config.dockerHost ? { dockerHost: loaded.config.dockerHost } : {}) };
}

type HostTarget = Pick<StackTarget, "stack" | "dockerHost" | "dockerHostSource" | "unknownHost" | "providerHost">;

/** The host URL a command would use and where it came from, before any engine is asked. */
function chosenHost(target: HostTarget, override?: string): { host?: string; source: string } {
  if (override !== undefined) return { host: override, source: "--docker-host" };
  if (target.unknownHost) throw new UnusableInput(target.unknownHost.file, target.unknownHost.detail);
  return { host: target.dockerHost, source: target.dockerHostSource ?? "cdb:dockerHost" };
}

/** The URL and its origin as a message says them: an unset DOCKER_HOST is the local engine. */
function spelled(c: { host?: string; source: string }): { url: string; from: string } {
  if (c.host) return { url: c.host, from: c.source };
  const env = envDockerHost();
  return env ? { url: env, from: "DOCKER_HOST" } : { url: LOCAL_ENGINE, from: "the local engine: DOCKER_HOST is unset" };
}

/**
 * The docker provider's `docker:host` decides where Pulumi deploys a stack
 * without cdb:dockerHost; when it names another engine than the one this
 * command acts on, a kill lands on the wrong engine's Redis and reports
 * success (issue 25 item 11). Refused (exit 2) rather than honoured:
 * cdb:dockerHost is the one key the program, the policy pack and every
 * command read, and a second key for the same fact can only disagree.
 */
function refuseOtherProviderHost(target: HostTarget, chosen: { host?: string; source: string }): void {
  const p = target.providerHost;
  if (!p) return;
  const at = (detail: string) => new UnusableInput(p.file, `docker:host ${detail}`, p.line);
  if (typeof p.value !== "string") throw at("is not a plain URL (encrypted or structured): cdb cannot tell which engine the stack is on; name it in cdb:dockerHost and remove docker:host");
  const used = spelled(chosen);
  if (sameDockerHost(p.value, used.url)) return;
  throw at(`names ${p.value}, but cdb would act on ${used.url} (${used.from}): one stack, one engine; name it in cdb:dockerHost and remove docker:host`);
}

/**
 * `--docker-host` wins over the stack's cdb:dockerHost, which wins over
 * DOCKER_HOST; each is checked, and an unusable one is refused (exit 2), as is
 * a `docker:host` in the stack's files that names another engine.
 */
export function dockerFor(target: HostTarget, override?: string): DockerTarget {
  const chosen = chosenHost(target, override);
  const t = dockerTarget(chosen.host, chosen.source);
  refuseOtherProviderHost(target, chosen);
  return t;
}

/**
 * For commands that also run Pulumi on the stack (promote, rollback): the
 * Engine API calls (kill switch, verification) and Pulumi's update reach one
 * engine. `--docker-host` is for a host cdb cannot read from the files (an
 * ESC environment); where the files name the engine, another one is refused.
 */
export function dockerForUpdate(target: HostTarget, override?: string): DockerTarget {
  if (override !== undefined && !target.unknownHost) {
    const known = spelled(chosenHost(target));
    if (!sameDockerHost(override, known.url)) {
      // An unusable URL says so first.
      dockerTarget(override, "--docker-host");
      throw new UnusableInput("--docker-host", `names ${override}, but Pulumi updates ${target.stack} on ${known.url} (${known.from}): the kill switch, the update and the verification reach one engine`);
    }
  }
  return dockerFor(target, override);
}
