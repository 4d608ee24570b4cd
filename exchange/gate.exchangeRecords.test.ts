import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkExchange } from "./check";
import { parseKeys } from "./keys";
import { DEFAULT_SCENARIO } from "./scenario";
import { startSimulator, type Simulator } from "./server";
import { rehearsalStatement } from "./statements";
import { passingRehearsalFigures } from "../test/exchangeRecordsFixture";
import { LIVE_SECRETS } from "../test/mockRun";
import { makeFixture, signEntry, type Fixture } from "../test/readinessFixture";
import { makeKey } from "../test/sshKeys";
import { fileSha256 } from "../readiness/artifacts";
import { REPO_ROOT } from "../platform/paths";
import type { Evidence } from "../readiness/evidence";
import type { CheckFigures, RehearsalFigures } from "../readiness/exchangeRecordKinds";
import { runGate } from "../readiness/gate";
import { signRecordFile, writeRecord, type Statement } from "../readiness/records";
import { SSHSIG_NAMESPACE } from "../readiness/sshsig";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";

// Attacks on the exchange records (issue 15): each starts from complete,
// signed evidence whose execution items come from passing rehearsals and whose
// key items come from a check of the live key against MEXC
// (test/exchangeRecordsFixture.ts), and breaks one thing.

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

type E = Omit<Evidence, "file">;
const clone = (): E => structuredClone(fx.evidence);
const item = (id: string, e?: E) => runGate(fx.gateRequest(e ? fx.write(e) : fx.evidenceFile)).verdict.items.find((i) => i.id === id)!;
const recordFile = (e: E, id: string) => path.join(REPO_ROOT, e.items[id]!.artifacts![0]!.path);
const twoPerson = (id: string) => id === "secrets.key-permissions";

/** Points the entry `id` at `file` (its sha256, and `value` for measured items), signed again by janne (and mara). */
function attach(e: E, id: string, file: string, value?: number): E {
  e.items[id]!.artifacts = [{ path: path.relative(REPO_ROOT, file).split(path.sep).join("/"), sha256: fileSha256(file) }];
  if (value !== undefined) e.items[id]!.value = value;
  signEntry(e, id, fx.keys, twoPerson(id));
  return e;
}

/**
 * Edits the record of `id` by hand (a copy beside it), re-signed by the signer its kind needs (`signer`: the rehearsal
 * stack's witness for a rehearsal, janne for a check), a stranger (in that namespace), or not at all; the entry points at it, signed.
 */
function forge(id: string, edit: (s: Statement) => void, resign: "signer" | "stranger" | "none" = "signer", value?: number): E {
  const e = clone();
  const s = JSON.parse(readFileSync(recordFile(e, id), "utf8")) as Statement;
  edit(s);
  const file = path.join(fx.dir, `forged-${id}.json`);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  const witnessed = s.predicate.kind === "exchange-rehearsal";
  const ns = witnessed ? WITNESS_NAMESPACE : SSHSIG_NAMESPACE;
  if (resign === "signer") signRecordFile(file, witnessed ? fx.keys.witnessRehearsal.file : fx.keys.janne.file, ns);
  if (resign === "stranger") signRecordFile(file, makeKey("mallory").file, ns);
  if (resign === "none") writeFileSync(`${file}.sig`, readFileSync(`${recordFile(e, id)}.sig`));
  return attach(e, id, file, value);
}
/** What the real executor does today in the time-out scenario (exchange/rehearse.ops.test.ts), built with the project's own function and signed by the rehearsal stack's witness. */
function redTimeout(name: string): string {
  const f = passingRehearsalFigures("timeout");
  Object.assign(f, { reported: { ERROR: 2, REJECTED: 1 }, statusMismatches: 3, filledButReportedFailed: 3 });
  f.upstream = ["services/execution/live_executor.py execute_order: after a time-out or connection error the order's fate is unknown; …"];
  const s = rehearsalStatement(f, { stack: "rehearsal", by: witnessPrincipal("rehearsal"), window: { from: "2026-11-18T11:59:00.000Z", to: "2026-11-18T12:00:00.000Z" }, subjects: [{ name: "execution", digest: { sha256: "a".repeat(64) } }] });
  return writeRecord(s, path.join(fx.dir, name), fx.keys.witnessRehearsal.file, WITNESS_NAMESPACE).file;
}
const rehearsal = (s: Statement) => s.predicate.figures as unknown as RehearsalFigures;
const check = (s: Statement) => s.predicate.figures as unknown as CheckFigures;

describe("rehearsal records the gate reads", () => {
  it("counts each execution item from its own passing scenario", () => {
    const expected: Record<string, string> = {
      "execution.retry-tested": "server-errors",
      "execution.partial-fill-tested": "partial-fills",
      "execution.timeout-tested": "timeout",
      "execution.rate-limits": "rate-limit",
    };
    for (const [id, scenario] of Object.entries(expected)) {
      const r = item(id);
      expect(r.status, r.reason).toBe("satisfied");
      expect(r.reason).toContain(`record rehearsal-${scenario}.json passed, signed by witness@rehearsal`);
    }
  });

  it("refuses a passing record re-signed by a key that is not in allowed_signers", () => {
    const e = forge("execution.retry-tested", (s) => void (rehearsal(s).retried = 3), "stranger");
    expect(item("execution.retry-tested", e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record forged-execution\.retry-tested\.json: signed by key SHA256:\S+, which is not in allowed_signers; exchange-rehearsal records count only when signed by witness@rehearsal \(namespace cdb-witness\)$/) });
  });

  it("refuses a hand-edited figure whose sha256 the entry carries: the record's own signature no longer holds", () => {
    // A red time-out rehearsal, signed; then edited to look passed, the sha256 in the entry updated, the old signature kept.
    const red = redTimeout("rehearsal-timeout-edited.json");
    const s = JSON.parse(readFileSync(red, "utf8")) as Statement;
    s.predicate.outcome = "passed";
    delete s.predicate.explanation;
    Object.assign(rehearsal(s), { statusMismatches: 0, filledButReportedFailed: 0, reported: { FILLED: 3 }, upstream: [] });
    writeFileSync(red, JSON.stringify(s, null, 2) + "\n");
    const e = attach(clone(), "execution.timeout-tested", red);
    expect(item("execution.timeout-tested", e)).toMatchObject({ status: "invalid", reason: "record rehearsal-timeout-edited.json: signature does not verify: it was made over other content or is corrupt; exchange-rehearsal records count only when signed by witness@rehearsal (namespace cdb-witness)" });
  });

  it("refuses the record of scenario A for item B, naming what B needs", () => {
    const e = clone();
    // The passing partial-fill rehearsal attached to the retry, time-out and rate-limit items.
    const partial = recordFile(e, "execution.partial-fill-tested");
    attach(e, "execution.retry-tested", partial);
    attach(e, "execution.timeout-tested", partial);
    attach(e, "execution.rate-limits", partial);
    expect(item("execution.retry-tested", e)).toMatchObject({ status: "invalid", reason: "record rehearsal-partial-fills.json cannot prove execution.retry-tested: scenario partial-fills scripts no 5xx answer; the exchange answered no order with a 5xx" });
    expect(item("execution.timeout-tested", e).reason).toBe("record rehearsal-partial-fills.json cannot prove execution.timeout-tested: scenario partial-fills scripts no answer delayed past the executor's 10 s time-out; the exchange delayed no answer to an accepted order");
    expect(item("execution.rate-limits", e).reason).toBe("record rehearsal-partial-fills.json cannot prove execution.rate-limits: the burst never reached the limit (the simulator's window peaked at 4 of 600, no 429)");
    // Renaming the scenario does not help: the gate reads the faults and the book, not the name.
    const renamed = forge("execution.partial-fill-tested", (s) => void (rehearsal(s).scenario.name = "server-errors"));
    attach(renamed, "execution.retry-tested", recordFile(renamed, "execution.partial-fill-tested"));
    expect(item("execution.retry-tested", renamed)).toMatchObject({ status: "invalid", reason: expect.stringContaining("scripts no 5xx answer") });
    // A scripted fault the exchange never answered with proves nothing either.
    const unhit = forge("execution.retry-tested", (s) => void (rehearsal(s).faultsHit.serverErrors = 0));
    expect(item("execution.retry-tested", unhit)).toMatchObject({ status: "invalid", reason: expect.stringContaining("the exchange answered no order with a 5xx") });
    // A check record is no rehearsal.
    const wrongKind = clone();
    attach(wrongKind, "execution.retry-tested", recordFile(wrongKind, "secrets.mainnet-verified"));
    expect(item("execution.retry-tested", wrongKind)).toMatchObject({ status: "invalid", reason: "record exchange-check.json is a exchange-check record, this item reads exchange-rehearsal" });
  });

  it("refuses a rehearsal made on a paper or a live stack, or on a network with a route out", () => {
    for (const mode of ["paper", "live"] as const) {
      const e = forge("execution.retry-tested", (s) => void (s.predicate.mode = mode));
      expect(item("execution.retry-tested", e)).toMatchObject({ status: "invalid", reason: `record forged-execution.retry-tested.json is from a ${mode} stack; exchange-rehearsal counts from rehearsal only` });
    }
    const open = forge("execution.retry-tested", (s) => void (rehearsal(s).isolation.networks = [{ name: "bridge", internal: false }]));
    expect(item("execution.retry-tested", open)).toMatchObject({ status: "failed", reason: expect.stringContaining("was on network(s) bridge, not internal") });
  });

  it("fails the item of a rehearsal in which execution's report differed from the exchange's book, with the reason", () => {
    const file = redTimeout("rehearsal-timeout-red.json");
    const e = attach(clone(), "execution.timeout-tested", file);
    expect(item("execution.timeout-tested", e)).toMatchObject({
      status: "failed",
      reason: "record rehearsal-timeout-red.json: outcome failed (3 report(s) differ from the exchange's book; 3 order(s) filled on the exchange but reported as failed; upstream: services/execution/live_executor.py execute_order)",
    });
    // Typing "passed" over those figures, signed by the witness's key: the gate recomputes.
    const typed = forge("execution.timeout-tested", (x) => void Object.assign(rehearsal(x), { statusMismatches: 1, filledButReportedFailed: 1 }));
    expect(item("execution.timeout-tested", typed)).toMatchObject({ status: "failed", reason: expect.stringContaining("1 order(s) filled on the exchange but reported as failed") });
  });
});

describe("exchange check records the gate reads", () => {
  const keyItems = ["secrets.key-permissions", "secrets.mainnet-verified", "secrets.testnet-verified", "risk.account-balance"];

  it("counts the check of the live key against MEXC for the four items", () => {
    for (const id of keyItems) {
      const r = item(id);
      expect(r.status, `${id}: ${r.reason}`).toBe("satisfied");
      expect(r.reason).toMatch(/record exchange-check\.json measured.*signed by janne/);
    }
  });

  it("refuses a check record that `cdb exchange check` made against the simulator, for every item, whatever it read there", async () => {
    sim = await startSimulator({ keys: parseKeys(`${LIVE_SECRETS.mexcApiKey} ${LIVE_SECRETS.mexcApiSecret}\n`, "keys"), scenario: DEFAULT_SCENARIO, port: 0 });
    const s = await checkExchange({ stack: "live", mode: "live", by: "janne", creds: { key: LIVE_SECRETS.mexcApiKey, secret: LIVE_SECRETS.mexcApiSecret }, apiUrl: sim.url, symbol: "BTCUSDT" });
    // The simulator answered like MEXC: spot only, no withdrawal, 1,000 USDT, test order accepted.
    expect(check(s).account).toMatchObject({ canWithdraw: false, permissions: ["SPOT"] });
    expect(check(s).orderTest!.response).toEqual({});
    const file = writeRecord(s, path.join(fx.dir, "simulator-check.json"), fx.keys.janne.file).file;
    const e = clone();
    for (const id of keyItems) attach(e, id, file, id === "risk.account-balance" ? 1000 : undefined);
    for (const id of keyItems) {
      expect(item(id, e)).toMatchObject({ status: "invalid", reason: `record simulator-check.json cannot prove ${id}: made against ${sim.url}, not MEXC's mainnet (https://api.mexc.com): a simulator or any other endpoint proves nothing for a live stack` });
    }
  });

  it("refuses a check record that names MEXC's URL but whose TLS the public roots did not verify for api.mexc.com", () => {
    const privateCa = forge("secrets.mainnet-verified", (s) => void (check(s).endpoint.tls = { trust: "public-roots", authorized: false, authorizationError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" }));
    expect(item("secrets.mainnet-verified", privateCa).reason).toBe("record forged-secrets.mainnet-verified.json cannot prove secrets.mainnet-verified: made against https://api.mexc.com, not MEXC's mainnet: its TLS certificate was not verified by the public roots (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)");
    const noTls = forge("secrets.mainnet-verified", (s) => void delete check(s).endpoint.tls);
    expect(item("secrets.mainnet-verified", noTls).reason).toBe("record forged-secrets.mainnet-verified.json cannot prove secrets.mainnet-verified: made against https://api.mexc.com, not MEXC's mainnet: no TLS handshake recorded");
    const otherHost = forge("secrets.mainnet-verified", (s) => void (check(s).endpoint.tls!.peer!.subjectaltname = "DNS:api.mexc.com.evil.example"));
    expect(item("secrets.mainnet-verified", otherHost).reason).toContain("its certificate does not name api.mexc.com");
    const http = forge("secrets.mainnet-verified", (s) => void (check(s).endpoint.url = "http://api.mexc.com"));
    expect(item("secrets.mainnet-verified", http).reason).toContain("made against http://api.mexc.com, not MEXC's mainnet (https://api.mexc.com)");
  });

  it("fails key-permissions for a key that may withdraw (or trade futures), and only that item", () => {
    const e = forge("secrets.key-permissions", (s) => void Object.assign(check(s).account!, { canWithdraw: true, permissions: ["SPOT", "FUTURES"] }));
    expect(item("secrets.key-permissions", e)).toMatchObject({ status: "failed", reason: 'record forged-secrets.key-permissions.json: no-withdrawal: canWithdraw is true; spot-only: permissions ["SPOT","FUTURES"] (want exactly ["SPOT"])' });
    attach(e, "secrets.mainnet-verified", recordFile(e, "secrets.key-permissions"));
    expect(item("secrets.mainnet-verified", e).status).toBe("satisfied");
  });

  it("fails the balance of 99 USDT, and refuses 100 typed over a record of 99", () => {
    const e = forge("risk.account-balance", (s) => void (check(s).account!.balances = [{ asset: "USDT", free: "99", locked: "0" }]), "signer", 99);
    expect(item("risk.account-balance", e)).toMatchObject({ status: "failed", reason: "value 99 USDT is below 100 USDT" });
    e.items["risk.account-balance"]!.value = 100;
    signEntry(e, "risk.account-balance", fx.keys, false);
    expect(item("risk.account-balance", e)).toMatchObject({ status: "invalid", reason: "value 100 differs from 99, what its record computes" });
  });

  it("fails the test-order items when MEXC refused the test order", () => {
    const e = forge("secrets.mainnet-verified", (s) => void (check(s).orderTest = { request: check(s).orderTest!.request, error: 'mexc {"code":700007,"msg":"No permission to access the endpoint."}' }));
    expect(item("secrets.mainnet-verified", e)).toMatchObject({ status: "failed", reason: expect.stringContaining("test-order: the test order was not accepted: mexc {\"code\":700007") });
  });

  it("refuses a check of another key, of another stack, and one signed by a stranger", () => {
    const otherKey = forge("secrets.mainnet-verified", (s) => void (check(s).keyFingerprint = "0123456789abcdef"));
    expect(item("secrets.mainnet-verified", otherKey).reason).toMatch(/^record forged-secrets\.mainnet-verified\.json checked key 0123456789abcdef, the stack's key is [0-9a-f]{16}$/);
    const otherStack = forge("secrets.mainnet-verified", (s) => void (s.predicate.stack = "live-old"));
    expect(item("secrets.mainnet-verified", otherStack).reason).toBe("record forged-secrets.mainnet-verified.json is of stack live-old, not live");
    const rehearsalMode = forge("secrets.mainnet-verified", (s) => void (s.predicate.mode = "rehearsal"));
    expect(item("secrets.mainnet-verified", rehearsalMode).reason).toBe("record forged-secrets.mainnet-verified.json is from a rehearsal stack; exchange-check counts from live only");
    const stranger = forge("secrets.mainnet-verified", () => {}, "stranger");
    expect(item("secrets.mainnet-verified", stranger).reason).toMatch(/signed by key SHA256:\S+, which is not in allowed_signers; exchange-check records count only when signed by a person's key in readiness\/allowed_signers \(namespace cdb-evidence\)$/);
  });
});
