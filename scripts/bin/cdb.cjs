#!/usr/bin/env node
// npm bin shim: runs the TypeScript CLI through tsx's CommonJS hook.
const path = require("node:path");

// V8 code cache (git-ignored .cache/): Node keys each entry by the module's
// source hash, so an edited file is simply recompiled, never run stale.
require("node:module").enableCompileCache?.(path.join(__dirname, "..", "..", ".cache", "node-compile-cache"));

require("tsx/cjs");
require("../cdb.ts").main(process.argv);
