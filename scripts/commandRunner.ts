import { visibleLine, visibleOutput } from "../config/terminalText";
import { classify, EXIT } from "../platform/exitCodes";
import { redactBackend } from "../platform/stateBackend";

// How every command of `cdb` ends: with its own code, or with the code the
// exit table (platform/exitCodes.ts) gives its error, printed as one line
// `cdb: <label>: <message>` on stderr (Pulumi failures add Pulumi's further
// error lines), with every control character escaped. The one place that
// turns an error into an exit.

/** Prints one result line (or block) on stdout: no escape sequence or right-to-left override from a value reaches the terminal. */
export const out = (s: string): void => void process.stdout.write(visibleOutput(s) + "\n");

/** Prints the failure and exits with its code. */
export function exitWith(e: unknown): never {
  const c = classify(e);
  // The last gate before the terminal: no line carries the state backend's password.
  const [first, ...rest] = c.lines.map((l) => visibleLine(redactBackend(l)));
  process.stderr.write(`cdb: ${c.label}: ${first}\n${rest.map((l) => `  ${l}\n`).join("")}`);
  if (c.code === EXIT.internalError && process.env.CDB_DEBUG) process.stderr.write(`${redactBackend(String((e as Error).stack))}\n`);
  process.exit(c.code);
}

/**
 * Runs an action and exits with its code, or with the code the exit table
 * gives its error: open sockets (ioredis, ssh) must not keep the process alive.
 */
export function action<A extends unknown[]>(f: (...args: A) => Promise<number>) {
  return async (...args: A) => {
    let code: number;
    try {
      code = await f(...args);
    } catch (e) {
      exitWith(e);
    }
    process.exit(code);
  };
}

export async function confirm(question: string, expected: string): Promise<boolean> {
  // Required here, not at the top: every `cdb` start loads this module.
  const { createInterface } = require("node:readline") as typeof import("node:readline");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => {
    rl.question(question, resolve);
    rl.once("close", () => resolve(""));
  });
  rl.close();
  return answer.trim() === expected;
}
