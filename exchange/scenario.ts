import { readInputText } from "../config/inputFile";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";

// A scenario scripts what the simulated MEXC does: starting balances, ticker
// prices, what the account reports about its key, the rate limit, and faults
// for given order attempts (the nth POST /api/v3/order that passed the key and
// signature checks, counted from 1). `rehearsal` says what `cdb rehearse`
// feeds. Which checklist items a run proves is the gate's rule, judged from
// the record (readiness/exchangeRecordKinds.ts), never a list in the scenario.

const decimal = z.string().regex(/^\d+(\.\d+)?$/, "must be a decimal number in quotes, e.g. \"1000\"");

const fault = z.strictObject({
  /** Which order attempts (1-based); `all` for every one. */
  nth: z.union([z.array(z.number().int().positive()).min(1), z.literal("all")]),
  /** Fraction of the quantity filled (0..1); the rest stays open (LIMIT) or is cancelled (MARKET). */
  fill: z.number().min(0).max(1).optional(),
  /** Accept (and fill) the order, then answer only after this many ms: past the client's time-out. */
  delayMs: z.number().int().positive().max(600_000).optional(),
  /** Answer with this HTTP status without accepting the order. */
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).optional(),
  /** Refuse the attempt as MEXC does for a bad signature (700002) or too little balance (30004). */
  reject: z.enum(["signature", "insufficient-balance"]).optional(),
});
export type Fault = z.infer<typeof fault>;

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
  description: z.string().optional(),
  balances: z.record(z.string().regex(/^[A-Z0-9]+$/, "asset names are uppercase"), decimal).default({ USDT: "1000" }),
  prices: z.record(z.string().regex(/^[A-Z0-9]+USDT$/, "symbols are <BASE>USDT"), decimal).default({ BTCUSDT: "50000", ETHUSDT: "3000" }),
  account: z
    .strictObject({
      canTrade: z.boolean().default(true),
      canWithdraw: z.boolean().default(false),
      canDeposit: z.boolean().default(false),
      permissions: z.array(z.string()).default(["SPOT"]),
    })
    .default({ canTrade: true, canWithdraw: false, canDeposit: false, permissions: ["SPOT"] }),
  rateLimit: z
    .strictObject({
      perMinute: z.number().int().positive(),
      /**
       * Requests already counted in the sliding minute when the scenario loads (the key's other
       * users, an earlier burst): a burst then reaches the limit after perMinute − usedAtStart
       * requests whatever the machine's speed, so the 429s are scripted, not timed.
       */
      usedAtStart: z.number().int().min(0).default(0),
    })
    .refine((r) => r.usedAtStart <= r.perMinute, { message: "usedAtStart cannot exceed perMinute" })
    .default({ perMinute: 600, usedAtStart: 0 }),
  orders: z.array(fault).default([]),
  rehearsal: z
    .strictObject({
      orders: z.number().int().positive().max(5000),
      symbol: z.string().default("BTCUSDT"),
      side: z.enum(["BUY", "SELL"]).default("BUY"),
      quantity: decimal.default("0.001"),
      /** Whether every order must end up on the exchange (false: the scenario refuses them on purpose). */
      mustAccept: z.boolean().default(true),
      /** How long to wait for execution's results after the last order. */
      waitMs: z.number().int().positive().default(30_000),
      /** What this scenario shows, for the report. */
      shows: z.string().optional(),
    })
    .optional(),
});
export type Scenario = z.infer<typeof scenarioSchema>;

/** Without a scenario: every order fills in full at its ticker price, 1,000 USDT to start. */
export const DEFAULT_SCENARIO: Scenario = scenarioSchema.parse({ name: "default" });

export function parseScenario(value: unknown, file: string): Scenario {
  const r = scenarioSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UnusableInput(file, `${issue.path.length ? issue.path.join(".") : "scenario"}: ${issue.message}`);
  }
  return r.data;
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readInputText(file);
  } catch (e) {
    if (e instanceof UnusableInput) throw e;
    throw new UnusableInput(file, `cannot read the scenario (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new UnusableInput(file, `not YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  return parseScenario(value, file);
}

/** The fault scripted for the nth order attempt, if any (the first rule that names it). */
export function faultFor(s: Scenario, nth: number): Fault | undefined {
  return s.orders.find((f) => f.nth === "all" || f.nth.includes(nth));
}

export const SCENARIO_DIR = path.join(REPO_ROOT, "exchange", "scenarios");
