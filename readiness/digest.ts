import { createHash } from "node:crypto";
import type { StackPlan } from "../model/plan";

// Binds evidence to one configuration: the trading-relevant settings as the
// containers receive them (mode flags, risk limits, allocation rules, the traded symbol) and
// every image. Anything else (ports, log level) may change without voiding it.

const TRADING_ENV = /^(MOCK_TRADING|DRY_RUN|USE_REAL_BALANCE|MEXC_TESTNET|MEXC_SYMBOL|MAX_|STOP_LOSS_PCT|EARLY_LIVE_MAX_ALLOC|ALLOCATION_)/;

/** JSON with sorted keys, so the digest does not depend on declaration order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function tradingSettings(plan: StackPlan): unknown {
  return {
    stack: plan.stack,
    mode: plan.mode,
    // Another API key is another account or other permissions.
    mexcKey: plan.mexcKeyFingerprint ?? null,
    containers: Object.fromEntries(
      plan.containers.map((c) => [
        c.service,
        {
          image: c.image.kind === "ref" ? c.image.ref : `build:${c.image.context}`,
          env: Object.fromEntries(
            Object.entries(c.env)
              .filter(([k]) => TRADING_ENV.test(k))
              // Allocation rules are JSON text: digest their meaning, not their spelling.
              .map(([k, v]) => [k, k === "ALLOCATION_RULES_JSON" ? JSON.parse(v) : v]),
          ),
        },
      ]),
    ),
  };
}

export function configDigest(plan: StackPlan): string {
  return createHash("sha256").update(canonical(tradingSettings(plan))).digest("hex");
}
