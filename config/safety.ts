import type { RawSetting } from "./load";
import { EARLY_LIVE_MAX_ALLOC_CAP, isPinnedByDigest, SECRET_SETTINGS } from "./schema";

// Safety is not readiness. A risk limit beyond the runbook's bounds, a
// credential stored in plaintext, an unpinned or locally built live image are
// wrong wherever they appear, whether or not the gate is ready and whether or
// not the program declares the trading containers (it leaves them out of a
// live preview whose gate is not ready, so a policy on containers alone never
// saw them). These rules read the stack's raw `cdb:` settings, so they also
// judge a live config that still lacks its operator settings. The policy pack
// (config-safety), the pull-request check and the readiness machine checks
// take the bounds from here.

/** The runbook's bounds, by config key and by the environment variable risk reads: 0 < value <= max. */
export const RISK_BOUNDS = {
  maxPositionPct: { env: "MAX_POSITION_PCT", max: 0.1 },
  maxTotalExposurePct: { env: "MAX_TOTAL_EXPOSURE_PCT", max: 0.3 },
  maxDailyDrawdownPct: { env: "MAX_DAILY_DRAWDOWN_PCT", max: 0.05 },
} as const;

export { EARLY_LIVE_MAX_ALLOC_CAP };

/** `value` within (0, max]; the problem otherwise. */
export function outsideBound(what: string, value: unknown, max: number): string | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n)) return `${what} is not a number (${value === undefined ? "unset" : JSON.stringify(value)})`;
  return n > 0 && n <= max ? undefined : `${what}=${n} is outside (0, ${max}]`;
}

/** A stack trades real money when its mode says so, or when it is the stack named live. */
export const isLiveStack = (stack: string, mode: unknown): boolean => mode === "live" || stack === "live";

export function safetyViolations(stack: string, raw: ReadonlyMap<string, RawSetting>): string[] {
  const problems: string[] = [];
  const risk = raw.get("risk")?.value;
  if (risk !== undefined && risk !== null && typeof risk === "object") {
    for (const [key, { max }] of Object.entries(RISK_BOUNDS)) {
      const v = (risk as Record<string, unknown>)[key];
      if (v === undefined) continue; // the default is within the bound
      const p = outsideBound(`cdb:risk.${key}`, v, max);
      if (p) problems.push(`${p}: the runbook's bound`);
    }
  }
  for (const key of SECRET_SETTINGS) {
    if (raw.get(key)?.secret === false) problems.push(`cdb:${key} is stored in plaintext: set it with --secret`);
  }
  if (isLiveStack(stack, raw.get("mode")?.value)) {
    const images = raw.get("images")?.value;
    if (images !== null && typeof images === "object") {
      for (const [service, image] of Object.entries(images as Record<string, unknown>)) {
        if (typeof image !== "string" || !isPinnedByDigest(image)) problems.push(`cdb:images.${service} is not pinned by digest in a live stack (…@sha256:<64 hex>)`);
      }
    }
    if (raw.get("sourceDir")?.value !== undefined) problems.push("cdb:sourceDir is set in a live stack: live runs pinned registry images and builds none");
    if (raw.get("hardening")?.value === false) problems.push("cdb:hardening is false in a live stack: it must stay true");
  }
  return problems;
}
