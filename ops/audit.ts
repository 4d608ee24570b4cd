import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { readInputText } from "../config/inputFile";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { type BackendDescription, describeBackend, redactBackend } from "../platform/stateBackend";

// Append-only operations log in the repository: one JSON object per line.
// (`.jsonl`, not `.log`: the repository ignores *.log.)

export const AUDIT_FILE = path.join(REPO_ROOT, "audit", "operations.jsonl");
export const AUDIT_ENV = "CDB_AUDIT_FILE";

export interface AuditRecord {
  at: string;
  by: string;
  op: string;
  stack: string;
  outcome: string;
  [detail: string]: unknown;
}

/** The operator: --by when given, else the OS user. */
export function operator(by?: string): string {
  if (by) return by;
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

export const auditFile = () => process.env[AUDIT_ENV] ?? AUDIT_FILE;

/** Which state backend an operation on Pulumi state used: scheme, host, database (a file backend: its folder), never a password. */
export const stateBackend = (): BackendDescription => describeBackend();

export function appendAudit(record: Omit<AuditRecord, "at"> & { at?: string }, file = auditFile()): AuditRecord {
  // Whatever a record quotes (an error's message from Pulumi) loses the backend's password before it is written.
  const full = JSON.parse(redactBackend(JSON.stringify({ at: new Date().toISOString(), ...record }))) as AuditRecord;
  mkdirSync(path.dirname(file), { recursive: true });
  // One write of one line with O_APPEND: concurrent writers do not interleave.
  appendFileSync(file, JSON.stringify(full) + "\n", { encoding: "utf8", flag: "a" });
  return full;
}

export function readAudit(file = auditFile()): AuditRecord[] {
  if (!existsSync(file)) return [];
  const text = readInputText(file, { maxBytes: 256 * 1024 * 1024, what: "audit file" });
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as AuditRecord);
}
