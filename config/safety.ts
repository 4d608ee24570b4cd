import type { RawSetting } from "./load";

// Safety is not readiness. A risk limit beyond the runbook's bounds, a
// credential stored in plaintext, an unpinned or locally built live image are
// wrong wherever they appear, whether or not the gate is ready and whether or
// not the program declares the trading containers (it leaves them out of a
// live preview whose gate is not ready, so a policy on containers alone never
// saw them). These rules read the stack's raw `cdb:` settings, so they also
// judge a live config that still lacks its operator settings.
// The one home of the safety rules: the config schema, the plan, the gate's
// machine checks, the policy pack and the operations commands take the
// bounds, the early-live cap, the trading flags and what "trades for real"
// and "is live" mean from here. It imports nothing of the schema: the schema
// imports it.

/** The runbook's bounds, by config key and by the environment variable risk reads: 0 < value <= max. */
export const RISK_BOUNDS = {
  maxPositionPct: { env: "MAX_POSITION_PCT", max: 0.1 },
  maxTotalExposurePct: { env: "MAX_TOTAL_EXPOSURE_PCT", max: 0.3 },
  maxDailyDrawdownPct: { env: "MAX_DAILY_DRAWDOWN_PCT", max: 0.05 },
} as const;

/** The runbook's early-live cap: no allocation share above 2 % while live is young. */
export const EARLY_LIVE_MAX_ALLOC_CAP = 0.02;

/**
 * `value` (a number, or the text an environment holds) within (0, max], or
 * [0, max] for a share that may be zero; the problem otherwise, naming the
 * value as written.
 */
export function outsideBound(what: string, value: unknown, max: number, opts: { zeroAllowed?: boolean } = {}): string | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n)) return `${what} is not a number (${value === undefined ? "unset" : JSON.stringify(value)})`;
  const low = opts.zeroAllowed ? n >= 0 : n > 0;
  return low && n <= max ? undefined : `${what}=${typeof value === "string" ? value : n} is outside ${opts.zeroAllowed ? "[" : "("}0, ${max}]`;
}

/** A stack trades real money when its mode says so, or when it is the stack named live. */
export const isLiveStack = (stack: string, mode: unknown): boolean => mode === "live" || stack === "live";

/** The settings that are credentials: set with --secret, never echoed, never in plaintext. */
export const SECRET_SETTINGS = ["mexcApiKey", "mexcApiSecret", "smtpUser", "smtpPassword", "smtpFrom", "alertEmailTo"] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

/** `<repo>@sha256:<manifest digest>` (a registry), or `sha256:<image id>` (an image already on the live stack's Docker host). */
const DIGEST = /(?:^|@)sha256:[0-9a-f]{64}$/;
/** Live runs only images pinned by digest. */
export const isPinnedByDigest = (image: string): boolean => DIGEST.test(image);

/** The four flags the runbook switches by hand, at their paper values (in the order containers list them). */
export const PAPER_FLAGS = { MOCK_TRADING: "true", DRY_RUN: "true", USE_REAL_BALANCE: "false", MEXC_TESTNET: "true" } as const;
export type TradingFlag = keyof typeof PAPER_FLAGS;
/** Their values where the live executor runs: live, and a rehearsal against the simulator. */
const LIVE_FLAGS: Record<TradingFlag, string> = { MOCK_TRADING: "false", DRY_RUN: "false", USE_REAL_BALANCE: "true", MEXC_TESTNET: "false" };
/** The flags each service reads; in a paper stack each sets them explicitly to their paper values. */
export const FLAGS_READ_BY: Readonly<Record<string, readonly TradingFlag[]>> = {
  execution: ["MOCK_TRADING", "DRY_RUN", "USE_REAL_BALANCE", "MEXC_TESTNET"],
  risk: ["USE_REAL_BALANCE", "MEXC_TESTNET"],
};
/** Execution's switch past its live safety gate: only a live executor carries it, whatever its value. */
export const LIVE_CONFIRMATION = "CONFIRM_LIVE_TRADING";

/** The live executor runs in live, and in a rehearsal against the simulator (never counted as live). */
export const runsLiveExecutor = (mode: unknown): boolean => mode === "live" || mode === "rehearsal";

/** The four flags follow the mode and nothing else. */
export function tradingFlags(mode: string): Record<TradingFlag, string> {
  return { ...(runsLiveExecutor(mode) ? LIVE_FLAGS : PAPER_FLAGS) };
}

/**
 * A container with these settings could move real money if it ran: any
 * trading flag that is present with anything but its exact paper value
 * ("False", "0", "no" included) counts as live.
 */
export const tradesForReal = (env: Readonly<Record<string, string>>): boolean =>
  ("MOCK_TRADING" in env && env.MOCK_TRADING !== PAPER_FLAGS.MOCK_TRADING) ||
  ("USE_REAL_BALANCE" in env && env.USE_REAL_BALANCE !== PAPER_FLAGS.USE_REAL_BALANCE) ||
  LIVE_CONFIRMATION in env;

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
