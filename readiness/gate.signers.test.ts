import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { WITNESS_NAMESPACE } from "../config/witness";
import { REPO_ROOT } from "../platform/paths";
import { FIXTURE_EXECUTION_IMAGE, passingRehearsalStatement } from "../test/exchangeRecordsFixture";
import { makeFixture, signEntry, writeWitnessedRecord, type Fixture } from "../test/readinessFixture";
import { makeKey } from "../test/sshKeys";
import { fileSha256 } from "./artifacts";
import type { Evidence } from "./evidence";
import { pinsOf } from "./freight";
import { runGate } from "./gate";
import { loadStackConfigFile, viewOf } from "./stackView";
import { signatureFileOf, signRecordFile, writeRecord, type Statement } from "./records";
import { SSHSIG_NAMESPACE } from "./sshsig";

// Attacks on who may sign what (issue 22): each starts from complete, signed
// evidence whose witnessed records are signed by the fixture's witness@paper
// and witness@rehearsal keys (namespace cdb-witness) and whose exchange check
// is janne's (cdb-evidence), and tries to pass a witnessed item without its
// stack's witness, or a person's item with a witness's key.

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});

type E = Omit<Evidence, "file">;
const clone = (): E => structuredClone(fx.evidence);
const item = (id: string, e?: E) => runGate(fx.gateRequest(e ? fx.write(e) : fx.evidenceFile)).verdict.items.find((i) => i.id === id)!;
const recordFile = (e: E, id: string) => path.join(REPO_ROOT, e.items[id]!.artifacts![0]!.path);
const rel = (file: string) => path.relative(REPO_ROOT, file).split(path.sep).join("/");

/** Points the entry `id` at `file`, its sha256 updated, signed again by janne. */
function attach(e: E, id: string, file: string): E {
  e.items[id]!.artifacts = [{ path: rel(file), sha256: fileSha256(file) }];
  signEntry(e, id, fx.keys, false);
  return e;
}

/** What an operator in a hurry types: the fixture's drill record copied and edited by hand, signed with plain ssh-keygen. */
function handWritten(name: string, edit: (s: Statement) => void, key: string, namespace: string): string {
  const s = JSON.parse(readFileSync(recordFile(fx.evidence, "killswitch.manual-drill"), "utf8")) as Statement;
  edit(s);
  const file = path.join(fx.dir, name);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-n", namespace, "-f", key, file], { stdio: "ignore" });
  return file;
}

const ghost = (by: string) => (s: Statement) => {
  s.predicate.stack = "paper-that-never-ran";
  s.predicate.by = by;
  s.subject = [{ name: "execution", digest: { sha256: "0".repeat(64) } }];
};

describe("witnessed items: only the witness of the record's own stack signs them", () => {
  it("control: the fixture's witness-signed records count, naming their witness", () => {
    for (const [id, witness] of [["killswitch.manual-drill", "witness@paper"], ["stability.candles", "witness@paper"], ["execution.timeout-tested", "witness@rehearsal"]]) {
      const r = item(id!);
      expect(r.status, r.reason).toBe("satisfied");
      expect(r.reason).toContain(`signed by ${witness}`);
    }
  });

  it("refuses a hand-written kill-drill record of a stack that never existed, signed by an allowed person with plain ssh-keygen -n cdb-evidence", () => {
    const file = handWritten("ghost-drill.json", ghost("janne"), fx.keys.janne.file, SSHSIG_NAMESPACE);
    // ssh-keygen itself accepts it for janne: the signature is genuine, the signer is the wrong role.
    execFileSync("ssh-keygen", ["-Y", "verify", "-f", fx.allowedSigners, "-I", "janne", "-n", SSHSIG_NAMESPACE, "-s", signatureFileOf(file)], { input: readFileSync(file), stdio: ["pipe", "ignore", "ignore"] });
    expect(item("killswitch.manual-drill", attach(clone(), "killswitch.manual-drill", file))).toMatchObject({
      status: "invalid",
      reason: "record ghost-drill.json: names by janne; killswitch-drill records count only when signed by witness@paper-that-never-ran (namespace cdb-witness)",
    });
    // Typing the witness's name does not help: janne's key signed it, in either namespace.
    const named = handWritten("ghost-drill-named.json", ghost("witness@paper-that-never-ran"), fx.keys.janne.file, SSHSIG_NAMESPACE);
    expect(item("killswitch.manual-drill", attach(clone(), "killswitch.manual-drill", named))).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record ghost-drill-named\.json: signature is for namespace "cdb-evidence", not cdb-witness; /) });
    const inWitnessNs = handWritten("ghost-drill-ns.json", ghost("witness@paper-that-never-ran"), fx.keys.janne.file, WITNESS_NAMESPACE);
    expect(item("killswitch.manual-drill", attach(clone(), "killswitch.manual-drill", inWitnessNs))).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record ghost-drill-ns\.json: key SHA256:\S+ is a person's \(janne, janne@example\.com\) in allowed_signers: only a witness's own key signs cdb-witness; /) });
  });

  it("refuses a genuine witness record signed again by a person's allowed key, for every witnessed kind", () => {
    for (const id of ["killswitch.manual-drill", "stability.paper-orders", "stability.observation-window", "stability.candles", "stability.regime", "killswitch.allocation-zero", "killswitch.risk-blocks-zero", "stability.allocation-restart", "monitoring.structured-logs", "execution.retry-tested"]) {
      const file = recordFile(fx.evidence, id);
      const genuine = readFileSync(signatureFileOf(file));
      signRecordFile(file, fx.keys.janne.file);
      const r = item(id);
      expect(r, id).toMatchObject({ status: "invalid", reason: expect.stringMatching(/signature is for namespace "cdb-evidence", not cdb-witness; \S+ records count only when signed by witness@(paper|rehearsal) \(namespace cdb-witness\)$/) });
      // And in the witness's namespace, janne's key is still a person's.
      signRecordFile(file, fx.keys.janne.file, WITNESS_NAMESPACE);
      expect(item(id), id).toMatchObject({ status: "invalid", reason: expect.stringContaining("is a person's (janne, janne@example.com)") });
      writeFileSync(signatureFileOf(file), genuine);
      expect(item(id).status, id).toBe("satisfied");
    }
  }, 60_000);

  it("refuses witness@rehearsal speaking for paper: its key under paper's name, or its own name on a paper record", () => {
    const file = recordFile(fx.evidence, "stability.paper-orders");
    signRecordFile(file, fx.keys.witnessRehearsal.file, WITNESS_NAMESPACE);
    expect(item("stability.paper-orders")).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record paper-orders\.json: names witness@paper, but was signed by key SHA256:\S+ of witness@rehearsal; paper-orders records count only when signed by witness@paper \(namespace cdb-witness\)$/) });
    // The record rewritten to name witness@rehearsal as its author, signed by that witness: still a paper record.
    const s = JSON.parse(readFileSync(file, "utf8")) as Statement;
    s.predicate.by = "witness@rehearsal";
    const moved = writeRecord(s, path.join(fx.dir, "orders-by-rehearsal.json"), fx.keys.witnessRehearsal.file, WITNESS_NAMESPACE).file;
    expect(item("stability.paper-orders", attach(clone(), "stability.paper-orders", moved))).toMatchObject({ status: "invalid", reason: "record orders-by-rehearsal.json: names by witness@rehearsal; paper-orders records count only when signed by witness@paper (namespace cdb-witness)" });
  });

  it("refuses a person's key listed with namespaces=\"cdb-evidence\" (or no namespaces) signing in cdb-witness, even under the witness's name", () => {
    const insider = makeKey("insider", { dir: fx.dir });
    // Listed as a person for cdb-evidence, it signs paper's record in cdb-witness.
    appendFileSync(fx.allowedSigners, `insider namespaces="cdb-evidence" ${insider.publicLine}\n`);
    const file = recordFile(fx.evidence, "stability.observation-window");
    signRecordFile(file, insider.file, WITNESS_NAMESPACE);
    expect(item("stability.observation-window")).toMatchObject({ status: "invalid", reason: expect.stringContaining("is a person's (insider) in allowed_signers: only a witness's own key signs cdb-witness") });
    // Listed under the witness's principal, but for cdb-evidence only, or with no namespaces option at all.
    for (const option of ['namespaces="cdb-evidence" ', ""]) {
      const other = makeKey(`fake-witness-${option.length}`, { dir: fx.dir });
      appendFileSync(fx.allowedSigners, `witness@paper ${option}${other.publicLine}\n`);
      signRecordFile(file, other.file, WITNESS_NAMESPACE);
      expect(item("stability.observation-window"), option).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record observation-window\.json: key SHA256:\S+ of witness@paper may not sign cdb-witness evidence: it (may sign only cdb-evidence, not cdb-witness|has no namespaces="cdb-witness")/) });
    }
  });
});

describe("attested items: a witness's key is no person", () => {
  it("control: janne's exchange-check record counts for the attested key items", () => {
    expect(item("secrets.mainnet-verified")).toMatchObject({ status: "satisfied", reason: expect.stringContaining("signed by janne") });
  });

  it("refuses an exchange-check record, and an evidence entry, signed by a witness's key even where its line also allows cdb-evidence", () => {
    const lines = readFileSync(fx.allowedSigners, "utf8").replace('witness@paper namespaces="cdb-witness"', 'witness@paper namespaces="cdb-witness,cdb-evidence"');
    writeFileSync(fx.allowedSigners, lines);
    const file = recordFile(fx.evidence, "secrets.mainnet-verified");
    const copy = path.join(fx.dir, "check-by-witness.json");
    copyFileSync(file, copy);
    const s = JSON.parse(readFileSync(copy, "utf8")) as Statement;
    s.predicate.by = "witness@paper";
    writeRecord(s, copy, fx.keys.witnessPaper.file);
    expect(item("secrets.mainnet-verified", attach(clone(), "secrets.mainnet-verified", copy))).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record check-by-witness\.json: key SHA256:\S+ is a witness's \(witness@paper\) in allowed_signers: a witness key never signs as a person; exchange-check records count only when signed by a person's key/) });
    const e = clone();
    e.items["compliance.strategy"]!.by = "witness@paper";
    signEntry(e, "compliance.strategy", fx.keys, false, fx.keys.witnessPaper);
    expect(item("compliance.strategy", e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^entry by witness@paper: key SHA256:\S+ is a witness's \(witness@paper\) in allowed_signers: a witness key never signs as a person$/) });
  });
});

describe("rehearsals count only for the execution image live pins (finding 3)", () => {
  it("refuses a witness-signed, passing rehearsal of the fixture execution image while live pins another, naming both images", () => {
    const s = passingRehearsalStatement("timeout", new Date(fx.now.getTime() - 86_400_000), FIXTURE_EXECUTION_IMAGE);
    const file = writeWitnessedRecord(s, path.join(fx.dir, "rehearsal-of-fixture-image.json"), fx.keys).file;
    const pinned = pinsOf(viewOf(loadStackConfigFile("live", fx.liveConfig)).plan).execution!.split("@sha256:")[1]!;
    const r = item("execution.timeout-tested", attach(clone(), "execution.timeout-tested", file));
    expect(r.status).toBe("failed");
    expect(r.reason).toBe(`not live's image: ${rel(file)}: execution: live pins sha256:${pinned.slice(0, 12)}…, the rehearsal ran image sha256:${FIXTURE_EXECUTION_IMAGE.digest.sha256.slice(0, 12)}… (never pushed: no RepoDigests)`);
    // A rehearsal that names no execution image at all proves nothing for live either.
    const blind = writeWitnessedRecord({ ...s, subject: s.subject.filter((x) => x.name !== "execution") }, path.join(fx.dir, "rehearsal-no-executor.json"), fx.keys).file;
    expect(item("execution.timeout-tested", attach(clone(), "execution.timeout-tested", blind))).toMatchObject({ status: "failed", reason: expect.stringContaining("execution: the rehearsal's record names no image for it") });
  });
});
