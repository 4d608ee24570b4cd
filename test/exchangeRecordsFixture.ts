import { createHash } from "node:crypto";
import path from "node:path";
import { keyFingerprint } from "../config/schema";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import { MEXC_URL, type CheckFigures, type RehearsalFigures } from "../readiness/exchangeRecordKinds";
import { writeRecord, type Subject } from "../readiness/records";
import { checkStatement, checkSubjects, rehearsalStatement } from "../exchange/statements";
import { LIVE_SECRETS } from "./mockRun";

// Exchange records that pass, built with the project's own builders
// (exchange/statements.ts) from figures a passing run would have measured:
// one rehearsal per execution item, as an executor that retries, reports
// partial fills and looks a timed-out order up would produce, and one check
// of the live key against MEXC. STAND-IN LIMITS: no executor ran and no
// exchange answered, no witness signed (the rehearsals are signed with the
// fixture's witness@rehearsal key); the check's TLS facts are what a handshake with
// api.mexc.com verified by the public roots records (no network here).

const digest = (s: string) => createHash("sha256").update(s).digest("hex");
/** The execution image no stack pins: a rehearsal naming it proves nothing for a live stack that pins another. */
export const FIXTURE_EXECUTION_IMAGE: Subject = { name: "execution", digest: { sha256: digest("fixture execution image") } };
/** A rehearsal's subjects: the executor it ran (live's pinned image, for records that count) and the simulator. */
export const rehearsalSubjects = (execution: Subject = FIXTURE_EXECUTION_IMAGE): Subject[] => [execution, { name: "exchange_simulator", digest: { sha256: digest("fixture simulator image") } }];

/** The scenario of each execution item, and what the book shows when execution handled it. */
const SCENARIOS: Record<string, { faults: RehearsalFigures["scenario"]["faults"]; rateLimit?: { perMinute: number; usedAtStart: number }; orders: number; hit: Partial<RehearsalFigures["faultsHit"]>; retried?: number; attempts?: number }> = {
  "server-errors": { faults: [{ nth: [2, 4], status: 503 }], orders: 5, hit: { serverErrors: 2 }, retried: 2, attempts: 7 },
  "partial-fills": { faults: [{ nth: [1, 3], fill: 0.5 }], orders: 4, hit: { partialFills: 2 } },
  timeout: { faults: [{ nth: [2], delayMs: 12_000 }], orders: 3, hit: { delayedAnswers: 1 } },
  "rate-limit": { faults: [], rateLimit: { perMinute: 600, usedAtStart: 590 }, orders: 20, hit: { rateLimited: 10 }, retried: 10, attempts: 30 },
};
export const SCENARIO_OF: Record<string, string> = {
  "execution.retry-tested": "server-errors",
  "execution.partial-fill-tested": "partial-fills",
  "execution.timeout-tested": "timeout",
  "execution.rate-limits": "rate-limit",
};

/** Figures of a rehearsal in which execution matched the exchange's book. */
export function passingRehearsalFigures(name: string): RehearsalFigures {
  const s = SCENARIOS[name]!;
  const rate = s.rateLimit ?? { perMinute: 600, usedAtStart: 0 };
  const partial = s.hit.partialFills ?? 0;
  return {
    scenario: { name, faults: s.faults, rateLimit: rate, orders: s.orders, mustAccept: true },
    isolation: { execution: "cdbrehearsal_execution", networks: [{ name: "cdbrehearsal_network", internal: true }] },
    sent: s.orders,
    attempts: s.attempts ?? s.orders,
    accepted: s.orders,
    filledOnExchange: s.orders,
    fullyFilledOnExchange: s.orders - partial,
    retried: s.retried ?? 0,
    reported: { FILLED: s.orders },
    statusMismatches: 0,
    filledButReportedFailed: 0,
    lost: 0,
    duplicates: 0,
    requestRate: { peakPerMinute: rate.usedAtStart + (s.attempts ?? s.orders), limitPerMinute: rate.perMinute, rateLimited: s.hit.rateLimited ?? 0, total: (s.attempts ?? s.orders) * 2, usedAtStart: rate.usedAtStart },
    faultsHit: { serverErrors: 0, delayedAnswers: 0, partialFills: 0, rateLimited: 0, ...s.hit },
    mismatches: [],
    mismatchesShown: 0,
    upstream: [],
  };
}

/** Figures of a check of the live key against MEXC: spot only, no withdrawal, `usdt` free, test order accepted. */
export function passingCheckFigures(usdt = "250", liveKey: string = LIVE_SECRETS.mexcApiKey): CheckFigures {
  return {
    endpoint: {
      url: MEXC_URL,
      tls: {
        trust: "public-roots",
        authorized: true,
        protocol: "TLSv1.3",
        peer: { subject: "CN=*.mexc.com", issuer: "C=US, O=DigiCert Inc, CN=fixture issuer", subjectaltname: "DNS:*.mexc.com, DNS:mexc.com", fingerprint256: "AA:BB", validFrom: "Jan  1 00:00:00 2026 GMT", validTo: "Jan  1 00:00:00 2027 GMT" },
      },
    },
    keyFingerprint: keyFingerprint(liveKey),
    symbol: "BTCUSDT",
    account: { canTrade: true, canWithdraw: false, canDeposit: false, accountType: "SPOT", permissions: ["SPOT"], balances: [{ asset: "USDT", free: usdt, locked: "0" }] },
    orderTest: { request: { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.0002", price: "25000" }, response: {} },
  };
}

const window = (at: Date, ms: number) => ({ from: new Date(at.getTime() - ms).toISOString(), to: at.toISOString() });

/** The passing rehearsal of scenario `name` ending at `at`, by the rehearsal stack's witness, of `execution` (unsigned: a statement). */
export const passingRehearsalStatement = (name: string, at: Date, execution?: Subject) =>
  rehearsalStatement(passingRehearsalFigures(name), { stack: "rehearsal", by: witnessPrincipal("rehearsal"), window: window(at, 60_000), subjects: rehearsalSubjects(execution) });

/**
 * The records of the eight exchange items, written into `dir`: the rehearsals of `execution` (the
 * image live pins) signed by the rehearsal stack's witness (`keys.rehearsal`, witness@rehearsal,
 * namespace cdb-witness), the check of `liveKey` by the person `by` (`keys.check`, cdb-evidence).
 */
export function writeExchangeRecords(dir: string, at: Date, keys: { check: string; rehearsal: string }, liveKey: string = LIVE_SECRETS.mexcApiKey, execution?: Subject, by = "janne"): Record<string, { file: string; value?: number }> {
  const out: Record<string, { file: string; value?: number }> = {};
  for (const [item, name] of Object.entries(SCENARIO_OF)) {
    const s = passingRehearsalStatement(name, at, execution);
    out[item] = { file: writeRecord(s, path.join(dir, `rehearsal-${name}.json`), keys.rehearsal, WITNESS_NAMESPACE).file };
  }
  const check = checkStatement(passingCheckFigures("250", liveKey), { stack: "live", mode: "live", by, window: window(at, 5_000), subjects: checkSubjects(liveKey, {}) });
  const file = writeRecord(check, path.join(dir, "exchange-check.json"), keys.check).file;
  for (const item of ["secrets.key-permissions", "secrets.mainnet-verified", "secrets.testnet-verified"]) out[item] = { file };
  out["risk.account-balance"] = { file, value: 250 };
  return out;
}
