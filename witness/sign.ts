import { createHash } from "node:crypto";
import { WITNESS_NAMESPACE } from "../config/witness";
import type { Statement } from "../readiness/records";
import { signWithKeyFile } from "../readiness/sshsig";
import { appendJournal, readJournal } from "./journal";
import type { WitnessSettings } from "./stack";

// Signing a record: the witness binds it to its journal, signs the exact text
// the CLI will write, and journals that it signed it. Binding both ways: every
// subject carries the journal head the record follows (`witnessJournal`:
// seq and sha256 of that line), and the journal's next line names the
// record's sha256. A broken journal signs nothing (readJournal throws).

/** One line of a record command's stdout: the contract of config/witness.ts. */
export interface WitnessRecordLine {
  kind: string;
  /** Suggested file base name (no extension). */
  name: string;
  /** The exact text that was signed: the CLI writes these bytes as `<name>.json`. */
  record: string;
  /** Armored sshsig over `record`, namespace cdb-witness. */
  signature: string;
}

/** The record text as readiness/records.ts writeRecord writes it. */
export const recordText = (s: Statement) => JSON.stringify(s, null, 2) + "\n";

export function signRecord(settings: Pick<WitnessSettings, "journalFile" | "keyFile">, statement: Statement, name: string, redisTime?: number): WitnessRecordLine {
  const { head } = readJournal(settings.journalFile);
  const bound: Statement = { ...statement, subject: statement.subject.map((s) => ({ ...s, annotations: { ...s.annotations, witnessJournal: { seq: head.seq, sha256: head.sha256 } } })) };
  const record = recordText(bound);
  const signature = signWithKeyFile(settings.keyFile, record, WITNESS_NAMESPACE);
  appendJournal(settings.journalFile, { type: "signed", kind: statement.predicate.kind, name, sha256: createHash("sha256").update(record).digest("hex"), window: statement.predicate.window, outcome: statement.predicate.outcome }, redisTime);
  return { kind: statement.predicate.kind, name, record, signature };
}

export const printRecord = (l: WitnessRecordLine) => process.stdout.write(JSON.stringify(l) + "\n");
