import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WITNESS_NAMESPACE } from "../config/witness";
import { predicateTypeOf, STATEMENT_TYPE, type Statement } from "../readiness/records";
import { verifySignature } from "../readiness/sshsig";
import { appendJournal, JournalBroken, verifyJournal } from "./journal";
import { ensureWitnessKey } from "./key";
import { recordText, signRecord } from "./sign";

// A Statement as ops/ builds them; its figures do not matter to signing.
const statement = (): Statement => ({
  _type: STATEMENT_TYPE,
  subject: [{ name: "execution", digest: { sha256: "a".repeat(64) } }],
  predicateType: predicateTypeOf("paper-orders"),
  predicate: { kind: "paper-orders", version: 1, stack: "paper", mode: "paper", by: "witness@paper", window: { from: "2026-01-01T00:00:00.000Z", to: "2026-01-01T01:00:00.000Z" }, outcome: "measured", figures: {} },
});

describe("signing a record", () => {
  const setup = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), "cdb-witness-sign-"));
    const s = { keyFile: path.join(d, "witness_ed25519"), journalFile: path.join(d, "journal.jsonl") };
    ensureWitnessKey(s.keyFile, "witness@paper");
    return s;
  };

  it("binds the record to the journal head both ways and signs its exact text in cdb-witness", () => {
    const s = setup();
    const head = appendJournal(s.journalFile, { type: "heartbeat" });
    const line = signRecord(s, statement(), "paper-x-paper-orders");
    expect(JSON.parse(line.record).subject[0].annotations.witnessJournal).toEqual(head);
    expect(verifySignature(line.signature, line.record, WITNESS_NAMESPACE)).toMatchObject({ ok: true });
    expect(verifySignature(line.signature, line.record, "cdb-evidence")).toMatchObject({ ok: false });
    expect(line.record).toBe(recordText(JSON.parse(line.record)));
    // The journal's next line names the record's sha256.
    const last = JSON.parse(readFileSync(s.journalFile, "utf8").trimEnd().split("\n").at(-1)!) as { event: { type: string; sha256: string } };
    expect(last.event).toMatchObject({ type: "signed", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verifyJournal(s.journalFile)).toMatchObject({ ok: true, lines: 2 });
  });

  it("signs nothing while the journal is broken", () => {
    const s = setup();
    for (let i = 0; i < 3; i++) appendJournal(s.journalFile, { type: "heartbeat", i });
    writeFileSync(s.journalFile, readFileSync(s.journalFile, "utf8").replace('"i":0', '"i":5'));
    expect(() => signRecord(s, statement(), "x")).toThrow(JournalBroken);
    expect(() => signRecord(s, statement(), "x")).toThrow(/broken at line 2/);
  });
});
