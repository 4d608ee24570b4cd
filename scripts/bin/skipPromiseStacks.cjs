// Pulumi's runtime takes a full stack trace for every promise it tracks
// (runtime/debuggable.js: `new Error().stack` in debuggablePromise, several
// per resource and per log line) and keeps it for one purpose: printing it
// beside a leaked promise when PULUMI_DEBUG_PROMISE_LEAKS is set. Nothing else
// reads it. Without it, a paper preview's program took 1.14-1.04 CPU-s instead
// of 1.25-1.21 (median of 5 previews, two A/B runs; in a CPU profile the
// stacks' capture and formatting were the largest items of the program's own
// time). Required by the program's entry (stacks/entry.js).
//
// How: the SDK's modules call it as `debuggable_1.debuggablePromise(…)`, a
// property read at each call, so replacing the export reaches every caller.
// The wrapper takes the trace with an empty stack (Error.stackTraceLimit 0,
// restored at once); the promise, its id, context and leak tracking are the
// SDK's own. With PULUMI_DEBUG_PROMISE_LEAKS set it changes nothing.
// Resources keep their source positions: Resource.callsites() sets its own limit.
"use strict";
const path = require("node:path");

const MARK = Symbol.for("cdb.skipPromiseStacks");

/** Applies it to the @pulumi/pulumi that `root`'s code resolves; false where it does not apply. */
function skipPromiseStacks(root, env = process.env) {
  if (env.PULUMI_DEBUG_PROMISE_LEAKS) return false;
  let debuggable;
  try {
    const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }));
    debuggable = require(path.join(sdk, "runtime", "debuggable.js"));
  } catch {
    return false; // not installed here, or not where this SDK version keeps it
  }
  const take = debuggable.debuggablePromise;
  if (typeof take !== "function") return false;
  if (take[MARK]) return true;
  const wrapped = function debuggablePromise(p, ctx) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return take(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  wrapped[MARK] = true;
  debuggable.debuggablePromise = wrapped;
  return true;
}

module.exports = { skipPromiseStacks };
