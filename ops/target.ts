import type { TradingMode } from "../config/schema";
import type { ServiceName } from "../config/services";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { physicalPrefix, type StackPlan } from "../model/plan";
import { UnusableInput } from "../platform/errors";
import { effectiveStackConfig } from "../readiness/stackConfig";
import { stackConfigFile } from "../platform/paths";
import { loadStackConfigFile } from "../readiness/stackView";
import { dockerTarget, type DockerTarget } from "./docker";

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
  return {
    stack,
    mode,
    ...(host ? { dockerHost: host, dockerHostSource: source } : {}),
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

/**
 * `--docker-host` wins over the stack's cdb:dockerHost, which wins over
 * DOCKER_HOST; each is checked, and an unusable one is refused (exit 2).
 */
export function dockerFor(target: Pick<StackTarget, "dockerHost" | "dockerHostSource" | "unknownHost">, override?: string): DockerTarget {
  if (override !== undefined) return dockerTarget(override, "--docker-host");
  if (target.unknownHost) throw new UnusableInput(target.unknownHost.file, target.unknownHost.detail);
  return dockerTarget(target.dockerHost, target.dockerHostSource ?? "cdb:dockerHost");
}
