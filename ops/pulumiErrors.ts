import os from "node:os";
import { incorrectPassphrase } from "../config/stackPassphrase";
import { type LockHolder, PulumiFailed, StackLocked } from "../platform/errors";
import { backendText, describeBackend, redactBackend } from "../platform/stateBackend";

// Pulumi's own error lines from a failed command's output: every `error:`
// line with the resource it is reported under (the Diagnostics section lists
// `  <type> (<name>):` then `    error: …`), and every mandatory policy
// violation with its message. The generic "update failed" / "preview failed"
// lines are kept only when nothing more specific was printed.
//
// A violation is printed as a header and its message on the lines below,
// indented deeper (Pulumi 3.1xx+: `- [mandatory]  <policy>  (<resource>)` under
// `Policies:`; older: `[mandatory]  <pack> <version>  <policy> (<resource>)`
// under `Policy Violations:`): both become one line, header then message, so a
// refused preview ends with what refused it, not only "preview failed".

/** Message lines of a violation beyond this many are summed up: the readiness policy names every open item. */
const MAX_MESSAGE_LINES = 60;

const GENERIC = /^error: (update|preview|refresh|destroy) failed$/;

export function pulumiErrorLines(output: string): string[] {
  const lines = output.split(/\r?\n/);
  const found: string[] = [];
  const generic: string[] = [];
  let resource: string | undefined;
  let violation: { indent: number; header: string; message: string[] } | undefined;
  const endViolation = () => {
    if (!violation) return;
    const more = violation.message.length - MAX_MESSAGE_LINES;
    const message = [...violation.message.slice(0, MAX_MESSAGE_LINES), ...(more > 0 ? [`… ${more} more lines`] : [])];
    found.push(`policy violation: ${violation.header}${message.length > 0 ? `: ${message.join("; ")}` : ""}`);
    violation = undefined;
  };
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, "");
    if (violation) {
      const indent = /^\s*/.exec(line)![0].length;
      if (line !== "" && indent > violation.indent && !/^\s*-?\s*\[(mandatory|advisory)\]/.test(line)) {
        violation.message.push(line.trim());
        continue;
      }
      endViolation();
    }
    const header = /^ {2,4}(\S.*\(.*\)):$/.exec(line);
    if (header) {
      resource = header[1]!;
      continue;
    }
    const err = /^\s*(error: .*)$/.exec(line);
    if (err) {
      const text = err[1]!;
      if (GENERIC.test(text)) generic.push(resource ? `${resource}: ${text}` : text);
      else found.push(resource ? `${resource}: ${text}` : text);
      continue;
    }
    const policy = /^(\s*)(?:-\s+)?\[mandatory\]\s+(.*)$/.exec(line);
    if (policy) violation = { indent: policy[1]!.length, header: policy[2]!.replace(/\s{2,}/g, " "), message: [] };
    else if (/^\S/.test(line)) resource = undefined;
  }
  endViolation();
  const all = [...new Set(found.length > 0 ? found : generic)];
  return all.length > 0 ? all : [lines.map((l) => l.trim()).filter(Boolean).at(-1) ?? "no output"];
}

// The DIY backends' lock error (pkg/backend/diy/lock.go), one line per lock:
//   error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.
//     postgres://****:****@host:5432/db/.pulumi/locks/organization/cdb/paper/<uuid>.json?sslmode=disable: created by root@vm (pid 4242) at 2026-12-06T09:27:31Z
// Pulumi writes no machine-readable form of it (no event, no JSON), so its text is parsed here.
const LOCKED = /the stack is currently locked by \d+ lock\(s\)/;
const HOLDER = /^\s*(\S+): created by (.+)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/;
/** …/.pulumi/locks/<org>/<project>/<stack>/<id>.json (project-scoped) or …/.pulumi/locks/<stack>/<id>.json (legacy). */
const LOCK_PATH = /\/\.pulumi\/locks\/(?:.*\/)?([^/]+)\/[^/]+\.json(?:\?|$)/;

export interface LockError {
  stack?: string;
  holders: LockHolder[];
}

/** The holders of a lock error in Pulumi's output; undefined when the output is no lock error. */
export function parseLockError(output: string): LockError | undefined {
  if (!LOCKED.test(output)) return undefined;
  const holders: LockHolder[] = [];
  let stack: string | undefined;
  for (const line of output.split(/\r?\n/)) {
    const m = HOLDER.exec(line);
    if (!m) continue;
    stack ??= LOCK_PATH.exec(m[1]!)?.[1];
    holders.push({ user: m[2]!, host: m[3]!, pid: Number(m[4]), since: m[5]! });
  }
  return { ...(stack ? { stack } : {}), holders };
}

/** Does a process with this id run here? (EPERM: it runs, as another user.) */
function runsHere(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The one line `cdb` prints for a locked stack: who, since when, whether the
 * holder still runs (known only for a holder on this host), and the Pulumi
 * command that clears a stale lock. cdb never runs that command itself: only a
 * person can know that no update runs under a lock taken on another machine,
 * and clearing a live one lets two updates write one stack's state at once.
 */
export function stackLockedError(lock: LockError, fallbackStack = "<stack>", host = os.hostname()): StackLocked {
  const stack = lock.stack ?? fallbackStack;
  const here = lock.holders.filter((h) => h.host === host);
  const stale = lock.holders.length > 0 && here.length === lock.holders.length && here.every((h) => !runsHere(h.pid));
  const who = lock.holders.length > 0 ? lock.holders.map((h) => `${h.user}@${h.host} (pid ${h.pid}) since ${h.since}`).join(", ") : "an unnamed holder";
  const state = stale
    ? "stale: that process no longer runs on this host"
    : here.length === lock.holders.length && here.length > 0
      ? "its update still runs on this host: wait for it to end"
      : "wait for its update to end";
  const clear = `if no update of ${stack} runs any more, clear the lock with \`pulumi cancel --stack ${stack} --yes\` in this checkout with the same PULUMI_BACKEND_URL (cdb never clears a lock)`;
  return new StackLocked(stack, lock.holders, stale, `stack ${stack} on ${backendText(describeBackend())} is locked by ${who}; ${state}; ${clear}`);
}

/** Pulumi's line when a stack's passphrase does not open it (3.259: `error: getting stack configuration: get stack secrets manager: incorrect passphrase`). */
const INCORRECT_PASSPHRASE = /\berror: .*\bincorrect passphrase$/;

/**
 * The Automation API's CommandError (and its subclasses) as PulumiFailed (a
 * lock error as StackLocked; on a named `stack`, Pulumi's "incorrect
 * passphrase" as one line naming the stack and where its passphrase came
 * from, exit 8); anything else unchanged but for its message.
 * Every text from Pulumi loses the backend's password here: Pulumi quotes the
 * backend URL whole in some errors ("unable to open state database").
 */
export function asPulumiFailed(e: unknown, stack?: string): unknown {
  const r = (e as { commandResult?: { stdout?: string; stderr?: string } } | undefined)?.commandResult;
  if (e instanceof Error && r && typeof r === "object") {
    const output = redactBackend(`${r.stdout ?? ""}\n${r.stderr ?? ""}`);
    const lock = parseLockError(output);
    if (lock) return stackLockedError(lock);
    const lines = pulumiErrorLines(output);
    if (stack !== undefined && lines.some((l) => INCORRECT_PASSPHRASE.test(l))) return incorrectPassphrase(stack);
    return new PulumiFailed(lines);
  }
  if (e instanceof Error) e.message = redactBackend(e.message);
  return e;
}

/** Runs a Pulumi step on `stack`; a failure of the CLI becomes PulumiFailed with Pulumi's error lines (see asPulumiFailed). */
export async function pulumiStep<T>(f: () => Promise<T>, stack?: string): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asPulumiFailed(e, stack);
  }
}
