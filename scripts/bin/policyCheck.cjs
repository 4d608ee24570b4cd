#!/usr/bin/env node
// `npm run policy-check`, and how a judge runs a tree's check (the base's in
// its checkout and in the judge directory, the PR's own: scripts/baseJudge.ts):
// the compiled check (dist/), as scripts/bin/cdb.cjs runs the CLI. The tree is
// built first when its build is stale, by its own build, which the check did
// anyway before its previews; where that cannot run, the sources run through
// tsx: a stale build never runs. Through tsx, each of the four checks of one
// `policy-check --base` compiled the check and everything it imports again
// (tsx's cache misses in every fresh copy).
"use strict";
const path = require("node:path");
const root = path.join(__dirname, "..", "..");

// V8 code cache (git-ignored .cache/, never taken from a PR into a judge directory: scripts/baseJudge.ts).
require("node:module").enableCompileCache?.(path.join(root, ".cache", "node-compile-cache"));
// Pulumi's SDK without the TypeScript compiler and npm's arborist, which no check uses (scripts/bin/deferPulumiExtras.cjs).
require("./deferPulumiExtras.cjs");

// A failed build is reported by the check itself, which asks again before its previews. A
// `--judge` previews nothing in its own tree (the checks it starts in the judge directory and in
// the PR's tree build those): there a build would cost more than running the sources once.
if (!process.argv.some((a) => a === "--judge" || a.startsWith("--judge="))) require("./build.cjs").buildIfStale(root);
require("./buildStamp.cjs").loadFreshOrSource(root, "scripts/policyCheck.js").cli(process.argv);
