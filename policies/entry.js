// The policy pack's entry (policies/package.json `main`): the compiled pack
// from dist/ when it was built from the sources as they are, else the
// TypeScript sources through tsx. Plain JavaScript: the analyzer starts
// without ts-node compiling and type-checking the pack and its imports.
"use strict";
const path = require("node:path");
require("../scripts/bin/buildStamp.cjs").loadFreshOrSource(path.join(__dirname, ".."), "policies/index.js");
