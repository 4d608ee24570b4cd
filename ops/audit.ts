import { appendFileSync, closeSync, constants, existsSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { UnusableInput } from "../platform/errors";
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

/**
 * The audit file opened for appending, created when missing: a regular file only. A FIFO
 * (CDB_AUDIT_FILE=<fifo>) would block the open until someone reads it, a device swallows the
 * record: refused at once (non-blocking open, fstat of the opened descriptor), exit 2.
 */
function openAuditFile(file: string): number {
  mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NONBLOCK ?? 0), 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENXIO: a FIFO without a reader, opened without blocking.
    throw new UnusableInput(file, code === "ENXIO" ? "audit file is a FIFO (named pipe), not a regular file" : `cannot write the audit file (${code ?? String(e)})`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UnusableInput(file, "audit file is not a regular file (a FIFO, a device or a socket)");
  }
  return fd;
}

/** Refuses an audit file no record could be appended to, before a command acts (it writes its record after). */
export const checkAuditFile = (file = auditFile()): void => closeSync(openAuditFile(file));

/** Which state backend an operation on Pulumi state used: scheme, host, database (a file backend: its folder), never a password. */
export const stateBackend = (): BackendDescription => describeBackend();

export function appendAudit(record: Omit<AuditRecord, "at"> & { at?: string }, file = auditFile()): AuditRecord {
  // Whatever a record quotes (an error's message from Pulumi) loses the backend's password before it is written.
  const full = JSON.parse(redactBackend(JSON.stringify({ at: new Date().toISOString(), ...record }))) as AuditRecord;
  const fd = openAuditFile(file);
  try {
    // One write of one line with O_APPEND: concurrent writers do not interleave.
    appendFileSync(fd, JSON.stringify(full) + "\n", { encoding: "utf8" });
  } finally {
    closeSync(fd);
  }
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
