import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/load";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { declareStack } from "./cdbStack";
import { loadStackConfig } from "../config/pulumiConfig";
import { withoutUnreadyTraders } from "./unreadyTraders";

// The program's own live gate (stacks/unreadyTraders.ts) is part of the gate's closure.

// The Pulumi program: validate config, plan, declare.
// A config error stops the program before any resource is declared.
export function program() {
  let loaded;
  try {
    loaded = loadStackConfig("program");
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(`invalid stack config:\n${e.message}`);
    throw e;
  }
  const plan = withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet));
  const cfg = new pulumi.Config("cdb");
  const declared = declareStack(loaded, plan, (key) => (loaded.secretsSet.has(key) ? cfg.requireSecret(key) : undefined));
  return {
    mode: loaded.config.mode,
    network: declared.network.name,
    containers: Object.fromEntries(Object.entries(declared.containers).map(([s, c]) => [s, c.container.name])),
  };
}

