import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config/load";
import { loadStackConfig } from "../stacks/pulumiConfig";

// What the policies know about the stack under analysis: its name and its
// validated `cdb:` config, from the engine (the analyzer gets the stack's
// config the same way the program does). Loaded per call, never cached: a
// pack process may analyze more than one run.

export interface StackContext {
  stack: string;
  loaded: LoadedConfig;
  /** True for a stack that trades for real: mode live, or a stack named live. */
  live: boolean;
}

export function stackContext(): StackContext {
  const stack = pulumi.getStack();
  const loaded = loadStackConfig("policy-pack");
  return { stack, loaded, live: loaded.config.mode === "live" || stack === "live" };
}
