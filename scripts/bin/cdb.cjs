#!/usr/bin/env node
// npm bin shim: runs the compiled CLI (dist/, built by `npm ci`'s prepare).
// A build that does not match the sources is rebuilt first (scripts/bin/
// build.cjs, about 2 CPU-s with esbuild's own process); where that cannot run
// (no esbuild in a production install) the sources run through tsx: a stale
// build never runs.
"use strict";
const path = require("node:path");
const root = path.join(__dirname, "..", "..");

// V8 code cache (git-ignored .cache/): Node keys each entry by the module's
// source hash, so an edited file is simply recompiled, never run stale.
require("node:module").enableCompileCache?.(path.join(root, ".cache", "node-compile-cache"));
// Pulumi's SDK without the TypeScript compiler and npm's arborist, which no command uses (scripts/bin/deferPulumiExtras.cjs).
require("./deferPulumiExtras.cjs");

require("./build.cjs").buildIfStale(root, (e) => process.env.CDB_DEBUG && process.stderr.write(`cdb: build failed, running the sources: ${e.message}\n`));
require("./buildStamp.cjs").loadFreshOrSource(root, "scripts/cdb.js").main(process.argv);
