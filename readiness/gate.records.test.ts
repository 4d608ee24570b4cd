import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { makeFixture, signEntry, type Fixture } from "../test/readinessFixture";
import { makeKey } from "../test/sshKeys";
import { REPO_ROOT } from "../platform/paths";
import { fileSha256 } from "./artifacts";
import { signApproval, signAuthor } from "./entrySignature";
import type { Evidence } from "./evidence";
import { runGate } from "./gate";
import { signatureFileOf, signRecordFile, type Statement } from "./records";
import { signWithKeyFile } from "./sshsig";
import { WITNESS_NAMESPACE } from "../config/witness";

// Attacks on the gate's records and signatures: each starts from complete,
// signed evidence (test/readinessFixture.ts) and breaks one thing the way
// someone trying to pass without the real thing would.

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});

type E = Omit<Evidence, "file">;
const clone = (): E => structuredClone(fx.evidence);
const item = (id: string, e?: E) => runGate(fx.gateRequest(e ? fx.write(e) : fx.evidenceFile)).verdict.items.find((i) => i.id === id)!;
const recordFile = (e: E, id: string) => path.join(REPO_ROOT, e.items[id]!.artifacts![0]!.path);

/**
 * Edits the record of `id` by hand, updates its sha256 in the entry, and (with `resignEntry`) signs the entry again with janne's key.
 * `resignRecord: "witness"` signs the edited record again as its own signer would (paper's witness, cdb-witness): what is left to judge are its figures.
 */
function forge(id: string, edit: (s: Statement) => void, opts: { resignRecord?: "witness" | "stranger"; resignEntry?: boolean } = {}): E {
  const e = clone();
  const file = recordFile(e, id);
  const s = JSON.parse(readFileSync(file, "utf8")) as Statement;
  edit(s);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  if (opts.resignRecord === "witness") signRecordFile(file, fx.keys.witnessPaper.file, WITNESS_NAMESPACE);
  if (opts.resignRecord === "stranger") signRecordFile(file, makeKey("mallory").file, WITNESS_NAMESPACE);
  e.items[id]!.artifacts![0]!.sha256 = fileSha256(file);
  if (opts.resignEntry !== false) signEntry(e, id, fx.keys, false);
  return e;
}

describe("records the gate reads", () => {
  it("counts the fixture's signed records, naming them", () => {
    for (const id of ["killswitch.manual-drill", "stability.paper-orders", "stability.observation-window"]) {
      const r = item(id);
      expect(r.status, r.reason).toBe("satisfied");
      expect(r.reason).toMatch(/record .*\.json (passed|measured).*signed by witness@paper/);
    }
  });

  it("refuses a hand-edited record whose sha256 in the entry was updated (entry re-signed): the record's signature no longer holds", () => {
    const e = forge("stability.paper-orders", (s) => {
      s.predicate.figures.orderIds = [...(s.predicate.figures.orderIds as string[]), ...Array.from({ length: 50 }, (_, i) => `MOCK_forged_${i}`)];
      s.predicate.figures.filled = 151;
    });
    e.items["stability.paper-orders"]!.value = 151;
    signEntry(e, "stability.paper-orders", fx.keys, false);
    expect(item("stability.paper-orders", e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record paper-orders\.json: signature does not verify: it was made over other content/) });
  });

  it("refuses a forged record signed again with a key that is not in allowed_signers", () => {
    const e = forge("killswitch.manual-drill", (s) => void (s.predicate.figures.latencyMs = 1), { resignRecord: "stranger" });
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record drill\.json: signed by key SHA256:\S+, which is not in allowed_signers; killswitch-drill records count only when signed by witness@paper \(namespace cdb-witness\)$/) });
  });

  it("refuses a failed drill record (not-observed), even when properly signed", () => {
    const e = forge(
      "killswitch.manual-drill",
      (s) => {
        s.predicate.outcome = "not-observed";
        s.predicate.explanation = "nothing read the entry";
        const f = s.predicate.figures as Record<string, unknown>;
        f.measured = "none";
        delete f.latencyMs;
        delete f.rejectedOrder;
      },
      { resignRecord: "witness" },
    );
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "failed", reason: "record drill.json: outcome not-observed (nothing read the entry)" });
  });

  it("refuses a drill record that says passed but whose figures show nothing observed", () => {
    const e = forge("killswitch.manual-drill", (s) => void ((s.predicate.figures as Record<string, unknown>).measured = "none"), { resignRecord: "witness" });
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "failed", reason: expect.stringContaining("the drill observed nothing") });
  });

  it("refuses a count below the threshold, and a typed value that differs from the record's count", () => {
    const few = forge(
      "stability.paper-orders",
      (s) => {
        s.predicate.figures.orderIds = (s.predicate.figures.orderIds as string[]).slice(0, 42);
        s.predicate.figures.filled = 42;
      },
      { resignRecord: "witness", resignEntry: false },
    );
    few.items["stability.paper-orders"]!.value = 42;
    signEntry(few, "stability.paper-orders", fx.keys, false);
    expect(item("stability.paper-orders", few)).toMatchObject({ status: "failed", reason: "value 42 orders is below 100 orders" });
    // The same record, but 142 typed into the entry (and signed): the record decides.
    few.items["stability.paper-orders"]!.value = 142;
    signEntry(few, "stability.paper-orders", fx.keys, false);
    expect(item("stability.paper-orders", few)).toMatchObject({ status: "invalid", reason: "value 142 differs from 42, what its record computes" });
  });

  it("refuses an observation window that is too short or too old", () => {
    const short = forge("stability.observation-window", (s) => void (s.predicate.window.from = new Date(Date.parse(s.predicate.window.to) - 10 * 3_600_000).toISOString()), { resignRecord: "witness", resignEntry: false });
    short.items["stability.observation-window"]!.value = 10;
    signEntry(short, "stability.observation-window", fx.keys, false);
    expect(item("stability.observation-window", short)).toMatchObject({ status: "failed", reason: "value 10 hours is below 48 hours" });

    // The whole record moved 6 days back (window, start times, disruption): consistent, but too old.
    const old = forge(
      "stability.observation-window",
      (s) => {
        const back = (t: string) => new Date(Date.parse(t) - 6 * 86_400_000).toISOString();
        const f = s.predicate.figures as { since: string; lastDisruption: { at: string }; containers: { startedAt: string }[] };
        s.predicate.window = { from: back(s.predicate.window.from), to: back(s.predicate.window.to) };
        f.since = back(f.since);
        f.lastDisruption.at = back(f.lastDisruption.at);
        for (const c of f.containers) c.startedAt = back(c.startedAt);
      },
      { resignRecord: "witness" },
    );
    expect(item("stability.observation-window", old)).toMatchObject({ status: "expired", reason: expect.stringMatching(/^record observation-window\.json: window ended .*, more than 7 days ago$/) });
  });

  it("refuses a record that fails the schema, a record of another kind, a live record and an unsigned record", () => {
    const extra = forge("killswitch.manual-drill", (s) => void ((s.predicate as unknown as Record<string, unknown>).passed = true), { resignRecord: "witness" });
    expect(item("killswitch.manual-drill", extra)).toMatchObject({ status: "invalid", reason: "record drill.json: not a valid record: predicate: must NOT have additional properties (passed)" });
    fx = makeFixture(fx.now);
    const badFigure = forge("killswitch.manual-drill", (s) => void ((s.predicate.figures as Record<string, unknown>).latencyMs = "fast"), { resignRecord: "witness" });
    expect(item("killswitch.manual-drill", badFigure)).toMatchObject({ status: "invalid", reason: "record drill.json: not a valid record: predicate.figures.latencyMs: must be number" });
    fx = makeFixture(fx.now);
    const live = forge("killswitch.manual-drill", (s) => void (s.predicate.mode = "live"), { resignRecord: "witness" });
    expect(item("killswitch.manual-drill", live)).toMatchObject({ status: "invalid", reason: "record drill.json is from a live stack; killswitch-drill counts from paper only" });

    fx = makeFixture(fx.now);
    const e = clone();
    e.items["killswitch.manual-drill"]!.artifacts = structuredClone(e.items["stability.paper-orders"]!.artifacts);
    signEntry(e, "killswitch.manual-drill", fx.keys, false);
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "invalid", reason: "record paper-orders.json is a paper-orders record, this item reads killswitch-drill" });

    rmSync(signatureFileOf(recordFile(fx.evidence, "killswitch.manual-drill")));
    expect(item("killswitch.manual-drill", clone())).toMatchObject({ status: "invalid", reason: "record drill.json: not signed (no drill.json.sig)" });
  });

  it("refuses a plain text file where a record belongs", () => {
    const e = clone();
    e.items["killswitch.manual-drill"]!.artifacts = structuredClone(e.items["compliance.strategy"]!.artifacts);
    signEntry(e, "killswitch.manual-drill", fx.keys, false);
    expect(item("killswitch.manual-drill", e)).toMatchObject({ status: "invalid", reason: "record compliance.strategy.txt: not JSON" });
  });
});

describe("signatures the gate verifies", () => {
  const id = "compliance.strategy";
  const two = "secrets.key-permissions";

  it("refuses an unsigned entry", () => {
    const e = clone();
    delete e.items[id]!.signature;
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: "entry by janne: not signed" });
  });

  it("refuses an entry signed by a key that is not in allowed_signers, whatever name it types", () => {
    const e = clone();
    signEntry(e, id, fx.keys, false, makeKey("mallory"));
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^entry by janne: signed by key SHA256:\S+, which is not in allowed_signers$/) });
  });

  it("refuses a signature over other content: a changed field, or a signature moved from another entry", () => {
    const changed = clone();
    changed.items[id]!.at = new Date(fx.now.getTime() - 86_400_000).toISOString();
    expect(item(id, changed)).toMatchObject({ status: "invalid", reason: "entry by janne: signature does not verify: it was made over other content or is corrupt" });
    const moved = clone();
    moved.items[id]!.signature = moved.items["compliance.risk-policy"]!.signature;
    expect(item(id, moved).reason).toBe("entry by janne: signature does not verify: it was made over other content or is corrupt");
    // Another stack's or another digest's form is other content too.
    const e = clone();
    e.items[id]!.signature = signAuthor(fx.keys.janne.file, { stack: "live", item: id, configDigest: "0".repeat(64), at: e.items[id]!.at, by: "janne", artifacts: e.items[id]!.artifacts! });
    expect(item(id, e).status).toBe("invalid");
  });

  it("refuses a malformed or oversized signature with the reason", () => {
    const e = clone();
    e.items[id]!.signature = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n";
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: "entry by janne: malformed signature: signature: truncated" });
    e.items[id]!.signature = `-----BEGIN SSH SIGNATURE-----\n${"QUFB".repeat(5000)}\n-----END SSH SIGNATURE-----\n`;
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^entry by janne: malformed signature: signature is \d+ characters, more than 8192$/) });
    e.items[id]!.signature = signWithKeyFile(fx.keys.janne.file, "x", "git");
    expect(item(id, e).reason).toBe('entry by janne: signature is for namespace "git", not cdb-evidence');
  });

  it("refuses a typed name that is not the signing key's person", () => {
    const e = clone();
    e.items[id]!.by = "mara";
    signEntry(e, id, fx.keys, false);
    expect(item(id, e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^entry by mara: names mara, but was signed by key SHA256:\S+ of janne, janne@example\.com$/) });
  });

  it("refuses a self-approved entry: the author's key under another name is one person", () => {
    const e = clone();
    e.items[two]!.approvedBy = "janne@example.com";
    const entry = e.items[two]!;
    const fields = { stack: "live", item: two, configDigest: e.configDigest, at: entry.at, by: entry.by, artifacts: entry.artifacts! };
    entry.approvalSignature = signApproval(fx.keys.janne.file, fields, "janne@example.com", entry.signature!);
    expect(item(two, e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^approved with the author's own key SHA256:\S+ \(janne \/ janne@example\.com are one person\): a second key must approve$/) });
  });

  it("refuses an unsigned approval and an approval moved from another entry", () => {
    const e = clone();
    delete e.items[two]!.approvalSignature;
    expect(item(two, e)).toMatchObject({ status: "invalid", reason: "approval by mara: not signed" });
    e.items[two]!.approvalSignature = e.items["execution.live-executor-review"]!.approvalSignature;
    expect(item(two, e)).toMatchObject({ status: "invalid", reason: "approval by mara: signature does not verify: it was made over other content or is corrupt" });
  });

  it("counts nothing without an allowed_signers file, and says so", () => {
    rmSync(fx.allowedSigners);
    const r = runGate(fx.gateRequest());
    expect(r.verdict.ready).toBe(false);
    expect(r.notes).toContainEqual(expect.stringContaining("no allowed signers at"));
    expect(r.verdict.items.find((i) => i.id === id)!.reason).toMatch(/^entry by janne: signed by SHA256:\S+, but there is no allowed_signers file: nobody may sign$/);
  });

  it("treats a broken allowed_signers file as unusable input", () => {
    writeFileSync(fx.allowedSigners, "janne ssh-ed25519 not-base64!\n");
    expect(() => runGate(fx.gateRequest())).toThrow(/allowed_signers:1: key:/);
  });
});
