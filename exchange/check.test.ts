import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keyFingerprint } from "../config/schema";
import { npxCdb } from "../test/npxCdb";
import { fixtureKeys, writeFixtureSigners } from "../test/readinessFixture";
import { loadAllowedSigners, verifySignedBy } from "../readiness/allowedSigners";
import { parseKeys } from "./keys";
import { DEFAULT_SCENARIO, parseScenario } from "./scenario";
import { startSimulator, type Simulator } from "./server";

// `npx cdb exchange check` against the simulator only (never the real MEXC):
// the key comes from files, the record is a signed in-toto statement without
// the key or secret, no endpoint that moves funds is called, and a record made
// against the simulator says it proves nothing for a live stack.

const KEY = "mx0vglcheckkey0000000001";
const SECRET = "check-secret-5f1e0c";
const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-exchange-check-"));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
const keyFile = file("key", KEY + "\n");
const secretFile = file("secret", SECRET + "\n");
const stackConfig = (fp: string) => file(`Pulumi.${fp}.yaml`, `config:\n  cdb:mode: live\n  cdb:symbol: BTCUSDT\n  cdb:mexcKeyFingerprint: ${fp}\n`);
const ownConfig = stackConfig(keyFingerprint(KEY));

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});
const start = async (scenario?: Record<string, unknown>) => {
  sim = await startSimulator({ keys: parseKeys(`${KEY} ${SECRET}\n`, "keys"), scenario: scenario ? parseScenario(scenario, "t") : DEFAULT_SCENARIO, port: 0 });
  return sim;
};
const signers = writeFixtureSigners(path.join(dir, "allowed_signers"));
const check = (extra: string[], o: { config?: string; out?: string } = {}) =>
  npxCdb(["exchange", "check", "--stack", "live", "--api-url", sim?.url ?? "http://127.0.0.1:1", "--key-file", keyFile, "--secret-file", secretFile, "--stack-config", o.config ?? ownConfig, "--out", o.out ?? mkdtempSync(path.join(dir, "out-")), "--key", fixtureKeys().janne.file, ...extra], { env: { CDB_ALLOWED_SIGNERS: signers } });
type Finding = { id: string; passed: boolean; items: string[] };

describe("cdb exchange check", { timeout: 60_000 }, () => {
  it("finds a spot-only key without withdrawal right and 1,000 USDT; writes a signed in-toto statement without secrets; calls nothing that moves funds; and says a simulator proves nothing for live (exit 1)", async () => {
    await start();
    const out = mkdtempSync(path.join(dir, "out-"));
    const r = await check([], { out });
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ok {3}no-withdrawal \(secrets\.key-permissions\): canWithdraw is false$/m);
    expect(r.out).toMatch(/^ok {3}test-order \(secrets\.mainnet-verified, secrets\.testnet-verified\)/m);
    expect(r.out).toContain(`FAIL the record was made against ${sim!.url}, not MEXC's mainnet (https://api.mexc.com): a simulator or any other endpoint proves nothing for a live stack`);
    expect(r.out).toMatch(/exchange check failed against http:\/\/127\.0\.0\.1:\d+/);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[1]).toBe(`${files[0]}.sig`);
    const text = readFileSync(path.join(out, files[0]!), "utf8");
    const s = JSON.parse(text);
    expect(s).toMatchObject({ _type: "https://in-toto.io/Statement/v1", predicateType: "https://cdb-deploy.dev/exchange-check/v1" });
    // The subject is the key, by a domain-separated digest (no image is pinned in this config).
    expect(s.subject).toEqual([{ name: "mexc-api-key", digest: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } }]);
    expect(s.predicate).toMatchObject({ kind: "exchange-check", version: 1, stack: "live", mode: "live", by: "janne", outcome: "measured", figures: { keyFingerprint: keyFingerprint(KEY), endpoint: { url: sim!.url } } });
    expect(s.predicate.figures.endpoint.tls).toBeUndefined();
    expect(Date.parse(s.predicate.window.from)).toBeLessThanOrEqual(Date.parse(s.predicate.window.to));
    expect(s.predicate.figures.account).toMatchObject({ canWithdraw: false, permissions: ["SPOT"] });
    expect(s.predicate.figures.orderTest.response).toEqual({});
    // Signed beside itself by janne, over the file's exact bytes.
    expect(verifySignedBy(loadAllowedSigners(signers), readFileSync(path.join(out, files[1]!), "utf8"), readFileSync(path.join(out, files[0]!)), { principal: "janne", now: new Date() })).toMatchObject({ ok: true });
    for (const secret of [KEY, SECRET]) {
      expect(text).not.toContain(secret);
      expect(r.out + r.err).not.toContain(secret);
    }
    // No signed URL or request signature in the record: the only 64-hex value is the subject's digest.
    expect(text.match(/[0-9a-f]{64}/g)).toEqual([s.subject[0].digest.sha256]);
    expect(text).not.toMatch(/timestamp=|signature=/);
    const t = sim!.truth();
    expect(Object.keys(t.requests.byRoute).sort()).toEqual(["GET /api/v3/account", "GET /api/v3/ticker/price", "POST /api/v3/order/test"]);
    expect(t.orders).toEqual([]);
    expect(t.balances.USDT).toEqual({ free: "1000", locked: "0" });
  });

  it("finds a key that may withdraw, trades futures, on an account under 100 USDT: the findings say which", async () => {
    await start({ name: "bad-key", account: { canWithdraw: true, permissions: ["SPOT", "FUTURES"] }, balances: { USDT: "99.99" } });
    const r = await check(["--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.findings.filter((c: Finding) => !c.passed).map((c: Finding) => c.id)).toEqual(["no-withdrawal", "spot-only", "usdt-balance"]);
    expect(j.predicate.figures.account.balances).toContainEqual({ asset: "USDT", free: "99.99", locked: "0" });
  });

  it("says when the key is not the one cdb:mexcKeyFingerprint names", async () => {
    await start();
    const r = await check(["--json"], { config: stackConfig("0123456789abcdef") });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.problems[0]).toBe(`key fingerprint ${keyFingerprint(KEY)} is not cdb:mexcKeyFingerprint 0123456789abcdef: this key is not the one the stack's evidence is bound to`);
  });

  it("records the test order MEXC refuses", async () => {
    await start({ name: "no-trade", account: { canTrade: false } });
    const r = await check(["--json"]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.findings.find((c: Finding) => c.id === "test-order")).toMatchObject({ passed: false });
    expect(j.predicate.figures.orderTest.error).toMatch(/700007/);
    expect(r.out + r.err).not.toMatch(/signature=|timestamp=/);
  });

  it("a wrong secret is authentication failed: one line, exit 8, no secret printed", async () => {
    await start();
    const wrong = file("wrong-secret", "not-the-secret\n");
    const r = await npxCdb(["exchange", "check", "--stack", "live", "--api-url", sim!.url, "--key-file", keyFile, "--secret-file", wrong, "--stack-config", ownConfig, "--out", dir]);
    expect(r.code).toBe(8);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/authentication failed: MEXC refused the key: .*700002/);
    expect(r.err + r.out).not.toContain("not-the-secret");
    expect(r.err + r.out).not.toMatch(/signature=|timestamp=/);
    expect(r.err + r.out).not.toContain(KEY);
  });

  it("an API that does not answer is unreachable: exit 7", async () => {
    const r = await check([]);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^cdb: unreachable: MEXC did not answer/);
    // ccxt names the URL it called: the signed query (timestamp, signature) is not printed.
    expect(r.err).toContain("?<signed query removed>");
    expect(r.err + r.out).not.toMatch(/signature=|timestamp=/);
  });

  it("refuses half the key files, unreadable files and a bad URL: one line, exit 2", async () => {
    for (const args of [
      ["--key-file", keyFile],
      ["--key-file", path.join(dir, "nope"), "--secret-file", secretFile],
      ["--api-url", "ftp://x", "--key-file", keyFile, "--secret-file", secretFile],
    ]) {
      const r = await npxCdb(["exchange", "check", "--stack", "live", "--stack-config", ownConfig, ...args]);
      expect(r.code, r.err).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
  });

  it("without key files it reads the stack's Pulumi secrets, so a live stack without a passphrase is refused (exit 5)", async () => {
    const r = await npxCdb(["exchange", "check", "--stack", "live", "--stack-config", ownConfig, "--api-url", "http://127.0.0.1:1"], { env: { PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "" } });
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/refused: stack live needs a passphrase: its own file in CDB_PASSPHRASE_FILE_LIVE, or PULUMI_CONFIG_PASSPHRASE/);
  });
});
