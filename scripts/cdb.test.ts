import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFingerprint } from "../config/schema";
import { npxCdbSync } from "../test/npxCdb";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { repoCopy, type ReadyLive, type RepoCopy, writeReadyLive } from "../test/repoCopy";

// The CLI as a user runs it: through the npm bin shim, in its own process.
const cdb = (...args: string[]) => npxCdbSync(args);

describe("cdb readiness (CLI)", () => {
  const fx = makeFixture();
  // A live gate reads the repository's allowed_signers and evidence only (readiness/trustRoot.ts): the
  // fixture's complete case is written as those files of a copy of the repository, and the CLI runs there.
  let repo: RepoCopy;
  let live: ReadyLive;
  beforeAll(() => {
    repo = repoCopy();
    live = writeReadyLive(repo);
  }, 120_000);
  afterAll(() => repo?.dispose());
  const inCopy = (...args: string[]) => repo.cdbSync(args);
  const base = ["readiness", "--stack", "live"];

  it("exits 0 and prints ready JSON with complete evidence", () => {
    const r = inCopy(...base, "--json");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { ready: boolean; stack: string; items: { id: string; status: string; reason: string }[] };
    expect(json.ready).toBe(true);
    expect(json.stack).toBe("live");
    expect(json.items).toHaveLength(35);
    expect(Object.keys(json.items[0]!).sort()).toEqual(["id", "reason", "status"]);
  });

  it("exits 1 with the checklist by section and the blocking items when evidence is missing", () => {
    const e = structuredClone(live.evidence);
    delete e.items["compliance.legal-tax"];
    live.write(e);
    const r = inCopy(...base);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Status: NOT READY FOR LIVE \(live: 34 of 35 items satisfied\)/);
    expect(r.out).toContain("7. Compliance & Documentation");
    expect(r.out).toContain("Blocking items (1):\n  - compliance.legal-tax: missing: no evidence entry");
    const md = inCopy(...base, "--markdown");
    expect(md.code).toBe(1);
    expect(md.out).toContain("| ❌ | `compliance.legal-tax` | missing | no evidence entry |");
    live.write();
  });

  it("exits 2 with one line naming the file for unusable input", () => {
    // A named evidence file that is not there (paper: a live gate takes no --evidence at all).
    const r = cdb("readiness", "--stack", "paper", "--evidence", path.join(fx.dir, "nope.yaml"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cdb: unusable input: ${path.join(fx.dir, "nope.yaml")}: file not found\n`);
    expect(r.out).toBe("");
    expect(cdb("readiness").code).toBe(2);
  });

  it("refuses a --stack that is not a Pulumi stack name, for every command, before any file is read (issue 25)", () => {
    const line = (name: string) => `cdb: unusable input: --stack: ${JSON.stringify(name)} is not a stack name (Pulumi's rule: 1 to 100 letters, digits, "_", "." or "-")\n`;
    for (const args of [
      ["readiness", "--stack", "../../etc/passwd"],
      ["digest", "--stack", "../../etc/passwd"],
      ["kill", "--stack", "a/b", "--reason", "x"],
      ["evidence", "init", "--stack", ".."],
    ]) {
      const r = cdb(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toBe(line(args[args.indexOf("--stack") + 1]!));
      expect(r.out).toBe("");
    }
  }, 120_000);

  it("prints a key's fingerprint from standard input, and refuses an empty one", () => {
    const run = (input: string) => npxCdbSync(["fingerprint"], { input });
    const ok = run("mx0-live-key-AAAA1111\n");
    expect(ok.code).toBe(0);
    expect(ok.out).toBe(`${keyFingerprint("mx0-live-key-AAAA1111")}\n`);
    const empty = run("");
    expect(empty.code).toBe(2);
    expect(empty.err).toBe("cdb: unusable input: <stdin>: no key given: pipe the MEXC API key into this command\n");
  });

  it("prints the config digest the evidence must carry", () => {
    const r = cdb("digest", "--stack", "live", "--stack-config", fx.liveConfig);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${fx.evidence.configDigest}\n`);
  });

  it("explains the digest: per trading-path container image, command, env, secret fingerprints; no secret value", () => {
    const r = cdb("digest", "--stack", "live", "--stack-config", fx.liveConfig, "--explain");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe(`configDigest ${fx.evidence.configDigest} (derivation v2)`);
    for (const s of ["ws", "signal", "candles", "regime", "allocation", "risk", "execution"]) expect(r.out).toContain(`\n${s}:\n  image `);
    expect(r.out).toMatch(/\n {2}env SIGNAL_STRATEGY_ID=paper\n/);
    expect(r.out).toMatch(/\n {2}env REGIME_CONFIRMATION_BARS=3\n/);
    expect(r.out).toMatch(/\n {2}secret \/run\/secrets\/mexc_api_key <secret fingerprint sha256:[0-9a-f]{16}>\n/);
    expect(r.out).not.toContain("fixtureKey");
    expect(r.out).toMatch(/left out, not on the trading path: .*grafana/);
    const json = JSON.parse(cdb("digest", "--stack", "live", "--stack-config", fx.liveConfig, "--json").out) as { configDigest: string; inputs: { containers: object } };
    expect(json.configDigest).toBe(fx.evidence.configDigest);
    expect(Object.keys(json.inputs.containers)).toHaveLength(7);
  }, 30_000);
});

describe("the emergency commands as docs/going-live.md and docs/operating-live.md write them (npx cdb, through the bin)", () => {
  // Both load their modules with a dynamic import(); the bin once resolved none of them (exit 3).
  it("cdb promote reaches its own refusal, not a missing module", () => {
    const r = cdb("promote", "--to", "paper");
    expect(r.err).not.toMatch(/Cannot find module|internal error/);
    expect(r.err).toBe('cdb: refused: promotion goes to live only, not "paper"\n');
    expect(r.code).toBe(5);
  });

  it("cdb rollback reaches its own stack lookup, not a missing module", () => {
    // Every attempt is audited, this one too: into a file of the test's own.
    const r = npxCdbSync(["rollback", "--stack", "nosuch", "--reason", "drill"], { env: { CDB_AUDIT_FILE: path.join(repoTmpDir("cdb-cli-"), "operations.jsonl") } });
    expect(r.err).not.toMatch(/Cannot find module|internal error/);
    expect(r.err).toMatch(/^cdb: unusable input: .*Pulumi\.nosuch\.yaml/);
    expect(r.code).toBe(2);
  });
});
