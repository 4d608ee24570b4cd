import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keyFingerprint } from "../config/schema";
import { npxCdb } from "../test/npxCdb";
import { parseKeys } from "./keys";
import { DEFAULT_SCENARIO, parseScenario } from "./scenario";
import { startSimulator, type Simulator } from "./server";

// `npx cdb exchange check` against the simulator only (never the real MEXC):
// the key comes from files, the record is an in-toto statement without the
// key or secret, and no endpoint that moves funds is called.

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
const check = (extra: string[], o: { config?: string; out?: string } = {}) =>
  npxCdb(["exchange", "check", "--stack", "live", "--api-url", sim?.url ?? "http://127.0.0.1:1", "--key-file", keyFile, "--secret-file", secretFile, "--stack-config", o.config ?? ownConfig, "--out", o.out ?? mkdtempSync(path.join(dir, "out-")), ...extra]);

describe("cdb exchange check", { timeout: 60_000 }, () => {
  it("passes a spot-only key without withdrawal right and 1,000 USDT; writes an in-toto statement without secrets; calls nothing that moves funds", async () => {
    await start();
    const out = mkdtempSync(path.join(dir, "out-"));
    const r = await check([], { out });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/exchange check passed/);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const text = readFileSync(path.join(out, files[0]!), "utf8");
    const s = JSON.parse(text);
    expect(s).toMatchObject({ _type: "https://in-toto.io/Statement/v1", subject: [], predicateType: "https://cdb-deploy.dev/exchange-check/v1" });
    expect(s.predicate).toMatchObject({ kind: "cdb-exchange-check", version: 1, stack: "live", outcome: "passed", keyFingerprint: keyFingerprint(KEY) });
    expect(s.predicate.proves).toEqual(["risk.account-balance", "secrets.key-permissions", "secrets.mainnet-verified", "secrets.testnet-verified"]);
    expect(Date.parse(s.predicate.window.from)).toBeLessThanOrEqual(Date.parse(s.predicate.window.to));
    expect(s.predicate.raw.account).toMatchObject({ canWithdraw: false, permissions: ["SPOT"] });
    expect(s.predicate.raw.orderTest.response).toEqual({});
    for (const secret of [KEY, SECRET]) {
      expect(text).not.toContain(secret);
      expect(r.out + r.err).not.toContain(secret);
    }
    // No signed URL or signature (64 hex digits) in the record.
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(text).not.toMatch(/timestamp=/);
    const t = sim!.truth();
    expect(Object.keys(t.requests.byRoute).sort()).toEqual(["GET /api/v3/account", "GET /api/v3/ticker/price", "POST /api/v3/order/test"]);
    expect(t.orders).toEqual([]);
    expect(t.balances.USDT).toEqual({ free: "1000", locked: "0" });
  });

  it("fails a key that may withdraw, trades futures, on an account under 100 USDT: exit 1, proves only the test order", async () => {
    await start({ name: "bad-key", account: { canWithdraw: true, permissions: ["SPOT", "FUTURES"] }, balances: { USDT: "99.99" } });
    const r = await check(["--json"]);
    expect(r.code).toBe(1);
    const p = JSON.parse(r.out).predicate;
    expect(p.outcome).toBe("failed");
    expect(p.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { id: string }) => c.id)).toEqual(["no-withdrawal", "spot-only", "usdt-balance"]);
    expect(p.proves).toEqual(["secrets.mainnet-verified", "secrets.testnet-verified"]);
  });

  it("proves nothing when the key is not the one cdb:mexcKeyFingerprint names", async () => {
    await start();
    const r = await check(["--json"], { config: stackConfig("0123456789abcdef") });
    expect(r.code).toBe(1);
    const p = JSON.parse(r.out).predicate;
    expect(p.checks[0]).toMatchObject({ id: "key-is-the-stacks", passed: false });
    expect(p.proves).toEqual([]);
  });

  it("fails the test order MEXC refuses", async () => {
    await start({ name: "no-trade", account: { canTrade: false } });
    const r = await check(["--json"]);
    expect(r.code).toBe(1);
    const p = JSON.parse(r.out).predicate;
    expect(p.checks.find((c: { id: string }) => c.id === "test-order")).toMatchObject({ passed: false });
    expect(p.proves).toEqual(["risk.account-balance"]);
  });

  it("a wrong secret is authentication failed: one line, exit 8, no secret printed", async () => {
    await start();
    const wrong = file("wrong-secret", "not-the-secret\n");
    const r = await npxCdb(["exchange", "check", "--stack", "live", "--api-url", sim!.url, "--key-file", keyFile, "--secret-file", wrong, "--stack-config", ownConfig, "--out", dir]);
    expect(r.code).toBe(8);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/authentication failed: MEXC refused the key: .*700002/);
    expect(r.err + r.out).not.toContain("not-the-secret");
    expect(r.err + r.out).not.toContain(KEY);
  });

  it("an API that does not answer is unreachable: exit 7", async () => {
    const r = await check([]);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^cdb: unreachable: MEXC did not answer/);
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
    expect(r.err).toMatch(/refused: stack live needs PULUMI_CONFIG_PASSPHRASE/);
  });
});
