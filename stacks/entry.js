// The Pulumi program's entry (Pulumi.yaml `main`): the compiled program from
// dist/ when it was built from the sources as they are, else the TypeScript
// sources through tsx. Plain JavaScript, so no TypeScript compiler starts with
// the program; a stale build never runs (scripts/bin/buildStamp.cjs).
"use strict";
const path = require("node:path");
// The compiled program's stack traces in V8's own format: Pulumi's runner
// installs source-map-support (and ts-node's, where a language host starts the
// program as TypeScript), and Pulumi takes a full stack for every resource and
// every promise it makes (resource.js callsites, runtime/debuggable.js), so on
// the paper stack mapping those stacks was about a third of the program's CPU.
// dist/ carries no source maps: the positions (and the resources'
// sourcePosition) are the same either way. The sources keep tsx's mapping.
const plainStackTraces = () => {
  Error.prepareStackTrace = undefined;
};
module.exports = require("../scripts/bin/buildStamp.cjs").loadFreshOrSource(path.join(__dirname, ".."), "stacks/index.js", plainStackTraces);
