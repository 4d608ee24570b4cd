import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

// The one place this folder turns figures into a record: an in-toto Statement
// v1 (https://in-toto.io/Statement/v1) whose predicate holds the figures.
// Signing and the shared record schema (readiness/records*) replace the body of
// writeRecord when they land; callers do not change.

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

export interface Subject {
  name: string;
  digest: { sha256: string };
}

export interface RecordPredicate {
  kind: string;
  version: 1;
  stack: string;
  window: { from: string; to: string };
  outcome: "passed" | "failed";
  [figure: string]: unknown;
}

export interface Statement<P extends RecordPredicate = RecordPredicate> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

export function statement<P extends RecordPredicate>(predicateType: string, predicate: P, subject: Subject[] = []): Statement<P> {
  return { _type: STATEMENT_TYPE, subject, predicateType, predicate };
}

/** Writes the statement as JSON into `dir`; returns the file's path. */
export function writeRecord(s: Statement, dir: string, stem: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${stem}-${s.predicate.window.to.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  return file;
}
