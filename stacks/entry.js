// The Pulumi program's entry (Pulumi.yaml `main`): the compiled program from
// dist/ when it was built from the sources as they are, else the TypeScript
// sources through tsx. Plain JavaScript, so no TypeScript compiler starts with
// the program; a stale build never runs (scripts/bin/buildStamp.cjs).
"use strict";
const path = require("node:path");
module.exports = require("../scripts/bin/buildStamp.cjs").loadFreshOrSource(path.join(__dirname, ".."), "stacks/index.js");
