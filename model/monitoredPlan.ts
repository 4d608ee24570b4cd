import type { CdbConfig } from "../config/schema";
import { monitoringFiles } from "../monitoring/files";
import { planStack, type StackPlan } from "./plan";

/** The plan every entry point uses: the containers plus their monitoring provisioning. */
export const planStackWithMonitoring = (stack: string, cfg: CdbConfig): StackPlan => planStack(stack, cfg, monitoringFiles);
