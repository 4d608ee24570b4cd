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
const { STAMP, VENDORED, sourceFiles, stampOf } = require("./buildStamp.cjs");

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

// commander imports child_process for executable subcommands, which cdb has
// none of; loading it costs more than commander itself. In the vendored
// commander it is a stand-in that requires it on first use (commander reads
// it through esbuild's __toESM(…, 1), which touches no property of it).
const LAZY = { commander: ['require("node:child_process")', 'new Proxy({}, { get: (_, key) => require("node:child_process")[key] })'] };

/**
 * Each vendored package (scripts/bin/buildStamp.cjs VENDORED) that is
 * installed, as one CommonJS file dist/vendor/<name>.js (its ES module entry
 * where it has one, so esbuild hoists the modules into one scope instead of
 * wrapping each). Rebuilt only when the installed version differs from the
 * one the file was built from. Returns the names it vendored.
 */
function buildVendor(root, esbuild, dist) {
  const out = [];
  for (const name of VENDORED) {
    let version;
    try {
      version = JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
      continue; // not installed here: its `require`s stay as they are
    }
    const file = path.join(dist, "vendor", `${name}.js`);
    const banner = `// ${name}@${version}, bundled by scripts/bin/build.cjs`;
    out.push(name);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8").startsWith(banner + "\n")) continue;
    const { outputFiles } = esbuild.buildSync({
      stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: root, loader: "js" },
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      write: false,
      banner: { js: banner },
      logLevel: "silent",
    });
    const [eager, lazy] = LAZY[name] ?? [];
    writeAtomic(file, eager ? outputFiles[0].text.replaceAll(eager, lazy) : outputFiles[0].text);
  }
  return out;
}

/** `require("zod")` in a compiled file at `rel` → the vendored copy, by a path relative to it. */
function useVendored(code, rel, vendored) {
  if (vendored.length === 0) return code;
  const up = path.posix.relative(path.posix.dirname(rel), "vendor") || ".";
  const names = vendored.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  return code.replace(new RegExp(`require\\("(${names})"\\)`, "g"), (_, name) => `require("${up.startsWith(".") ? up : `./${up}`}/${name}.js")`);
}

/**
 * A compiled file's `require` of a plain-JavaScript module in a bin/ folder
 * (scripts/policyCheck.ts: `./bin/build.cjs`) → the source tree's file, by a
 * path relative to the compiled file: bin/ folders are not compiled (their
 * launchers find the root from where they lie), so dist/ has no copy of them.
 */
function useSourceBin(code, rel) {
  return code.replace(/require\("(\.\.?\/(?:[^"]*\/)?bin\/[^"/]+\.cjs)"\)/g, (_, spec) => {
    const target = path.posix.join(path.posix.dirname(rel), spec);
    return `require("${path.posix.relative(path.posix.dirname(path.posix.join("dist", rel)), target)}")`;
  });
}

/**
 * A program of its own image as one self-contained CommonJS file: every npm
 * dependency inside, Node's built-ins outside. ssh2 (through dockerode) loads
 * two optional native addons in try/catch; they stay outside and are absent,
 * so ssh2 uses its JavaScript fallback (the witness reaches Docker by its Unix
 * socket anyway).
 */
function bundleProgram(entry, outFile, banner) {
  const esbuild = require("esbuild");
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    external: ["cpu-features", "*.node"],
    banner: { js: banner },
    logLevel: "silent",
  });
  writeAtomic(outFile, outputFiles[0].text);
  return outFile;
}

/** The witness's program (witness/main.ts) for its image (witness/Dockerfile). */
const bundleWitness = (root = path.resolve(__dirname, "..", ".."), outFile = path.join(root, "dist", "witness", "witness.cjs")) =>
  bundleProgram(path.join(root, "witness", "main.ts"), outFile, "// cdb witness: witness/main.ts bundled by scripts/bin/build.cjs");

/** The MEXC simulator (exchange/main.ts) for its image (exchange/Dockerfile, `npx cdb exchange image`). */
const bundleSimulator = (root = path.resolve(__dirname, "..", ".."), outFile = path.join(root, "dist", "exchange", "simulator.cjs")) =>
  bundleProgram(path.join(root, "exchange", "main.ts"), outFile, "// cdb MEXC simulator: exchange/main.ts bundled by scripts/bin/build.cjs");

function build(root = path.resolve(__dirname, "..", "..")) {
  const esbuild = require("esbuild");
  // Taken before compiling: a source edited during the build leaves it stale.
  const stamp = stampOf(root);
  const dist = path.join(root, "dist");
  const vendored = buildVendor(root, esbuild, dist);
  for (const rel of sourceFiles(root)) {
    const src = path.join(root, rel);
    if (GENERATED[rel]) {
      writeAtomic(path.join(dist, rel.replace(/\.ts$/, ".js")), GENERATED[rel](root));
    } else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
      // `import()` as `require`: Node's ESM loader finds no extensionless CommonJS file (dist/ops/rollback).
      const { code } = esbuild.transformSync(fs.readFileSync(src, "utf8"), { loader: "ts", format: "cjs", platform: "node", target: "node20", sourcefile: src, supported: { "dynamic-import": false } });
      writeAtomic(path.join(dist, rel.replace(/\.ts$/, ".js")), useSourceBin(useVendored(code, rel, vendored), rel));
    } else {
      writeAtomic(path.join(dist, rel), fs.readFileSync(src));
    }
  }
  // A checkout without the witness (a test's trimmed copy) has nothing to bundle.
  if (fs.existsSync(path.join(root, "witness", "main.ts"))) bundleWitness(root);
  if (fs.existsSync(path.join(root, "exchange", "main.ts"))) bundleSimulator(root);
  // Explicitly CommonJS: without a "type", Node inspects each .js file for module syntax first.
  writeAtomic(path.join(dist, "package.json"), '{ "type": "commonjs" }\n');
  writeAtomic(path.join(root, STAMP), stamp);
}

/**
 * Builds `root` when its dist/ is not a build of its sources as they are;
 * whether dist/ is fresh afterwards. A build that fails (no esbuild in a
 * production install, a source esbuild cannot parse) goes to `onError`, and
 * the sources run through tsx as before: slower, never stale.
 */
function buildIfStale(root, onError) {
  const { isFresh } = require("./buildStamp.cjs");
  if (isFresh(root)) return true;
  try {
    build(root);
  } catch (e) {
    onError?.(e);
  }
  return isFresh(root);
}

module.exports = { build, buildIfStale, bundleWitness, bundleSimulator };
if (require.main === module) build();
