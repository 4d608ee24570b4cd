import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/load";
import { planStackWithMonitoring } from "./monitoredPlan";
import { declareStack } from "./cdbStack";
import { loadStackConfig } from "./pulumiConfig";

// The Pulumi program: validate config, plan, declare.
// A config error stops the program before any resource is declared.
export function program() {
  let loaded;
  try {
    loaded = loadStackConfig();
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
    throw e;
  }
  const plan = planStackWithMonitoring(loaded.stack, loaded.config);
  const cfg = new pulumi.Config("cdb");
  const declared = declareStack(loaded, plan, (key) => (loaded.secretsSet.has(key) ? cfg.requireSecret(key) : undefined));
  return {
    mode: loaded.config.mode,
    network: declared.network.name,
    containers: Object.fromEntries(Object.entries(declared.containers).map(([s, c]) => [s, c.container.name])),
  };
}

