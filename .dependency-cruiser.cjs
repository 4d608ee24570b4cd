// The layers of cdb-deploy and the imports each may make: the one written
// record of the allowed arrows (docs/architecture.md explains them). Run by
// `npm test` (`npm run lint:layers`); an import that no arrow allows fails it.
// No exception list: a module that needs an arrow not written here belongs in
// another layer.
"use strict";

/** Each folder (or file) and the folders (or files) its modules may import, besides their own, Node's and npm's. */
const LAYERS = {
  // Is dist/ a build of the sources as they are? Asked by the launchers and the program's and
  // pack's entries before anything is compiled (plain JavaScript): imports nothing of the project.
  "scripts/bin/buildStamp.cjs": [],
  // Pulumi's SDK without the parts no cdb code uses, loaded on first use: required first by the
  // program's and pack's entries, the CLI's launcher and the check (plain JavaScript): imports nothing of the project.
  "scripts/bin/deferPulumiExtras.cjs": [],
  // Pulumi's runtime without a stack trace on every promise it tracks: the program's entry (plain JavaScript): imports nothing of the project.
  "scripts/bin/skipPromiseStacks.cjs": [],
  // The build of dist/ (plain JavaScript): run by the launcher, and by policy-check on the tree it previews.
  "scripts/bin/build.cjs": ["scripts/bin/buildStamp.cjs"],
  // The `cdb` command's package (a workspace, so npm links its bin): finds the checkout it runs in and
  // requires its scripts/bin/cdb.cjs by a computed path (plain JavaScript): imports nothing of the project.
  "packages/cli": [],
  // The launchers: `cdb` (the CLI, compiled or through tsx) and the build.
  "scripts/bin": ["scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs", "scripts/bin/build.cjs", "scripts"],
  // The adapter to the machine: paths, Pulumi environment, toolchain lookup, typed errors, exit table.
  platform: [],
  config: ["platform"],
  monitoring: ["platform", "config"],
  model: ["platform", "config", "monitoring"],
  readiness: ["platform", "config", "monitoring", "model"],
  components: ["platform", "config", "model"],
  stacks: ["platform", "config", "monitoring", "model", "readiness", "components", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs", "scripts/bin/skipPromiseStacks.cjs"],
  policies: ["platform", "config", "monitoring", "model", "readiness", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs"],
  ops: ["platform", "config", "monitoring", "model", "readiness"],
  exchange: ["platform", "config", "model", "readiness", "ops"],
  // The witness (issue 22): the program of the witness container, run inside the stack; bundled into dist/witness/witness.cjs.
  witness: ["platform", "config", "monitoring", "model", "readiness", "ops", "exchange"],
  // The CLI: parses, calls ops, renders.
  scripts: ["platform", "config", "monitoring", "model", "readiness", "ops", "exchange", "witness", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs", "scripts/bin/build.cjs"],
  // Tests' helpers and benchmarks may use everything; nothing else imports them but vitest.config.mts.
  test: ["platform", "config", "monitoring", "model", "readiness", "components", "stacks", "policies", "ops", "exchange", "witness", "scripts", "scripts/bin", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs", "scripts/bin/skipPromiseStacks.cjs", "scripts/bin/build.cjs"],
  // The test runner's configuration: its file order comes from the tests' helpers (test/engineOrder.ts).
  "vitest.config.mts": ["test"],
  bench: ["platform", "config", "monitoring", "model", "readiness", "components", "stacks", "policies", "ops", "exchange", "witness", "scripts", "scripts/bin", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs", "scripts/bin/skipPromiseStacks.cjs", "scripts/bin/build.cjs", "test"],
};

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** A layer's files, not those of a deeper layer inside it (scripts/ is not scripts/bin/). */
const inside = (layer) => {
  const deeper = Object.keys(LAYERS).filter((l) => l !== layer && l.startsWith(layer + "/"));
  return { path: `^${esc(layer)}(/|$)`, ...(deeper.length > 0 ? { pathNot: deeper.map((d) => `^${esc(d)}(/|$)`) } : {}) };
};

const allowed = [
  // Node's modules and the packages of package.json.
  { from: {}, to: { dependencyTypes: ["core", "npm", "npm-dev", "npm-optional", "npm-peer", "npm-bundled", "npm-no-pkg"] } },
  ...Object.entries(LAYERS).flatMap(([folder, may]) => [
    { from: inside(folder), to: inside(folder) },
    ...may.map((m) => ({ from: inside(folder), to: inside(m) })),
    // A test imports what its folder may, the layers inside its folder (scripts/bin for scripts/) and the tests' helpers.
    ...[...Object.keys(LAYERS).filter((l) => l.startsWith(folder + "/")), "test"].map((t) => ({ from: { path: `^${esc(folder)}/.*\\.test\\.ts$` }, to: inside(t) })),
  ]),
];

module.exports = {
  allowed,
  allowedSeverity: "error",
  forbidden: [
    { name: "no-unresolvable", severity: "error", comment: "an import that resolves to nothing", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|vendor|tools|\\.pulumi-state|\\.tmp|backups)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    // tsx's subpaths (tsx/cjs) exist only in its package.json "exports".
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["require", "node", "default"] },
    // Lazy `require("../x")` inside functions counts like an import.
  },
};
// For tests and docs: the table itself (not a dependency-cruiser setting, so not enumerable).
Object.defineProperty(module.exports, "LAYERS", { value: LAYERS, enumerable: false });
