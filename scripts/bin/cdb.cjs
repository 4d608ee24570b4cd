#!/usr/bin/env node
// npm bin shim: runs the TypeScript CLI through tsx.
const path = require("node:path");

// V8 code cache (git-ignored .cache/): Node keys each entry by the module's
// source hash, so an edited file is simply recompiled, never run stale.
require("node:module").enableCompileCache?.(path.join(__dirname, "..", "..", ".cache", "node-compile-cache"));

// Both hooks: `require` goes through the CommonJS one, while a dynamic
// `import()` (commands load their modules lazily) goes through Node's ESM
// loader, which only the ESM hook teaches TypeScript. With the CommonJS hook
// alone, `npx cdb rollback` failed with "Cannot find module …/ops/rollback".
require("tsx/esm/api").register();
require("tsx/cjs");
require("../cdb.ts").main(process.argv);
