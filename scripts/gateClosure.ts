import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { EXIT } from "../platform/exitCodes";
import { unowned } from "./codeowners";

// The gate's closure: every file whose change can change how a pull request is
// judged. Computed from the code, never listed by hand: the judging entry
// points below and every project module they import, transitively, as
// dependency-cruiser resolves them with the project's own settings
// (.dependency-cruiser.cjs, tsconfig.json), plus the data files they read.
// A module another engineer adds under readiness/ and imports from the gate
// is in the closure the moment the import is written. CODEOWNERS must cover
// this set (scripts/gateClosure.test.ts), and `policy-check --judge <pr>`,
// run from a checkout of the base, takes it from the base (scripts/baseJudge.ts).

/** Where judging starts: the check, the pack, the gate, the program's safety check, what starts previews and attaches the pack. */
export const GATE_ENTRIES = [
  "scripts/policyCheck.ts",
  // Its launcher: how `npm run policy-check` and a judge start a tree's check (the compiled one).
  "scripts/bin/policyCheck.cjs",
  "scripts/baseJudge.ts",
  "scripts/judgeCorpus.ts",
  "scripts/deploy.ts",
  // The pack's entry loads policies/index.js by a computed path (scripts/bin/buildStamp.cjs).
  "policies/entry.js",
  "policies/index.ts",
  "readiness/gate.ts",
  "readiness/evaluate.ts",
  "readiness/deployRule.ts",
  // The program's own live gate: the one call of the deploy rule in the program.
  "stacks/unreadyTraders.ts",
  "ops/pulumiStack.ts",
] as const;

/** Files the closure's code reads as data (no import shows them). */
export const GATE_DATA = [
  "readiness/checklist.yaml",
  "readiness/evidence.schema.json",
  "readiness/allowed_signers",
  "policies/PulumiPolicy.yaml",
  "policies/package.json",
  // How this closure is computed: the layers' resolution settings.
  ".dependency-cruiser.cjs",
  "tsconfig.json",
  // How Node loads the closure's code (package.json's "type"), and the toolchain's pinned
  // version and the packages it imports (platform/toolchain.ts reads the lockfile).
  "package.json",
  "package-lock.json",
] as const;

interface CruisedModule {
  source: string;
  coreModule?: boolean;
  couldNotResolve?: boolean;
  dependencyTypes?: string[];
}

/** The project's files (repository-relative, "/"-separated, sorted) that the gate's entries import transitively, with its data files. */
export function gateClosure(root = REPO_ROOT): string[] {
  // dependency-cruiser's own CLI (its API is ESM only), with the tree's settings, as `npm run lint:layers` runs it.
  // The CLI is the running code's (a judge's own packages), never the judged tree's.
  const cli = path.join(REPO_ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
  const entries = GATE_ENTRIES.filter((e) => existsSync(path.join(root, e)));
  const r = spawnSync(process.execPath, [cli, "--config", ".dependency-cruiser.cjs", "--output-type", "json", ...entries], { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`dependency-cruiser failed (exit ${r.status}): ${(r.stderr || String(r.error)).trim().split("\n")[0]}`);
  const modules = (JSON.parse(r.stdout) as { modules: CruisedModule[] }).modules
    .filter((m) => !m.coreModule && !m.couldNotResolve && !m.source.startsWith("node_modules/") && !(m.dependencyTypes ?? []).some((t) => t.startsWith("npm")))
    .map((m) => m.source.split(path.sep).join("/"));
  const data = GATE_DATA.filter((d) => existsSync(path.join(root, d)));
  return [...new Set([...modules, ...data])].sort();
}

/** Files of the closure that .github/CODEOWNERS gives no owner (scripts/codeowners.ts). */
export function unownedGateFiles(root = REPO_ROOT): string[] {
  const file = path.join(root, ".github", "CODEOWNERS");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  return unowned(text, gateClosure(root));
}

if (require.main === module) {
  // `tsx scripts/gateClosure.ts [--owners] [root]`: the closure as JSON (the base judge runs the
  // base's own copy); with --owners, the files of it CODEOWNERS does not cover, exit 1 when any.
  const args = process.argv.slice(2);
  const owners = args.includes("--owners");
  const root = args.find((a) => !a.startsWith("--")) ?? REPO_ROOT;
  try {
    const files = owners ? unownedGateFiles(root) : gateClosure(root);
    process.stdout.write(JSON.stringify(files) + "\n");
    if (owners && files.length > 0) {
      process.stderr.write(`.github/CODEOWNERS: no owner for ${files.length} file(s) of the gate's closure: ${files.join(", ")}\n`);
      process.exitCode = EXIT.notReady;
    }
  } catch (e) {
    process.stderr.write(`gate-closure: ${(e as Error).message}\n`);
    process.exitCode = EXIT.internalError;
  }
}
