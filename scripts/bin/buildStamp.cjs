// Is dist/ a build of the sources as they are now? Plain JavaScript: the bin,
// the program's and the pack's entry files ask this before anything is
// compiled. The build (scripts/bin/build.cjs) lists every source file with its
// size and modification time in dist/.sources, computed BEFORE it compiles;
// a start compares that list with the tree: one readdir per folder and one
// stat per file (a few milliseconds), no hashing. Any difference (an edit, a
// new, removed or renamed file, a checkout that touched a file) means stale,
// and a stale build is never run: the caller rebuilds or runs the sources.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The folders compiled into dist/ (the TypeScript that runs: CLI, program, pack). */
const SOURCE_DIRS = ["platform", "config", "model", "readiness", "monitoring", "components", "stacks", "policies", "ops", "scripts", "exchange", "witness"];
const STAMP = path.join("dist", ".sources");
const skip = (name) => name === "node_modules" || name === "bin" || /\.test\.ts$/.test(name) || name.startsWith(".");
/** Code only: TypeScript, JavaScript and the JSON it imports. Data (checklist, evidence, scenarios) is read from the repository where it lies. */
const isCode = (name) => /\.(ts|js|cjs|json)$/.test(name) && !name.endsWith(".d.ts");
/**
 * Folders of data inside the compiled folders: the evidence records (in-toto
 * JSON) that drills, collectors, checks and rehearsals write, and operators
 * commit. Counted as code, the first `cdb drill` made the build stale, and
 * every later `cdb` command, preview and update ran the sources through tsx:
 * a ready live preview's program and pack cost 8.8 CPU-s instead of 6.6
 * (bench/previewCpu.ts with CDB_BENCH_STACK=live).
 */
const DATA_DIRS = new Set(["readiness/artifacts"]);

/**
 * Dependencies on the CLI's hot path that the build compiles into one CommonJS
 * file each (dist/vendor/<name>.js): commander ships ES modules only (loading
 * them through require pulls in Node's ES module loader), zod and yaml are
 * dozens of files each. Their installed versions are part of the stamp, so an
 * `npm install` of another version makes the build stale like an edited source.
 */
const VENDORED = ["commander", "zod", "yaml", "js-yaml"];

/** Every code file under the compiled folders, relative and sorted: the input of the build. */
function sourceFiles(root) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (skip(e.name)) continue;
      const r = path.posix.join(rel, e.name);
      if (e.isDirectory()) {
        if (!DATA_DIRS.has(r)) walk(r);
      }
      else if (e.isFile() && isCode(e.name)) out.push(r);
    }
  };
  for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(root, d))) walk(d);
  return out.sort();
}

/** The tree's fingerprint: one line per source file (path, size, mtime), then one per vendored package's package.json. */
function stampOf(root) {
  const line = (f) => {
    const s = fs.statSync(path.join(root, f), { throwIfNoEntry: false });
    return s ? `${f}\t${s.size}\t${Math.round(s.mtimeMs)}` : `${f}\t-`;
  };
  return [...sourceFiles(root), ...VENDORED.map((name) => `node_modules/${name}/package.json`)].map(line).join("\n");
}

/** True only when dist/ was built from exactly the sources that are there now. */
function isFresh(root) {
  try {
    return fs.readFileSync(path.join(root, STAMP), "utf8") === stampOf(root);
  } catch {
    return false;
  }
}

/**
 * Loads the compiled module `rel` (e.g. "stacks/index.js") when dist/ is
 * fresh, after calling `beforeCompiled`; otherwise the TypeScript source
 * through tsx (correct, only slower).
 */
function loadFreshOrSource(root, rel, beforeCompiled) {
  if (isFresh(root)) {
    beforeCompiled?.();
    return require(path.join(root, "dist", rel));
  }
  // Both hooks: `require` goes through the CommonJS one, while a dynamic
  // `import()` goes through Node's ESM loader, which only the ESM hook teaches TypeScript.
  require("tsx/esm/api").register();
  require("tsx/cjs");
  return require(path.join(root, rel.replace(/\.js$/, ".ts")));
}

module.exports = { SOURCE_DIRS, DATA_DIRS, STAMP, VENDORED, sourceFiles, stampOf, isFresh, loadFreshOrSource };
