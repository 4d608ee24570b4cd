import type { RecordKind, RecordPredicate } from "./recordKinds";

// The two record kinds of the exchange issue, each rule in one place: what
// `cdb rehearse` (exchange/rehearse.ts) and `cdb exchange check`
// (exchange/check.ts) write, and what the gate demands of them per item. The
// gate reads the raw figures; nothing a record says about itself ("proves",
// a summary) is trusted.
//
// - `exchange-rehearsal`: one scenario run on a rehearsal stack. An item counts
//   only from a scenario that scripted its fault and in which that fault
//   happened (a baseline record proves no retry), and only when execution's
//   reports matched the exchange's book.
// - `exchange-check`: the live key against MEXC itself. It proves nothing
//   unless it talked to MEXC's mainnet URL over TLS that Node's bundled public
//   roots verified for api.mexc.com: a simulator (any other URL, a private CA)
//   can never stand in for MEXC.

/** MEXC's spot API, the only endpoint a check record may prove anything from. */
export const MEXC_URL = "https://api.mexc.com";
export const MEXC_HOST = "api.mexc.com";
/** MEXC's documented limit for the spot API. */
export const MEXC_REQUESTS_PER_MINUTE = 600;
/**
 * The trading system's client time-out (core/clients/mexc.py, `timeout=10`):
 * a scripted delay proves time-out handling only when it is longer.
 */
export const EXECUTOR_TIMEOUT_MS = 10_000;
export const MIN_USDT = 100;

export const REHEARSAL_KIND = "exchange-rehearsal";
export const CHECK_KIND = "exchange-check";

// ---------------------------------------------------------------- rehearsal

export interface RehearsalFault {
  nth: number[] | "all";
  fill?: number;
  delayMs?: number;
  status?: number;
  reject?: string;
}

export interface RehearsalFigures {
  scenario: {
    name: string;
    description?: string;
    shows?: string;
    faults: RehearsalFault[];
    rateLimit: { perMinute: number; usedAtStart: number };
    orders: number;
    mustAccept: boolean;
  };
  /** Execution's networks as Docker reported them when the rehearsal started. */
  isolation: { execution: string; networks: { name: string; internal: boolean }[] };
  sent: number;
  attempts: number;
  accepted: number;
  filledOnExchange: number;
  fullyFilledOnExchange: number;
  retried: number;
  reported: Record<string, number>;
  statusMismatches: number;
  filledButReportedFailed: number;
  lost: number;
  /** Why the lost orders were lost, by MEXC code (or "429-or-never-sent"), when any was. */
  lostWith?: Record<string, number>;
  /** The first requests of lost orders the exchange refused before they were attempts: code, message, and for 700002 what was signed against what was sent. */
  refusals?: { code: number; message: string; quantity?: string; signature?: { sent: string; sorted: string; signedSorted: boolean } }[];
  duplicates: number;
  requestRate: { peakPerMinute: number; limitPerMinute: number; rateLimited: number; total: number; usedAtStart: number };
  /** The scripted faults the exchange really answered with, from its book. */
  faultsHit: { serverErrors: number; delayedAnswers: number; partialFills: number; rateLimited: number };
  metrics?: { before: Record<string, number>; after: Record<string, number> };
  mismatches: { clientId: string; kind: string; exchange: unknown; reported: unknown[] }[];
  mismatchesShown: number;
  upstream: string[];
}

const int = { type: "integer", minimum: 0 };
const numberMap = { type: "object", additionalProperties: { type: "number" } };

const rehearsalFigures = {
  type: "object",
  additionalProperties: false,
  required: ["scenario", "isolation", "sent", "attempts", "accepted", "filledOnExchange", "fullyFilledOnExchange", "retried", "reported", "statusMismatches", "filledButReportedFailed", "lost", "duplicates", "requestRate", "faultsHit", "mismatches", "mismatchesShown", "upstream"],
  properties: {
    scenario: {
      type: "object",
      additionalProperties: false,
      required: ["name", "faults", "rateLimit", "orders", "mustAccept"],
      properties: {
        name: { type: "string", minLength: 1 },
        description: { type: "string" },
        shows: { type: "string" },
        faults: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["nth"],
            properties: {
              nth: { anyOf: [{ const: "all" }, { type: "array", minItems: 1, items: { type: "integer", minimum: 1 } }] },
              fill: { type: "number", minimum: 0, maximum: 1 },
              delayMs: { type: "integer", minimum: 1 },
              status: { type: "integer" },
              reject: { type: "string" },
            },
          },
        },
        rateLimit: { type: "object", additionalProperties: false, required: ["perMinute", "usedAtStart"], properties: { perMinute: { type: "integer", minimum: 1 }, usedAtStart: int } },
        orders: { type: "integer", minimum: 1 },
        mustAccept: { type: "boolean" },
      },
    },
    isolation: {
      type: "object",
      additionalProperties: false,
      required: ["execution", "networks"],
      properties: {
        execution: { type: "string" },
        networks: { type: "array", minItems: 1, items: { type: "object", additionalProperties: false, required: ["name", "internal"], properties: { name: { type: "string" }, internal: { type: "boolean" } } } },
      },
    },
    sent: int,
    attempts: int,
    accepted: int,
    filledOnExchange: int,
    fullyFilledOnExchange: int,
    retried: int,
    reported: numberMap,
    statusMismatches: int,
    filledButReportedFailed: int,
    lost: int,
    lostWith: numberMap,
    refusals: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["code", "message"],
        properties: {
          code: { type: "integer" },
          message: { type: "string" },
          quantity: { type: "string" },
          signature: { type: "object", additionalProperties: false, required: ["sent", "sorted", "signedSorted"], properties: { sent: { type: "string" }, sorted: { type: "string" }, signedSorted: { type: "boolean" } } },
        },
      },
    },
    duplicates: int,
    requestRate: {
      type: "object",
      additionalProperties: false,
      required: ["peakPerMinute", "limitPerMinute", "rateLimited", "total", "usedAtStart"],
      properties: { peakPerMinute: int, limitPerMinute: int, rateLimited: int, total: int, usedAtStart: int },
    },
    faultsHit: {
      type: "object",
      additionalProperties: false,
      required: ["serverErrors", "delayedAnswers", "partialFills", "rateLimited"],
      properties: { serverErrors: int, delayedAnswers: int, partialFills: int, rateLimited: int },
    },
    metrics: { type: "object", additionalProperties: false, required: ["before", "after"], properties: { before: numberMap, after: numberMap } },
    mismatches: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["clientId", "kind", "exchange", "reported"],
        properties: { clientId: { type: "string" }, kind: { type: "string" }, exchange: { type: "object" }, reported: { type: "array" } },
      },
    },
    mismatchesShown: int,
    upstream: { type: "array", items: { type: "string" } },
  },
};

const faults = (f: RehearsalFigures) => f.scenario.faults;

/**
 * What a rehearsal record must show to be about an item: the scenario scripted
 * the item's fault, and the exchange's book shows it happened. Problems here
 * mean the record cannot prove the item at all (another scenario's record).
 */
export const REHEARSAL_ITEMS: Record<string, (f: RehearsalFigures) => string[]> = {
  "execution.retry-tested": (f) => [
    ...(faults(f).some((x) => x.status !== undefined && x.status >= 500) ? [] : [`scenario ${f.scenario.name} scripts no 5xx answer`]),
    ...(f.faultsHit.serverErrors > 0 ? [] : ["the exchange answered no order with a 5xx"]),
    ...(f.scenario.mustAccept ? [] : [`scenario ${f.scenario.name} does not require every order to reach the exchange`]),
  ],
  "execution.partial-fill-tested": (f) => [
    ...(faults(f).some((x) => x.fill !== undefined && x.fill > 0 && x.fill < 1) ? [] : [`scenario ${f.scenario.name} scripts no partial fill`]),
    ...(f.faultsHit.partialFills > 0 ? [] : ["the exchange filled no order partially"]),
  ],
  "execution.timeout-tested": (f) => [
    ...(faults(f).some((x) => x.delayMs !== undefined && x.delayMs > EXECUTOR_TIMEOUT_MS)
      ? []
      : [`scenario ${f.scenario.name} scripts no answer delayed past the executor's ${EXECUTOR_TIMEOUT_MS / 1000} s time-out`]),
    ...(f.faultsHit.delayedAnswers > 0 ? [] : ["the exchange delayed no answer to an accepted order"]),
  ],
  "execution.rate-limits": (f) => [
    ...(f.scenario.rateLimit.perMinute <= MEXC_REQUESTS_PER_MINUTE ? [] : [`scenario ${f.scenario.name} allows ${f.scenario.rateLimit.perMinute} requests a minute, more than MEXC's ${MEXC_REQUESTS_PER_MINUTE}`]),
    ...(f.faultsHit.rateLimited > 0 ? [] : [`the burst never reached the limit (the simulator's window peaked at ${f.requestRate.peakPerMinute} of ${f.requestRate.limitPerMinute}, no 429)`]),
    ...(f.scenario.mustAccept ? [] : [`scenario ${f.scenario.name} does not require every order to reach the exchange`]),
  ],
};

/** "700002 ×5, 429-or-never-sent ×1": why orders were lost, by code. */
export const lostCodes = (lostWith: Record<string, number>): string =>
  Object.entries(lostWith)
    .map(([code, n]) => `${code} ×${n}`)
    .join(", ");

/** Where execution's reports and the exchange's book disagree; empty when the scenario passed. */
export function rehearsalFailures(f: RehearsalFigures): string[] {
  const out: string[] = [];
  if (f.statusMismatches > 0) out.push(`${f.statusMismatches} report(s) differ from the exchange's book`);
  if (f.filledButReportedFailed > 0) out.push(`${f.filledButReportedFailed} order(s) filled on the exchange but reported as failed`);
  if (f.lost > 0) out.push(`${f.lost} order(s) never reached the exchange${f.lostWith ? ` (${lostCodes(f.lostWith)})` : ""}`);
  if (f.duplicates > 0) out.push(`${f.duplicates} order(s) placed twice`);
  if (f.scenario.mustAccept && f.accepted !== f.sent) out.push(`${f.sent - f.accepted} of ${f.sent} order(s) not on the exchange`);
  return out;
}

/** The items a rehearsal record proves, by the gate's own rules (what `cdb rehearse` prints). */
export const rehearsalProves = (f: RehearsalFigures): string[] =>
  rehearsalFailures(f).length > 0 ? [] : Object.entries(REHEARSAL_ITEMS).filter(([, need]) => need(f).length === 0).map(([id]) => id);

const rehearsalKind: RecordKind = {
  command: "npx cdb rehearse --stack rehearsal",
  counts: "passed",
  // The rehearsal stack's witness saw the executor run against the simulator and signs what it saw.
  signer: "witness",
  mode: "rehearsal",
  // A rehearsal proves the executor it ran: it counts for live only when that is the execution image live pins.
  pinnedImages: ["execution"],
  figures: rehearsalFigures,
  items: Object.fromEntries(Object.entries(REHEARSAL_ITEMS).map(([id, need]) => [id, (p: RecordPredicate) => need(p.figures as unknown as RehearsalFigures)])),
  problems(p) {
    const f = p.figures as unknown as RehearsalFigures;
    const out = rehearsalFailures(f);
    const open = f.isolation.networks.filter((n) => !n.internal).map((n) => n.name);
    if (open.length > 0) out.push(`${f.isolation.execution} was on network(s) ${open.join(", ")}, not internal: the rehearsal could reach the real MEXC`);
    if (f.sent !== f.scenario.orders) out.push(`sent ${f.sent}, the scenario feeds ${f.scenario.orders}`);
    return out;
  },
};

// ---------------------------------------------------------------- check

export interface PeerCertificate {
  subject: string;
  issuer: string;
  subjectaltname: string;
  fingerprint256: string;
  validFrom: string;
  validTo: string;
}

/**
 * The endpoint the check talked to, as it found it: the URL it was given and,
 * for https, a TLS handshake with that host verified against Node's bundled
 * public roots only (`tls.rootCertificates`: no NODE_EXTRA_CA_CERTS, no
 * private rehearsal CA).
 */
export interface CheckEndpoint {
  url: string;
  tls?: { trust: "public-roots"; authorized: boolean; authorizationError?: string; protocol?: string; peer?: PeerCertificate };
}

export interface CheckFigures {
  endpoint: CheckEndpoint;
  keyFingerprint: string;
  symbol: string;
  account?: { canTrade?: unknown; canWithdraw?: unknown; canDeposit?: unknown; permissions?: unknown; balances?: { asset: string; free: string; locked: string }[]; [k: string]: unknown };
  orderTest?: { request: Record<string, string>; response?: unknown; error?: string };
  error?: string;
}

const checkFigures = {
  type: "object",
  additionalProperties: false,
  required: ["endpoint", "keyFingerprint", "symbol"],
  properties: {
    endpoint: {
      type: "object",
      additionalProperties: false,
      required: ["url"],
      properties: {
        url: { type: "string", pattern: "^https?://" },
        tls: {
          type: "object",
          additionalProperties: false,
          required: ["trust", "authorized"],
          properties: {
            trust: { const: "public-roots" },
            authorized: { type: "boolean" },
            authorizationError: { type: "string" },
            protocol: { type: "string" },
            peer: {
              type: "object",
              additionalProperties: false,
              required: ["subject", "issuer", "subjectaltname", "fingerprint256", "validFrom", "validTo"],
              properties: { subject: { type: "string" }, issuer: { type: "string" }, subjectaltname: { type: "string" }, fingerprint256: { type: "string" }, validFrom: { type: "string" }, validTo: { type: "string" } },
            },
          },
        },
      },
    },
    keyFingerprint: { type: "string", pattern: "^[0-9a-f]{16}$" },
    symbol: { type: "string" },
    account: {
      type: "object",
      properties: { balances: { type: "array", items: { type: "object", required: ["asset", "free"], properties: { asset: { type: "string" }, free: { type: "string" }, locked: { type: "string" } } } } },
    },
    orderTest: { type: "object", additionalProperties: false, required: ["request"], properties: { request: { type: "object", additionalProperties: { type: "string" } }, response: {}, error: { type: "string" } } },
    error: { type: "string" },
  },
};

/** A SAN list (`DNS:a, DNS:*.b`) covers `host`. */
const sanCovers = (san: string, host: string) =>
  san.split(/,\s*/).some((e) => {
    const name = e.replace(/^DNS:/, "").toLowerCase();
    return name === host || (name.startsWith("*.") && host.endsWith(name.slice(1)) && host.split(".").length === name.split(".").length);
  });

/** Why the endpoint is not MEXC's mainnet; undefined when it is. Fails closed: anything missing is a problem. */
export function notMainnet(e: CheckEndpoint): string | undefined {
  const url = e.url.replace(/\/+$/, "");
  const not = `made against ${e.url}, not MEXC's mainnet`;
  if (url !== MEXC_URL) return `${not} (${MEXC_URL}): a simulator or any other endpoint proves nothing for a live stack`;
  if (!e.tls) return `${not}: no TLS handshake recorded`;
  if (!e.tls.authorized) return `${not}: its TLS certificate was not verified by the public roots (${e.tls.authorizationError ?? "unverified"})`;
  if (!e.tls.peer || !sanCovers(e.tls.peer.subjectaltname, MEXC_HOST)) return `${not}: its certificate does not name ${MEXC_HOST}`;
  return undefined;
}

export interface CheckFinding {
  id: "no-withdrawal" | "spot-only" | "can-trade" | "usdt-balance" | "test-order";
  items: string[];
  passed: boolean;
  detail: string;
}

export const usdtFree = (f: CheckFigures): number | undefined => {
  const b = f.account?.balances?.find((x) => x.asset === "USDT");
  if (!f.account) return undefined;
  const n = Number(b?.free ?? "0");
  return Number.isFinite(n) ? n : undefined;
};

/** The check's findings from its raw figures: what `cdb exchange check` prints and what the gate judges. */
export function checkFindings(f: CheckFigures): CheckFinding[] {
  const a = f.account;
  const out: CheckFinding[] = [];
  const perms = Array.isArray(a?.permissions) ? (a!.permissions as unknown[]) : [];
  const spotOnly = perms.length === 1 && perms[0] === "SPOT";
  out.push({ id: "no-withdrawal", items: ["secrets.key-permissions"], passed: a?.canWithdraw === false, detail: a ? `canWithdraw is ${JSON.stringify(a.canWithdraw)}` : "no account read" });
  out.push({ id: "spot-only", items: ["secrets.key-permissions"], passed: spotOnly, detail: a ? `permissions ${JSON.stringify(a.permissions)}${spotOnly ? "" : ' (want exactly ["SPOT"])'}` : "no account read" });
  out.push({ id: "can-trade", items: ["secrets.key-permissions"], passed: a?.canTrade === true, detail: a ? `canTrade is ${JSON.stringify(a.canTrade)}` : "no account read" });
  const usdt = usdtFree(f);
  out.push({ id: "usdt-balance", items: ["risk.account-balance"], passed: usdt !== undefined && usdt >= MIN_USDT, detail: usdt === undefined ? "no account read" : `USDT free ${usdt} (at least ${MIN_USDT})` });
  const t = f.orderTest;
  const accepted = t !== undefined && t.error === undefined && t.response !== null && typeof t.response === "object" && !Array.isArray(t.response) && Object.keys(t.response as object).length === 0;
  out.push({
    id: "test-order",
    items: ["secrets.mainnet-verified", "secrets.testnet-verified"],
    passed: accepted,
    detail: accepted ? "POST /api/v3/order/test accepted key, signature and parameters" : t ? `the test order was not accepted: ${t.error ?? JSON.stringify(t.response)}` : "no test order was sent",
  });
  return out;
}

/** Per item, the findings that failed. */
const failedFindings = (f: CheckFigures, item: string) => checkFindings(f).filter((c) => c.items.includes(item) && !c.passed);

/** Every item of a check record needs MEXC's mainnet: the simulator's account and test order prove nothing. */
const fromMainnet = (p: RecordPredicate) => {
  const n = notMainnet((p.figures as unknown as CheckFigures).endpoint);
  return n ? [n] : [];
};

/**
 * Why the check of the live key stays a person's signed record (an attested item with the record as
 * its artifact, checklist.yaml), not a witness's (issue 22): to run it, a witness would need the live
 * trading key mounted, and the witness holds the Docker socket (root-equivalent on the host), so every
 * reader of the witness would become a reader of the key; the check must reach https://api.mexc.com
 * with the public roots from the live host, so the witness would need a route out besides the key;
 * and the gate could not tell what the witness ran anyway. So a person runs `cdb exchange check`,
 * signs the record (cdb-evidence) and attests the items with it; the gate still re-judges its
 * figures (MEXC's mainnet over verified TLS, the stack's key fingerprint, the findings).
 */
const checkKind: RecordKind = {
  command: "npx cdb exchange check --stack live",
  counts: "measured",
  signer: "person",
  mode: "live",
  figures: checkFigures,
  items: Object.fromEntries(["secrets.key-permissions", "risk.account-balance", "secrets.mainnet-verified", "secrets.testnet-verified"].map((id) => [id, fromMainnet])),
  sameStack: true,
  keyFingerprint: (p) => (p.figures as unknown as CheckFigures).keyFingerprint,
  value: (p, item) => (item === "risk.account-balance" ? usdtFree(p.figures as unknown as CheckFigures) : undefined),
  problems(p, item) {
    const f = p.figures as unknown as CheckFigures;
    // The balance is judged by the item's threshold through `value`; the rest by the findings.
    const failed = item === undefined ? checkFindings(f).filter((c) => !c.passed) : failedFindings(f, item).filter((c) => c.id !== "usdt-balance");
    const out = failed.map((c) => `${c.id}: ${c.detail}`);
    if (item === "risk.account-balance" && usdtFree(f) === undefined) out.push("no account read: no balance");
    if (f.error) out.push(`the check stopped: ${f.error}`);
    return out;
  },
};

export const EXCHANGE_RECORD_KINDS: Record<string, RecordKind> = {
  [REHEARSAL_KIND]: rehearsalKind,
  [CHECK_KIND]: checkKind,
};
