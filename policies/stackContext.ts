import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config/load";
import { isLiveStack } from "../config/safety";
import { loadStackConfig } from "../config/pulumiConfig";

// What the policies know about the stack under analysis: its name and its
// validated `cdb:` config, from the engine (the analyzer gets the stack's
// config the same way the program does). Loaded per call, never cached: a
// pack process may analyze more than one run.

export interface StackContext {
  stack: string;
  loaded: LoadedConfig;
  /** True for a stack that trades for real: mode live, or a stack named live. */
  live: boolean;
  /**
   * A rehearsal stack (mode rehearsal; never the stack named live, which the
   * loader refuses): live flags against the simulator, never counted as live.
   */
  rehearsal: boolean;
}

export function stackContext(): StackContext {
  const stack = pulumi.getStack();
  const loaded = loadStackConfig("policy-pack");
  const live = isLiveStack(stack, loaded.config.mode);
  return { stack, loaded, live, rehearsal: !live && loaded.config.mode === "rehearsal" };
}
