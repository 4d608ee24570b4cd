import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { makeFixture, liveConfigYaml, type Fixture } from "../test/readinessFixture";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import type { Evidence } from "./evidence";
import { runGate } from "./gate";
import { fileSha256 } from "./artifacts";

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});

const gate = (evidence?: unknown) => {
  const file = evidence === undefined ? fx.evidenceFile : fx.write(evidence);
  return runGate(fx.gateRequest(file));
};
const item = (id: string, evidence?: unknown) => gate(evidence).verdict.items.find((i) => i.id === id)!;
const clone = (): Omit<Evidence, "file"> => structuredClone(fx.evidence);
/** The entry changed and signed again: these tests are about the other checks (signatures: gate.signatures.test.ts). */
const withEntry = (id: string, change: (e: Evidence["items"][string]) => void) => {
  const e = clone();
  change(e.items[id]!);
  return fx.sign(e);
};
const unusable = (evidence: unknown): UnusableInput => {
  try {
    gate(evidence);
  } catch (e) {
    expect(e).toBeInstanceOf(UnusableInput);
    return e as UnusableInput;
  }
  throw new Error("expected UnusableInput");
};

describe("readiness gate", () => {
  it("is ready with complete evidence and a stack that proves every machine item", () => {
    const { verdict } = gate();
    expect(verdict.items.filter((i) => i.status !== "satisfied")).toEqual([]);
    expect(verdict.items).toHaveLength(35);
    expect(verdict.ready).toBe(true);
  });

  it("reports an item without an entry as missing", () => {
    const e = clone();
    delete e.items["killswitch.manual-drill"];
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "missing", reason: "no evidence entry" });
    expect(gate(e).verdict.ready).toBe(false);
  });

  it("expires an entry older than its maximum age", () => {
    const e = withEntry("risk.account-balance", (x) => (x.at = "2026-11-10T12:00:00+01:00"));
    expect(item("risk.account-balance", e)).toMatchObject({ status: "expired", reason: "dated 2026-11-10T12:00:00+01:00, 10 days old, maximum 7 days" });
  });

  it("refuses an entry dated more than 5 minutes in the future, tolerates less", () => {
    const ahead = (min: number) => withEntry("compliance.strategy", (x) => (x.at = new Date(fx.now.getTime() + min * 60_000).toISOString()));
    expect(item("compliance.strategy", ahead(6)).status).toBe("invalid");
    expect(item("compliance.strategy", ahead(6)).reason).toMatch(/is in the future$/);
    expect(item("compliance.strategy", ahead(4)).status).toBe("satisfied");
  });

  it("requires a second, different person for two-person items", () => {
    expect(item("secrets.key-permissions", withEntry("secrets.key-permissions", (x) => delete x.approvedBy))).toMatchObject({
      status: "invalid",
      reason: "needs approvedBy: a second person must approve (cdb evidence approve --key)",
    });
    // The name typed is not the person: mara's key cannot approve as Janne.
    expect(item("execution.live-executor-review", withEntry("execution.live-executor-review", (x) => (x.approvedBy = "Janne")))).toMatchObject({
      status: "invalid",
      reason: expect.stringMatching(/^approval by Janne: names Janne, but was signed by key SHA256:\S+ of mara$/),
    });
    // A look-alike (Cyrillic а) is not a second person: the file is refused.
    expect(() => gate(withEntry("execution.live-executor-review", (x) => (x.approvedBy = "j\u0430nne")))).toThrow(/approvedBy: must match pattern/);
  });

  it("checks measured values against the threshold", () => {
    // The balance is the exchange check record's figure: a typed one that differs is refused (a record of 99 USDT: gate.exchangeRecords.test.ts).
    expect(item("risk.account-balance", withEntry("risk.account-balance", (x) => (x.value = 99.5)))).toMatchObject({
      status: "invalid",
      reason: "value 99.5 differs from 250, what its record computes",
    });
    // A record item's value is what its record computes, not what is typed (gate.records.test.ts).
    expect(item("stability.paper-orders", withEntry("stability.paper-orders", (x) => delete x.value))).toMatchObject({
      status: "invalid",
      reason: "value (none) differs from 101, what its record computes",
    });
  });

  it("refuses tampered, missing and escaping artifacts", () => {
    const id = "compliance.incident-response";
    const artifact = fx.evidence.items[id]!.artifacts![0]!;
    writeFileSync(path.join(REPO_ROOT, artifact.path), "edited after the fact\n");
    expect(item(id).status).toBe("invalid");
    expect(item(id).reason).toMatch(/^artifact .*: sha256 [0-9a-f]{12}… does not match/);

    const setPath = (p: string) => withEntry(id, (x) => (x.artifacts = [{ path: p, sha256: artifact.sha256 }]));
    expect(item(id, setPath("/etc/passwd")).reason).toBe("artifact /etc/passwd: absolute paths are not allowed");
    expect(item(id, setPath("C:\\Users\\janne\\plan.pdf")).reason).toBe("artifact C:\\Users\\janne\\plan.pdf: absolute paths are not allowed");
    expect(item(id, setPath("docs/../../outside.txt")).reason).toBe('artifact docs/../../outside.txt: ".." is not allowed');
    expect(item(id, setPath(".tmp/does-not-exist.pdf")).reason).toBe("artifact .tmp/does-not-exist.pdf: file not found");
    expect(item(id, setPath(".git/HEAD")).reason).toBe("artifact .git/HEAD: files under .git or node_modules are not evidence");
    const link = path.join(fx.dir, "link.txt");
    symlinkSync("/etc/hostname", link);
    const rel = path.relative(REPO_ROOT, link);
    expect(item(id, setPath(rel)).reason).toBe(`artifact ${rel}: resolves outside the repository`);
    expect(item(id, withEntry(id, (x) => delete x.artifacts))).toMatchObject({ status: "invalid", reason: "needs at least one artifact" });
  });

  it("refuses an artifact whose path reaches .git through a symlink, as cdb evidence add does (issue 25)", () => {
    const id = "compliance.incident-response";
    // The attack: ln -s ../../../.git readiness/artifacts/x/gitlink, artifact readiness/artifacts/x/gitlink/HEAD.
    // A .git of the fixture's own stands in for the repository's (a worktree's .git is a file).
    mkdirSync(path.join(fx.dir, ".git"));
    writeFileSync(path.join(fx.dir, ".git", "HEAD"), "ref: refs/heads/main\n");
    symlinkSync(".git", path.join(fx.dir, "gitlink"));
    const rel = path.relative(REPO_ROOT, path.join(fx.dir, "gitlink", "HEAD")).split(path.sep).join("/");
    const e = withEntry(id, (x) => (x.artifacts = [{ path: rel, sha256: fileSha256(path.join(fx.dir, ".git", "HEAD")) }]));
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^artifact \S+\/gitlink\/HEAD: resolves to \S+\/\.git\/HEAD, and files under \.git or node_modules are not evidence$/) });
    // node_modules the same way.
    mkdirSync(path.join(fx.dir, "node_modules"));
    writeFileSync(path.join(fx.dir, "node_modules", "x.txt"), "x\n");
    symlinkSync("node_modules", path.join(fx.dir, "nmlink"));
    const nm = path.relative(REPO_ROOT, path.join(fx.dir, "nmlink", "x.txt")).split(path.sep).join("/");
    expect(item(id, withEntry(id, (x) => (x.artifacts = [{ path: nm, sha256: fileSha256(path.join(fx.dir, "node_modules", "x.txt")) }]))).status).toBe("invalid");
  });

  it("hashes each artifact once per evaluation, and fails closed with one line past the budget (issue 25)", () => {
    const id = "compliance.incident-response";
    const MIB = 1024 * 1024;
    const file = path.join(fx.dir, "big-artifact.bin");
    writeFileSync(file, Buffer.alloc(5 * MIB, 7));
    const ref = { path: path.relative(REPO_ROOT, file).split(path.sep).join("/"), sha256: fileSha256(file) };
    // One signed entry naming the same 5 MiB file 400 times (2 GB if each reference were hashed): hashed once, within a 12 MiB budget.
    const many = withEntry(id, (x) => (x.artifacts = Array.from({ length: 400 }, () => ref)));
    const once = runGate({ ...fx.gateRequest(fx.write(many)), artifactBudgetBytes: 12 * MIB });
    expect(once.verdict.items.find((i) => i.id === id)).toMatchObject({ status: "satisfied" });
    // Three different files of that size do not fit: the whole evaluation stops, exit 2 (UnusableInput), one line.
    const other = (n: number) => {
      const f = path.join(fx.dir, `big-artifact-${n}.bin`);
      writeFileSync(f, Buffer.alloc(5 * MIB, n));
      return { path: path.relative(REPO_ROOT, f).split(path.sep).join("/"), sha256: fileSha256(f) };
    };
    const three = withEntry(id, (x) => (x.artifacts = [ref, other(1), other(2)]));
    let thrown: unknown;
    try {
      runGate({ ...fx.gateRequest(fx.write(three)), artifactBudgetBytes: 12 * MIB });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnusableInput);
    expect((thrown as Error).message).toMatch(/^artifact \S+big-artifact-2\.bin: hashing it would pass the 12 MiB of artifacts one evaluation may hash \(10 MiB so far\): the gate fails closed; attach fewer or smaller files$/);
    expect((thrown as Error).message).not.toContain("\n");
  });

  it("voids all evidence when a trading setting changes (config digest)", () => {
    writeFileSync(fx.liveConfig, liveConfigYaml({ risk: { maxPositionPct: 0.08 } }));
    const { verdict } = gate();
    expect(verdict.ready).toBe(false);
    const attested = verdict.items.filter((i) => i.id === "compliance.strategy")[0]!;
    expect(attested.status).toBe("invalid");
    expect(attested.reason).toMatch(/^evidence is for config digest [0-9a-f]{12}…, the stack's is [0-9a-f]{12}…$/);
    // Machine items are still judged on the stack itself.
    expect(verdict.items.find((i) => i.id === "risk.limits")!.status).toBe("satisfied");
  });

  it("voids all evidence when the traded symbol or the API key (its fingerprint) changes", () => {
    writeFileSync(fx.liveConfig, liveConfigYaml({ symbol: "PEPEUSDT" }));
    expect(item("compliance.strategy").status).toBe("invalid");
    writeFileSync(fx.liveConfig, liveConfigYaml({ mexcKeyFingerprint: "0123456789abcdef" }));
    expect(item("secrets.key-permissions").status).toBe("invalid");
  });

  it("does not let an evidence entry override a failing machine check", () => {
    writeFileSync(fx.liveConfig, liveConfigYaml({ risk: { maxPositionPct: 0.25 } }));
    const e = clone();
    e.items["risk.limits"] = { by: "janne", at: fx.now.toISOString(), note: "trust me" };
    const r = item("risk.limits", e);
    expect(r.status).toBe("failed");
    expect(r.reason).toBe("MAX_POSITION_PCT=0.25 is outside (0, 0.1] (its evidence entry is ignored: machine items are proven by the stack)");
  });

  it("blocks on the MEXC secret when live has no credential (a missing operator setting, not unusable input)", () => {
    writeFileSync(fx.liveConfig, liveConfigYaml().replace(/\s+cdb:mexcApiSecret:\n\s+secure: .*\n/, "\n"));
    const v = gate().verdict;
    expect(v.ready).toBe(false);
    expect(v.items).toEqual([{ id: "config.mexcApiSecret", section: "config", status: "missing", reason: expect.stringContaining("cdb:mexcApiSecret is required in live") }]);
  });

  it.each([
    ["an unknown checklist id", (e: Record<string, unknown>) => ((e.items as Record<string, unknown>)["secrets.pgp-key"] = { by: "a", at: "2026-11-19T00:00:00Z" }), /live\.evidence\.yaml:\d+: items\.secrets\.pgp-key: unknown checklist id$/],
    ["a wrong stack", (e: Record<string, unknown>) => (e.stack = "paper"), /live\.evidence\.yaml:2: stack: evidence is for stack "paper", not "live"$/],
    ["a timestamp without offset", (e: Record<string, unknown>) => (((e.items as Record<string, Record<string, unknown>>)["compliance.strategy"]!).at = "2026-11-19 10:00"), /:\d+: items\.compliance\.strategy\.at: must match format "date-time"$/],
    ["an unknown field", (e: Record<string, unknown>) => (((e.items as Record<string, Record<string, unknown>>)["compliance.strategy"]!).signedBy = "x"), /items\.compliance\.strategy: must NOT have additional properties \(signedBy\)$/],
    ["a signature that is not text", (e: Record<string, unknown>) => (((e.items as Record<string, Record<string, unknown>>)["compliance.strategy"]!).signature = 42), /items\.compliance\.strategy\.signature: must be string$/],
    ["a short config digest", (e: Record<string, unknown>) => (e.configDigest = "abc"), /:3: configDigest: must match pattern/],
    ["a wrong version", (e: Record<string, unknown>) => (e.version = 2), /:1: version: must be equal to constant$/],
  ])("treats %s as unusable input naming file, line and field", (_what, mutate, message) => {
    const e = clone() as unknown as Record<string, unknown>;
    mutate(e);
    expect(unusable(e).message).toMatch(message);
  });

  it("treats duplicate keys, malformed YAML, oversize and missing files as unusable input", () => {
    const text = `version: 1\nstack: live\nconfigDigest: ${"a".repeat(64)}\nitems:\n  compliance.strategy: {by: a, at: "2026-11-19T00:00:00Z"}\n  compliance.strategy: {by: b, at: "2026-11-19T00:00:00Z"}\n`;
    expect(unusable(text).message).toMatch(/live\.evidence\.yaml:6: duplicate key: /);
    expect(unusable("items: [unclosed\n").message).toMatch(/live\.evidence\.yaml:\d+: malformed YAML: /);
    expect(unusable("# pad\n".repeat(200_000)).message).toMatch(/live\.evidence\.yaml: file is larger than the 1 MiB limit$/);
    const missing = path.join(fx.dir, "nope.yaml");
    expect(() => runGate(fx.gateRequest(missing))).toThrow(`${missing}: file not found`);
  });

  it("is not ready without an evidence file, and says so", () => {
    const r = runGate({ ...fx.gateRequest(), evidenceFile: undefined });
    expect(r.verdict.ready).toBe(false);
    expect(r.notes).toEqual(["no evidence file at readiness/live.evidence.yaml: every attested and measured item is missing"]);
  });

  it("is not ready with an empty catalog", () => {
    const empty = path.join(fx.dir, "empty-catalog.yaml");
    writeFileSync(empty, "version: 1\nsections: {}\nitems: []\n");
    const e = clone();
    e.items = {};
    const r = runGate({ ...fx.gateRequest(fx.write(e)), catalogFile: empty });
    expect(r.verdict.items).toEqual([]);
    expect(r.verdict.ready).toBe(false);
  });
});
