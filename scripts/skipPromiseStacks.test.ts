import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";

// scripts/bin/skipPromiseStacks.cjs, in a fresh node each time: the stack
// trace Pulumi's runtime keeps on every promise, with and without it, and
// everything else of the SDK's promise wrapper as it was.

const SKIP = path.join(REPO_ROOT, "scripts", "bin", "skipPromiseStacks.cjs");
const DEBUGGABLE = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "runtime", "debuggable.js");

interface Seen {
  applied: boolean | null;
  trace: string;
  id: number;
  ctx: string;
  value: number;
  rejected: string;
  rejectedPromiseKept: boolean;
  limitAfter: number;
  limitAfterThrow: number;
  threw: boolean;
}

/** Runs a promise through the SDK's debuggablePromise, with the module applied first when `apply`. */
function seen(apply: boolean, env: NodeJS.ProcessEnv = {}): Seen {
  const code = `
const applied = ${apply ? `require(${JSON.stringify(SKIP)}).skipPromiseStacks(${JSON.stringify(REPO_ROOT)})` : "null"};
// What the SDK's modules do: a property read at each call.
const debuggable_1 = require(${JSON.stringify(DEBUGGABLE)});
Error.stackTraceLimit = 17;
(async () => {
  // The SDK marks the promise it is given and returns another.
  const given = Promise.resolve(41).then((x) => x + 1);
  const p = debuggable_1.debuggablePromise(given, "a context");
  const limitAfter = Error.stackTraceLimit;
  const value = await p;
  const refused = Promise.reject(new Error("refused"));
  let rejected = "", rejectedPromiseKept = false;
  try { await debuggable_1.debuggablePromise(refused, "rejects"); } catch (e) { rejected = e.message; rejectedPromiseKept = e.promise === refused; }
  let threw = false;
  try { debuggable_1.debuggablePromise(null, "not a promise"); } catch { threw = true; }
  console.log(JSON.stringify({ applied, trace: given._debugStackTrace, id: given._debugId, ctx: given._debugCtx, value, rejected, rejectedPromiseKept, limitAfter, limitAfterThrow: Error.stackTraceLimit, threw }));
})();`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Seen;
}

describe("skipPromiseStacks", () => {
  it("takes the SDK's per-promise trace with an empty stack, and leaves the promise, its id, context, value and rejection as they were", () => {
    const plain = seen(false);
    const skipped = seen(true);
    // Without it, this SDK keeps a whole stack on every promise: the module is what empties it.
    expect(plain.trace).toMatch(/^Error\n\s+at /);
    expect(skipped.applied).toBe(true);
    expect(skipped.trace).toBe("Error");
    const same = ({ id, ctx, value, rejected, rejectedPromiseKept, limitAfter, limitAfterThrow, threw }: Seen) => ({ id, ctx, value, rejected, rejectedPromiseKept, limitAfter, limitAfterThrow, threw });
    expect(same(skipped)).toEqual(same(plain));
    // The caller's limit is restored, also when the SDK's function throws.
    expect(skipped).toMatchObject({ ctx: "a context", value: 42, rejected: "refused", rejectedPromiseKept: true, limitAfter: 17, limitAfterThrow: 17, threw: true });
  });

  it("changes nothing when PULUMI_DEBUG_PROMISE_LEAKS asks for the traces", () => {
    const debugging = seen(true, { PULUMI_DEBUG_PROMISE_LEAKS: "1" });
    expect(debugging.applied).toBe(false);
    expect(debugging.trace).toMatch(/^Error\n\s+at /);
  });

  it("applies nothing, and fails nothing, where this SDK is not installed", () => {
    const r = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(SKIP)}).skipPromiseStacks(require("node:os").tmpdir()))`], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("false");
  });
});
