import type { CdbConfig } from "../../config/schema";
import { SIMULATOR } from "../../config/services";

/**
 * Rehearsal: the services that call MEXC (risk for the balance, execution for
 * orders) trust the stack's CA, which the simulator made at its first start.
 * `requests` reads REQUESTS_CA_BUNDLE instead of its own bundle, so the real
 * MEXC's certificate would not even be trusted there.
 */
export const rehearsalTrust = (cfg: CdbConfig): Record<string, string> => (cfg.mode === "rehearsal" ? { REQUESTS_CA_BUNDLE: SIMULATOR.caFile } : {});
