import type { TradingMode } from "../config/schema";
import type { ServiceName } from "../config/services";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { physicalPrefix, type StackPlan } from "../model/plan";
import { UnusableInput } from "../readiness/errors";
import { loadStackConfigFile, stackConfigFile } from "../readiness/stackView";
import { readYamlFile } from "../readiness/yamlFile";
import { dockerTarget, type DockerTarget } from "./docker";

// Where a stack runs: its Docker host (cdb:dockerHost) and its container names.

export interface StackTarget {
  stack: string;
  mode: TradingMode;
  dockerHost?: string;
  containerName(service: ServiceName): string;
}

/**
 * The names and host of a stack from its config file, without validating the
 * rest: stopping trading must not depend on image digests or a MEXC key being set.
 */
export function stackTarget(stack: string, configFile: string = stackConfigFile(stack)): StackTarget {
  const y = readYamlFile(configFile);
  const config = ((y.value as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
  const mode = config["cdb:mode"] ?? "paper";
  if (mode !== "paper" && mode !== "live") throw new UnusableInput(configFile, `cdb:mode must be paper or live, got ${JSON.stringify(mode)}`, y.lineOf(["config", "cdb:mode"]));
  const host = config["cdb:dockerHost"];
  if (host !== undefined && typeof host !== "string") throw new UnusableInput(configFile, "cdb:dockerHost must be a string", y.lineOf(["config", "cdb:dockerHost"]));
  const prefix = physicalPrefix(stack);
  return { stack, mode, ...(host ? { dockerHost: host } : {}), containerName: (s) => `${prefix}${s}` };
}

/** The full plan of a stack (every declared container); invalid config is unusable input. */
export function stackPlan(stack: string, configFile?: string): { plan: StackPlan; dockerHost?: string } {
  const loaded = loadStackConfigFile(stack, configFile);
  // With the secret settings the stack sets: the plan the engine deploys (and the config digest reads).
  const plan = planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet);
  return { plan, ...(loaded.config.dockerHost ? { dockerHost: loaded.config.dockerHost } : {}) };
}

/** `--docker-host` wins over cdb:dockerHost, which wins over DOCKER_HOST. */
export const dockerFor = (target: { dockerHost?: string }, override?: string): DockerTarget => dockerTarget(override ?? target.dockerHost);
