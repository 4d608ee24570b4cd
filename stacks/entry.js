// The Pulumi program's entry (Pulumi.yaml `main`): the compiled program from
// dist/ when it was built from the sources as they are, else the TypeScript
// sources through tsx. Plain JavaScript, so no TypeScript compiler starts with
// the program; a stale build never runs (scripts/bin/buildStamp.cjs).
"use strict";
const path = require("node:path");
const root = path.join(__dirname, "..");
// V8 code cache for every module loaded from here on (the program, @pulumi/docker,
// the parts of @pulumi/pulumi that Pulumi's runner has not loaded yet), as
// scripts/bin/cdb.cjs does for the CLI: without it every run compiles them again
// (~0.2 s of the paper program's CPU). Entries are keyed by source hash, never stale.
require("node:module").enableCompileCache?.(path.join(root, ".cache", "node-compile-cache"));
// Pulumi's SDK without the parts the program never uses (the Automation API, the
// TypeScript compiler): ~1 CPU-s of every preview and update (scripts/bin/deferPulumiExtras.cjs).
require("../scripts/bin/deferPulumiExtras.cjs");
// Pulumi's runtime without a full stack trace for every promise it tracks, which only
// PULUMI_DEBUG_PROMISE_LEAKS ever prints: 0.1-0.17 CPU-s of a paper preview's ~1.2 (scripts/bin/skipPromiseStacks.cjs).
require("../scripts/bin/skipPromiseStacks.cjs").skipPromiseStacks(root);
// The compiled program's stack traces in V8's own format: Pulumi's runner
// installs source-map-support (and ts-node's, where a language host starts the
// program as TypeScript), and Pulumi takes a full stack for every resource and
// every promise it makes (resource.js callsites, runtime/debuggable.js): on the
// paper stack, mapping those stacks cost ~1 s of the program's ~3.7 s of CPU.
// dist/ carries no source maps: the positions (and the resources'
// sourcePosition) are the same either way. The sources keep tsx's mapping.
const plainStackTraces = () => {
  Error.prepareStackTrace = undefined;
};
module.exports = require("../scripts/bin/buildStamp.cjs").loadFreshOrSource(root, "stacks/index.js", plainStackTraces);
