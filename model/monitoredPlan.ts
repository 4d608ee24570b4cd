import type { CdbConfig } from "../config/schema";
import type { SecretSetting } from "../config/safety";
import { monitoringFiles } from "../monitoring/files";
import { planStack, type StackPlan } from "./plan";

/**
 * The plan every entry point uses: the containers plus their monitoring provisioning.
 * `configured`: the secret settings the stack sets (LoadedConfig.secretsSet).
 */
export const planStackWithMonitoring = (stack: string, cfg: CdbConfig, configured: ReadonlySet<SecretSetting> = new Set()): StackPlan =>
  planStack(stack, cfg, monitoringFiles, configured);
