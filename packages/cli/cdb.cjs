#!/usr/bin/env node
// The `cdb` command (`npx cdb …`). Why a workspace package and not the root's
// `bin`: npm 11 installs a root package that names the command into the npx
// cache on every `npx cdb` (two arborist tree loads, about 0.4 CPU-s a start),
// while a bin in node_modules/.bin runs at once. This file only finds the
// checkout and hands over to its scripts/bin/cdb.cjs.
//
// The checkout is the nearest cdb-deploy above the working directory, not the
// one holding this file: a copy whose node_modules links to another checkout
// (tests, the pull-request judge) must run its own code. Started outside any
// checkout, it runs the one it was installed in.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const NAME = "cdb-deploy";

function isCheckout(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name === NAME && fs.existsSync(path.join(dir, "scripts", "bin", "cdb.cjs"));
  } catch {
    return false;
  }
}

function checkoutOf(start) {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isCheckout(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

// A working directory deleted under the shell has no path: the installed checkout is asked alone.
let cwd;
try {
  cwd = process.cwd();
} catch {
  cwd = undefined;
}
const root = (cwd && checkoutOf(cwd)) ?? checkoutOf(__dirname);
if (!root) {
  process.stderr.write(`cdb: no ${NAME} checkout above ${cwd ?? "(a deleted working directory)"} or ${__dirname}\n`);
  process.exit(2);
}
require(path.join(root, "scripts", "bin", "cdb.cjs"));
