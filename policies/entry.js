// The policy pack's entry (policies/package.json `main`): the compiled pack
// from dist/ when it was built from the sources as they are, else the
// TypeScript sources through tsx. Plain JavaScript: the analyzer starts
// without ts-node compiling and type-checking the pack and its imports.
"use strict";
const path = require("node:path");
const root = path.join(__dirname, "..");
// V8 code cache for the pack and what it loads, as for the program (stacks/entry.js).
require("node:module").enableCompileCache?.(path.join(root, ".cache", "node-compile-cache"));
// Pulumi's SDK without the parts the pack never uses (scripts/bin/deferPulumiExtras.cjs).
require("../scripts/bin/deferPulumiExtras.cjs");
require("../scripts/bin/buildStamp.cjs").loadFreshOrSource(root, "policies/index.js");
