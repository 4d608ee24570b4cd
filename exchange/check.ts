import path from "node:path";
import tls from "node:tls";
import { readInputText } from "../config/inputFile";
import ccxt from "ccxt";
import { keyFingerprint } from "../config/schema";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { authFailed, notFound, OpsRefused, unreachable, UnusableInput } from "../platform/errors";
import { withoutSignedQueries } from "./signing";
import { readYamlFile } from "../readiness/yamlFile";
import { MEXC_URL, MIN_USDT, type CheckEndpoint, type CheckFigures, type PeerCertificate } from "../readiness/exchangeRecordKinds";
import { writeRecord, type Statement, type WrittenRecord } from "../readiness/records";
import { checkStatement, checkSubjects } from "./statements";

// `cdb exchange check`: the stack's MEXC key against MEXC (or, in tests, the
// simulator) through ccxt. Two signed reads and one test order, nothing that
// can move funds: GET /api/v3/account (no withdrawal right, spot only, at least
// 100 USDT) and POST /api/v3/order/test (MEXC validates key, signature and
// parameters and trades nothing). One record with the responses, never the
// key or secret.

export { MEXC_URL, MIN_USDT };
export const CHECK_DIR = path.join(REPO_ROOT, "readiness", "artifacts", "exchange-check");
/** The test order's value in USDT: above MEXC's floor, and it never trades anyway. */
const TEST_ORDER_USDT = 5;

/** The only ccxt calls this check may make: none of them can move funds. */
export const ALLOWED_CALLS = ["spotPublicGetTickerPrice", "spotPrivateGetAccount", "spotPrivatePostOrderTest"] as const;

export interface Credentials {
  key: string;
  secret: string;
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
  const { pulumiStep } = (require("../ops/pulumiErrors") as typeof import("../ops/pulumiErrors"));
  const { PassphraseMissing } = (require("../config/stackPassphrase") as typeof import("../config/stackPassphrase"));
  let config: Record<string, { value: string }>;
  try {
    config = await pulumiStep(async () => (await openStack(stack)).getAllConfig(), stack);
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
export function stackFacts(stack: string, configFile = stackConfigFile(stack)): { mode: string; symbol: string; fingerprint?: string; images: Record<string, string> } {
  const y = readYamlFile(configFile);
  const c = ((y.value as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof c[k] === "string" ? (c[k] as string) : undefined);
  const fp = str("cdb:mexcKeyFingerprint");
  const images = c["cdb:images"] && typeof c["cdb:images"] === "object" ? Object.fromEntries(Object.entries(c["cdb:images"] as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
  return { mode: str("cdb:mode") ?? "paper", symbol: str("cdb:symbol") ?? "BTCUSDT", ...(fp ? { fingerprint: fp } : {}), images };
}

/**
 * A TLS handshake with the API's host, verified against Node's bundled public
 * roots only (`tls.rootCertificates`: NODE_EXTRA_CA_CERTS and a rehearsal
 * stack's CA are not among them): what the record says about the endpoint.
 */
export async function probeTls(apiUrl: string, timeoutMs = 10_000): Promise<CheckEndpoint["tls"]> {
  const u = new URL(apiUrl);
  if (u.protocol !== "https:") return undefined;
  return new Promise((resolve) => {
    const socket = tls.connect({ host: u.hostname, port: Number(u.port || 443), servername: u.hostname, ca: [...tls.rootCertificates], rejectUnauthorized: false, timeout: timeoutMs });
    const done = (t: NonNullable<CheckEndpoint["tls"]>) => {
      socket.destroy();
      resolve(t);
    };
    socket.once("secureConnect", () => {
      const c = socket.getPeerCertificate();
      const name = (x: Record<string, unknown> | undefined) => Object.entries(x ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(", ");
      const peer: PeerCertificate | undefined = c && c.fingerprint256 ? { subject: name(c.subject as unknown as Record<string, unknown>), issuer: name(c.issuer as unknown as Record<string, unknown>), subjectaltname: c.subjectaltname ?? "", fingerprint256: c.fingerprint256, validFrom: c.valid_from, validTo: c.valid_to } : undefined;
      done({ trust: "public-roots", authorized: socket.authorized, ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}), ...(socket.getProtocol() ? { protocol: socket.getProtocol()! } : {}), ...(peer ? { peer } : {}) });
    });
    socket.once("timeout", () => done({ trust: "public-roots", authorized: false, authorizationError: "TLS handshake timed out" }));
    socket.once("error", (e) => done({ trust: "public-roots", authorized: false, authorizationError: e.message }));
  });
}

function classify(e: unknown): Error {
  const msg = withoutSignedQueries((e as Error).message?.split("\n")[0] ?? String(e));
  if (e instanceof ccxt.AuthenticationError) return authFailed(`MEXC refused the key: ${msg}`);
  if (e instanceof ccxt.NetworkError) return unreachable(`MEXC did not answer: ${msg}`);
  // Any other answer of the exchange: the same line without the signed URL ccxt puts in it.
  if (e instanceof ccxt.BaseError) return new Error(msg);
  return e as Error;
}

const round = (n: number, digits: number) => Math.ceil(n * 10 ** digits) / 10 ** digits;

export interface CheckRequest {
  stack: string;
  /** The stack's cdb:mode: a check record counts for a live stack only. */
  mode: "paper" | "live" | "rehearsal";
  /** allowed_signers principal of the signing key (predicate.by). */
  by: string;
  creds: Credentials;
  apiUrl?: string;
  symbol: string;
  images?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The check: the account and a test order through ccxt, then a TLS handshake
 * with the API's host. The record holds the raw answers (never key, secret or
 * a signed URL); what they prove is judged from them by the gate's own rules
 * (readiness/exchangeRecordKinds.ts), also for what this command prints.
 */
export async function checkExchange(o: CheckRequest): Promise<Statement> {
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
  const figures: CheckFigures = { endpoint: { url: apiUrl }, keyFingerprint: keyFingerprint(o.creds.key), symbol: o.symbol };
  try {
    figures.account = (await call("spotPrivateGetAccount", {})) as CheckFigures["account"];
    const ticker = (await call("spotPublicGetTickerPrice", { symbol: o.symbol })) as { price?: string };
    const price = Number(ticker.price);
    if (!(price > 0)) throw new Error(`no price for ${o.symbol}: ${JSON.stringify(ticker)}`);
    // A limit buy at half the price: valid, far from the book, and a test order trades nothing anyway.
    const limit = round(price / 2, 2);
    const request = { symbol: o.symbol, side: "BUY", type: "LIMIT", quantity: String(round(TEST_ORDER_USDT / limit, 6)), price: String(limit) };
    try {
      figures.orderTest = { request, response: await call("spotPrivatePostOrderTest", request) };
    } catch (e) {
      // The account read passed with the same key and signing: a refusal here (700007, no
      // trade permission) is a failed check with a record, not a broken key.
      if (e instanceof ccxt.NetworkError || (e instanceof ccxt.AuthenticationError && /"code":\s*70000[12]\b/.test((e as Error).message))) throw e;
      figures.orderTest = { request, error: withoutSignedQueries((e as Error).message.split("\n")[0]!) };
    }
  } catch (e) {
    throw classify(e);
  }
  const endpointTls = await probeTls(apiUrl, o.timeoutMs);
  if (endpointTls) figures.endpoint.tls = endpointTls;
  return checkStatement(figures, { stack: o.stack, mode: o.mode, by: o.by, window: { from, to: new Date().toISOString() }, subjects: checkSubjects(o.creds.key, o.images ?? {}) });
}

export const writeCheckRecord = (s: Statement, key: string | undefined, dir = CHECK_DIR): WrittenRecord =>
  writeRecord(s, path.join(dir, `${s.predicate.stack}-exchange-check-${s.predicate.window.to.replace(/[:.]/g, "-")}.json`), key);
