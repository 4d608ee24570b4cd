import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { npxCdb, npxCdbServer } from "../test/npxCdb";

// `npx cdb exchange simulate` as docs/rehearsal.md writes it.

const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-exchange-cli-"));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
const keys = file("keys", "# rehearsal key\nkey-1 secret-1\n");

describe("cdb exchange simulate", { timeout: 60_000 }, () => {
  it("prints exactly one line when ready, serves MEXC, and stops on SIGTERM", async () => {
    const s = await npxCdbServer(["exchange", "simulate", "--port", "0", "--keys", keys]);
    try {
      const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(s.firstLine);
      expect(m, s.firstLine).not.toBeNull();
      const r = await fetch(`${m![1]}/api/v3/ticker/price?symbol=BTCUSDT`);
      expect(await r.json()).toEqual({ symbol: "BTCUSDT", price: "50000" });
    } finally {
      const end = await s.stop();
      expect(end.out.trim().split("\n")).toHaveLength(1);
      expect(end.err).toBe("");
    }
  });

  it("uses a scenario file", async () => {
    const sc = file("sc.yaml", "name: rich\nbalances: { USDT: \"5000\" }\nprices: { SOLUSDT: \"150\" }\n");
    const s = await npxCdbServer(["exchange", "simulate", "--port", "0", "--keys", keys, "--scenario", sc]);
    try {
      const url = s.firstLine.replace("listening on ", "");
      expect(await (await fetch(`${url}/api/v3/ticker/price?symbol=SOLUSDT`)).json()).toEqual({ symbol: "SOLUSDT", price: "150" });
    } finally {
      await s.stop();
    }
  });

  const bad: [string, () => string[], RegExp][] = [
    ["an unreadable keys file", () => ["--keys", path.join(dir, "missing")], /missing: keys file not found/],
    ["a keys line with one field", () => ["--keys", file("k1", "only-a-key\n")], /k1: line 1 must be "<key> <secret>"/],
    ["a scenario that is not YAML", () => ["--keys", keys, "--scenario", file("s1.yaml", "name: [\n")], /s1\.yaml: not YAML/],
    ["a scenario with a wrong field", () => ["--keys", keys, "--scenario", file("s2.yaml", "name: x\norders:\n  - nth: [1]\n    fill: 2\n")], /s2\.yaml: orders\.0\.fill: /],
    ["a scenario with an unknown field", () => ["--keys", keys, "--scenario", file("s3.yaml", "name: x\nfaults: []\n")], /s3\.yaml: scenario: Unrecognized key/],
    ["a port that is no port", () => ["--keys", keys, "--port", "http"], /--port: "http" is not a TCP port/],
  ];
  for (const [what, args, msg] of bad) {
    it(`refuses ${what}: one line, exit 2`, async () => {
      const a = args();
      const r = await npxCdb(["exchange", "simulate", ...(a.includes("--port") ? [] : ["--port", "0"]), ...a]);
      expect(r.code).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toContain("secret-1");
      expect(r.out).toBe("");
    });
  }

  it("does not print a secret from a malformed keys file", async () => {
    const r = await npxCdb(["exchange", "simulate", "--port", "0", "--keys", file("k2", "key-2 secret-2 extra\n")]);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain("secret-2");
  });
});
