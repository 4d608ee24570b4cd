import { createHash } from "node:crypto";
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, rmdirSync, statSync, writeSync } from "node:fs";
import { OpsRefused } from "../platform/errors";

// The witness's journal: append-only JSON lines in its volume, each bound to
// the one before by the sha256 of that line's bytes (`prev`), so an edited,
// removed or reordered line breaks the chain at the first line after it.
// Appends use O_APPEND and fsync; the serve loop and the commands run through
// `docker exec` append to the same file, so one append at a time holds a lock
// directory beside it (mkdir is atomic; a lock older than LOCK_STALE_MS is a
// crashed writer's and is taken over). What the chain cannot show alone: an
// edit of the LAST line before the next append (the append binds to the
// edited bytes). That is why every signed record carries the head it follows
// (sign.ts): a line at or before a signed head cannot change unnoticed.

export const GENESIS = "0".repeat(64);
const LOCK_STALE_MS = 30_000;

export interface JournalLine {
  seq: number;
  /** sha256 of the previous line's bytes (without its newline); GENESIS for the first. */
  prev: string;
  /** The witness's clock, ISO. */
  at: string;
  /** Redis's clock (TIME) in ms, when Redis answered. */
  redisTime?: number;
  event: Record<string, unknown> & { type: string };
}

export interface JournalHead {
  seq: number;
  /** sha256 of the last line's bytes; GENESIS when the journal is empty. */
  sha256: string;
}

export const lineHash = (line: string) => createHash("sha256").update(line, "utf8").digest("hex");

export type JournalCheck = { ok: true; head: JournalHead; lines: number } | { ok: false; line: number; problem: string; head?: JournalHead };

/** Walks the whole chain; names the first broken line (1-based). */
export function verifyJournal(file: string): JournalCheck {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, head: { seq: 0, sha256: GENESIS }, lines: 0 };
    throw e;
  }
  return verifyJournalText(text);
}

export function verifyJournalText(text: string): JournalCheck {
  if (text !== "" && !text.endsWith("\n")) return { ok: false, line: text.split("\n").length, problem: "the last line is incomplete (no newline): a write was cut off or the file was edited" };
  const lines = text === "" ? [] : text.slice(0, -1).split("\n");
  let prev = GENESIS;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    let l: JournalLine;
    try {
      l = JSON.parse(raw) as JournalLine;
    } catch {
      return { ok: false, line: i + 1, problem: "not JSON" };
    }
    if (l.seq !== i + 1) return { ok: false, line: i + 1, problem: `seq ${String(l.seq)}, expected ${i + 1}: a line was removed or inserted` };
    if (l.prev !== prev) return { ok: false, line: i + 1, problem: `prev ${String(l.prev).slice(0, 12)}… is not the sha256 of line ${i} (${prev.slice(0, 12)}…): line ${i || 1} was edited` };
    if (typeof l.at !== "string" || typeof l.event?.type !== "string") return { ok: false, line: i + 1, problem: "lacks at or event.type" };
    prev = lineHash(raw);
  }
  return { ok: true, head: { seq: lines.length, sha256: prev }, lines: lines.length };
}

/** The last line of the file (read from its end), or undefined for an empty journal. */
function lastLine(fd: number): string | undefined {
  const size = fstatSync(fd).size;
  if (size === 0) return undefined;
  let chunk = 4096;
  for (;;) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString("utf8").replace(/\n$/, "");
    const i = text.lastIndexOf("\n");
    if (i >= 0 || start === 0) return text.slice(i + 1);
    chunk *= 4;
  }
}

function withLock<T>(file: string, f: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmdirSync(lock);
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new OpsRefused(`journal ${file} is locked by another writer for more than 10 s (${lock})`);
      // A short, bounded spin: appends take well under a millisecond.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    return f();
  } finally {
    rmdirSync(lock);
  }
}

/** Appends one event; returns the new head. */
export function appendJournal(file: string, event: JournalLine["event"], redisTime?: number, now = new Date()): JournalHead {
  return withLock(file, () => {
    const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o600);
    try {
      const last = lastLine(fd);
      let seq = 1;
      let prev = GENESIS;
      if (last !== undefined) {
        let parsed: { seq?: unknown };
        try {
          parsed = JSON.parse(last) as { seq?: unknown };
        } catch {
          parsed = {};
        }
        // A damaged last line still gets a successor bound to its bytes: the break stays visible at that line.
        seq = (typeof parsed.seq === "number" ? parsed.seq : 0) + 1;
        prev = lineHash(last);
      }
      const line = JSON.stringify({ seq, prev, at: now.toISOString(), ...(redisTime !== undefined ? { redisTime } : {}), event } satisfies JournalLine);
      writeSync(fd, line + "\n");
      fsyncSync(fd);
      return { seq, sha256: lineHash(line) };
    } finally {
      closeSync(fd);
    }
  });
}

/** Every line, parsed (after a check of the chain: callers that judge from the journal must not read a broken one). */
export function readJournal(file: string): { lines: JournalLine[]; head: JournalHead } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const check = verifyJournalText(text);
  if (!check.ok) throw new JournalBroken(file, check.line, check.problem);
  return { lines: text === "" ? [] : text.slice(0, -1).split("\n").map((l) => JSON.parse(l) as JournalLine), head: check.head };
}

/** The journal's chain is broken: the witness signs nothing bound to it until it is rotated. */
export class JournalBroken extends OpsRefused {
  constructor(file: string, line: number, problem: string) {
    super(`journal ${file} is broken at line ${line}: ${problem}; the witness signs nothing bound to it (move it aside to start a new chain, and keep it for the investigation)`);
    this.name = "JournalBroken";
  }
}
