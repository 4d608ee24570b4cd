import { readInputText } from "../config/inputFile";
import path from "node:path";
import ccxt from "ccxt";
import { keyFingerprint } from "../config/schema";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { authFailed, notFound, OpsRefused, unreachable, UnusableInput } from "../platform/errors";
import { readYamlFile } from "../readiness/yamlFile";
import { statement, writeRecord, type Statement } from "./records";

// `cdb exchange check`: the stack's MEXC key against MEXC (or, in tests, the
// simulator) through ccxt. Two signed reads and one test order, nothing that
// can move funds: GET /api/v3/account (no withdrawal right, spot only, at least
// 100 USDT) and POST /api/v3/order/test (MEXC validates key, signature and
// parameters and trades nothing). One record with the responses, never the
// key or secret.

export const MEXC_URL = "https://api.mexc.com";
export const CHECK_PREDICATE = "https://cdb-deploy.dev/exchange-check/v1";
export const CHECK_DIR = path.join(REPO_ROOT, "readiness", "artifacts", "exchange-check");
export const MIN_USDT = 100;
/** The test order's value in USDT: above MEXC's floor, and it never trades anyway. */
const TEST_ORDER_USDT = 5;

/** The only ccxt calls this check may make: none of them can move funds. */
export const ALLOWED_CALLS = ["spotPublicGetTickerPrice", "spotPrivateGetAccount", "spotPrivatePostOrderTest"] as const;

export interface Credentials {
  key: string;
  secret: string;
}

export interface CheckItem {
  id: string;
  proves: string[];
  passed: boolean;
  detail: string;
}

export interface CheckPredicate {
  kind: "cdb-exchange-check";
  version: 1;
  stack: string;
  window: { from: string; to: string };
  outcome: "passed" | "failed";
  apiUrl: string;
  keyFingerprint: string;
  checks: CheckItem[];
  /** Checklist items this record proves (every check they need passed). */
  proves: string[];
  raw: { account?: unknown; orderTest?: { request: Record<string, string>; response: unknown }; error?: string };
  [figure: string]: unknown;
}

const readSecretFile = (file: string, flag: string): string => {
  let text: string;
  try {
    text = readInputText(file, { maxBytes: 64 * 1024 });
  } catch (e) {
    if (e instanceof UnusableInput) throw e;
    throw new UnusableInput(file, `cannot read ${flag} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const v = text.trim();
  if (v === "" || /\s/.test(v)) throw new UnusableInput(file, `${flag} must hold one value on one line`);
  return v;
};

/** The key from files (tests, or a key not yet in the stack), else from the stack's Pulumi secrets. */
export async function credentials(stack: string, o: { keyFile?: string; secretFile?: string }): Promise<Credentials> {
  if (o.keyFile || o.secretFile) {
    if (!o.keyFile || !o.secretFile) throw new UnusableInput(o.keyFile ? "--secret-file" : "--key-file", "--key-file and --secret-file go together");
    return { key: readSecretFile(o.keyFile, "--key-file"), secret: readSecretFile(o.secretFile, "--secret-file") };
  }
  const { openStack } = (require("../ops/pulumiStack") as typeof import("../ops/pulumiStack"));
  const { PassphraseMissing } = (require("../platform/pulumiEnv") as typeof import("../platform/pulumiEnv"));
  let config: Record<string, { value: string }>;
  try {
    config = await (await openStack(stack)).getAllConfig();
  } catch (e) {
    if (e instanceof PassphraseMissing) throw new OpsRefused(e.message);
    throw e;
  }
  const key = config["cdb:mexcApiKey"]?.value;
  const secret = config["cdb:mexcApiSecret"]?.value;
  if (!key || !secret) throw notFound(`stack ${stack} has no ${!key ? "cdb:mexcApiKey" : "cdb:mexcApiSecret"}: pulumi config set --secret ${!key ? "cdb:mexcApiKey" : "cdb:mexcApiSecret"} (or pass --key-file/--secret-file)`);
  return { key, secret };
}

/** Symbol and key fingerprint from the stack's config file, without validating the rest. */
export function stackFacts(stack: string, configFile = stackConfigFile(stack)): { mode: string; symbol: string; fingerprint?: string } {
  const y = readYamlFile(configFile);
  const c = ((y.value as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof c[k] === "string" ? (c[k] as string) : undefined);
  const fp = str("cdb:mexcKeyFingerprint");
  return { mode: str("cdb:mode") ?? "paper", symbol: str("cdb:symbol") ?? "BTCUSDT", ...(fp ? { fingerprint: fp } : {}) };
}

function classify(e: unknown): Error {
  const msg = (e as Error).message?.split("\n")[0] ?? String(e);
  if (e instanceof ccxt.AuthenticationError) return authFailed(`MEXC refused the key: ${msg}`);
  if (e instanceof ccxt.NetworkError) return unreachable(`MEXC did not answer: ${msg}`);
  return e as Error;
}

const round = (n: number, digits: number) => Math.ceil(n * 10 ** digits) / 10 ** digits;

export async function checkExchange(o: { stack: string; creds: Credentials; apiUrl?: string; symbol: string; fingerprint?: string; timeoutMs?: number }): Promise<Statement<CheckPredicate>> {
  const from = new Date().toISOString();
  const apiUrl = (o.apiUrl ?? MEXC_URL).replace(/\/$/, "");
  const ex = new ccxt.mexc({
    apiKey: o.creds.key,
    secret: o.creds.secret,
    timeout: o.timeoutMs ?? 10_000,
    // Three requests: ccxt's pacing would only add seconds.
    enableRateLimit: false,
    urls: { api: { spot: { public: apiUrl, private: apiUrl } } },
  });
  const call = (name: (typeof ALLOWED_CALLS)[number], params: Record<string, string>) => (ex as unknown as Record<string, (p: Record<string, string>) => Promise<unknown>>)[name]!(params);
  const fp = keyFingerprint(o.creds.key);
  const checks: CheckItem[] = [];
  const raw: CheckPredicate["raw"] = {};
  if (o.fingerprint !== undefined) {
    checks.push({ id: "key-is-the-stacks", proves: [], passed: fp === o.fingerprint, detail: fp === o.fingerprint ? `key fingerprint ${fp} is cdb:mexcKeyFingerprint` : `key fingerprint ${fp} is not cdb:mexcKeyFingerprint ${o.fingerprint}: this key is not the one the stack's evidence is bound to` });
  }
  try {
    const account = (await call("spotPrivateGetAccount", {})) as { canWithdraw?: unknown; canTrade?: unknown; permissions?: unknown; balances?: { asset: string; free: string; locked: string }[] };
    raw.account = account;
    checks.push({ id: "no-withdrawal", proves: ["secrets.key-permissions"], passed: account.canWithdraw === false, detail: `canWithdraw is ${JSON.stringify(account.canWithdraw)}` });
    const perms = Array.isArray(account.permissions) ? account.permissions : [];
    const spotOnly = perms.length === 1 && perms[0] === "SPOT";
    checks.push({ id: "spot-only", proves: ["secrets.key-permissions"], passed: spotOnly, detail: `permissions ${JSON.stringify(account.permissions)}${spotOnly ? "" : ' (want exactly ["SPOT"])'}` });
    checks.push({ id: "can-trade", proves: ["secrets.key-permissions"], passed: account.canTrade === true, detail: `canTrade is ${JSON.stringify(account.canTrade)}` });
    const usdt = account.balances?.find((b) => b.asset === "USDT");
    const free = usdt ? Number(usdt.free) : 0;
    checks.push({ id: "usdt-balance", proves: ["risk.account-balance"], passed: free >= MIN_USDT, detail: `USDT free ${usdt?.free ?? "0"} (at least ${MIN_USDT})` });

    const ticker = (await call("spotPublicGetTickerPrice", { symbol: o.symbol })) as { price?: string };
    const price = Number(ticker.price);
    if (!(price > 0)) throw new Error(`no price for ${o.symbol}: ${JSON.stringify(ticker)}`);
    // A limit buy at half the price: valid, far from the book, and a test order trades nothing anyway.
    const limit = round(price / 2, 2);
    const request = { symbol: o.symbol, side: "BUY", type: "LIMIT", quantity: String(round(TEST_ORDER_USDT / limit, 6)), price: String(limit) };
    try {
      const response = await call("spotPrivatePostOrderTest", request);
      raw.orderTest = { request, response };
      const ok = response !== null && typeof response === "object" && Object.keys(response as object).length === 0;
      checks.push({ id: "test-order", proves: ["secrets.mainnet-verified", "secrets.testnet-verified"], passed: ok, detail: ok ? "POST /api/v3/order/test accepted key, signature and parameters" : `unexpected answer ${JSON.stringify(response)}` });
    } catch (e) {
      // The account read passed with the same key and signing: a refusal here (700007, no
      // trade permission) is a failed check with a record, not a broken key.
      if (e instanceof ccxt.NetworkError || (e instanceof ccxt.AuthenticationError && /"code":\s*70000[12]\b/.test((e as Error).message))) throw e;
      raw.orderTest = { request, response: { error: (e as Error).message } };
      checks.push({ id: "test-order", proves: ["secrets.mainnet-verified", "secrets.testnet-verified"], passed: false, detail: `MEXC refused the test order: ${(e as Error).message}` });
    }
  } catch (e) {
    throw classify(e);
  }
  const failedItems = new Set(checks.filter((c) => !c.passed).flatMap((c) => c.proves));
  const keyMismatch = checks.some((c) => c.id === "key-is-the-stacks" && !c.passed);
  const proves = keyMismatch ? [] : [...new Set(checks.flatMap((c) => c.proves))].filter((i) => !failedItems.has(i)).sort();
  return statement(CHECK_PREDICATE, {
    kind: "cdb-exchange-check",
    version: 1,
    stack: o.stack,
    window: { from, to: new Date().toISOString() },
    outcome: checks.every((c) => c.passed) ? "passed" : "failed",
    apiUrl,
    keyFingerprint: fp,
    checks,
    proves,
    raw,
  });
}

export const writeCheckRecord = (s: Statement<CheckPredicate>, dir = CHECK_DIR) => writeRecord(s, dir, `${s.predicate.stack}-exchange-check`);
