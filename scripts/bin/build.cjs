#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` leaves a runnable build): every
// source file of the compiled folders into dist/ as CommonJS JavaScript, one
// file per source (esbuild's transform: no type check, no bundling, so a lazy
// `require` stays lazy), other files copied (JSON, scenarios), the evidence
// schema compiled ahead with ajv's standalone code. Plain JavaScript: it runs
// before anything is compiled. Type checking is `npm run typecheck`'s job.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { STAMP, sourceFiles, stampOf } = require("./buildStamp.cjs");

/** Writes through a temporary file and a rename: a reader never sees half a file. */
function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Modules the build replaces with code generated ahead (they compile at run time from sources). */
const GENERATED = {
  "readiness/evidenceValidator.ts": (root) => {
    const Ajv = require("ajv");
    const addFormats = require("ajv-formats");
    const standalone = require("ajv/dist/standalone").default;
    // The options of readiness/evidenceValidator.ts.
    const ajv = new Ajv({ allErrors: false, strict: true, code: { source: true } });
    addFormats(ajv, ["date-time"]);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(root, "readiness", "evidence.schema.json"), "utf8")));
    return `${standalone(ajv, validate)}\nmodule.exports.validateEvidence = module.exports;\n`;
  },
};

function build(root = path.resolve(__dirname, "..", "..")) {
  const esbuild = require("esbuild");
  // Taken before compiling: a source edited during the build leaves it stale.
  const stamp = stampOf(root);
  const dist = path.join(root, "dist");
  for (const rel of sourceFiles(root)) {
    const src = path.join(root, rel);
    if (GENERATED[rel]) {
      writeAtomic(path.join(dist, rel.replace(/\.ts$/, ".js")), GENERATED[rel](root));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
      // `import()` as `require`: Node's ESM loader finds no extensionless CommonJS file (dist/ops/rollback).
      const { code } = esbuild.transformSync(fs.readFileSync(src, "utf8"), { loader: "ts", format: "cjs", platform: "node", target: "node20", sourcefile: src, supported: { "dynamic-import": false } });
      writeAtomic(path.join(dist, rel.replace(/\.ts$/, ".js")), code);
    } else {
      writeAtomic(path.join(dist, rel), fs.readFileSync(src));
    }
  }
  // Explicitly CommonJS: without a "type", Node inspects each .js file for module syntax first.
  writeAtomic(path.join(dist, "package.json"), '{ "type": "commonjs" }\n');
  writeAtomic(path.join(root, STAMP), stamp);
}

module.exports = { build };
if (require.main === module) build();
