import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { EXIT } from "../platform/exitCodes";
import { anchorSourceDir } from "./judgeCorpus";

// `policy-check --base <ref>` / `--judge <pr>`: a pull request is judged by
// the gate of the branch it wants to change, not by its own. Otherwise a PR
// that relaxes a policy (or the risk bounds, or deletes a checklist item, or
// empties the pack list of the previews, or makes the check itself exit 0) and
// relies on that in the same change checks itself green.
//
// The judge is the base's copy of the check, run from a checkout of the base
// as the top-level process (`--judge <pr>`; `--base <ref>` makes the checkout
// and hands over to it at once): its exit code and its report are the verdict.
// It runs the judged check in a directory holding every file of the base's
// gate closure (scripts/gateClosure.ts: the check, the pack, the gate, the
// program's live gate, the code that starts previews and attaches the pack,
// everything they import, their data) taken from the base, and everything
// else from the PR: its program (stacks/, components/), its stack files and
// its evidence. The PR's own code still runs, as what is under review (its
// program in the previews, its judging code against the corpus, its own
// check): it can add red, never green.

/** What a PR brings inside the gate's folders that stays the PR's: its evidence. */
const PR_DATA = [/^readiness\/[^/]+\.evidence\.yaml$/, /^readiness\/artifacts\//];

export const isPrData = (file: string) => PR_DATA.some((r) => r.test(file));

/**
 * Files outside the closure that still decide how a PR is judged (who must
 * review, what CI runs): a PR that changes one is reported with the gate's own.
 */
export const JUDGE_SETTINGS = [".github/CODEOWNERS", ".github/workflows/policy-check.yml"] as const;

/** tsx of a tree: its own when it has one (an installed checkout), else the running judge's. */
export const tsxOf = (root: string) => {
  const own = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");
  return existsSync(own) ? own : path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
};

/**
 * How a tree's check is started, with `args`: its launcher (the compiled check, scripts/bin/policyCheck.cjs)
 * where the tree has one, else its sources through tsx (a base or a PR from before the launcher).
 */
export const checkCommand = (root: string, args: readonly string[]): string[] => {
  const launcher = path.join(root, "scripts", "bin", "policyCheck.cjs");
  return existsSync(launcher) ? [launcher, ...args] : [tsxOf(root), path.join("scripts", "policyCheck.ts"), ...args];
};

function git(args: string[], cwd = REPO_ROOT, input?: Buffer): Buffer {
  const r = spawnSync("git", args, { cwd, input, maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw new UnusableInput("git", `cannot run git: ${r.error.message}`);
  if (r.status !== 0) throw new UnusableInput(`git ${args[0]}`, r.stderr.toString().trim().split("\n")[0] ?? `exit ${r.status}`);
  return r.stdout;
}

/** The commit `ref` names; unusable input when it names none. */
export function resolveBase(ref: string): string {
  if (!/^[\w./~^@{}-]+$/.test(ref) || ref.startsWith("-")) throw new UnusableInput("--base", `${JSON.stringify(ref)} is not a git ref`);
  try {
    return git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).toString().trim();
  } catch {
    throw new UnusableInput("--base", `${JSON.stringify(ref)} names no commit in this repository`);
  }
}

/**
 * The pull request's tree that `--judge` names: a directory that is a git
 * working tree holding this project (its files are read with `git ls-files`).
 */
export function prTree(dir: string): string {
  const abs = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UnusableInput("--judge", `${abs}: no such directory`);
  }
  if (!isDir) throw new UnusableInput("--judge", `${abs}: not a directory`);
  if (!existsSync(path.join(abs, "package.json"))) throw new UnusableInput("--judge", `${abs}: no package.json, not a checkout of this project`);
  const r = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd: abs, encoding: "utf8" });
  // The real path: a relative cdb:sourceDir is anchored where the checkout really is (anchorSourceDir).
  const real = realpathSync.native(abs);
  if (r.status !== 0 || path.resolve(r.stdout.trim()) !== real) throw new UnusableInput("--judge", `${abs}: not the top of a git working tree`);
  return real;
}

/** A checkout of `base` (its files as committed, with this checkout's node_modules); the caller removes it. */
export function baseCheckout(base: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-base-"));
  const x = spawnSync("tar", ["-x", "-f", "-", "-C", dir], { input: git(["archive", "--format=tar", base]) });
  if (x.status !== 0) throw new Error(`tar could not unpack ${base}: ${x.stderr.toString().trim()}`);
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
  return dir;
}

/** Whether the checkout's check is the top-level judge of a PR tree (`--judge`); a base before that mode is not. */
export const judgesWhole = (checkout: string): boolean => {
  const file = path.join(checkout, "scripts", "policyCheck.ts");
  return existsSync(file) && readFileSync(file, "utf8").includes(`"--judge <dir>"`);
};

/**
 * Hands the verdict over to the checkout's check (`--judge <pr>`): its output
 * passes through, its exit code is returned (a signal: internal error).
 */
export function handOver(checkout: string, pr: string, args: readonly string[]): number | null {
  const r = spawnSync(process.execPath, checkCommand(checkout, ["--judge", pr, ...args]), { cwd: checkout, stdio: "inherit", env: process.env });
  return r.status;
}

/**
 * The base's gate closure, computed in its checkout by its own scripts/gateClosure.ts.
 * A base older than that module (the commit that introduced it) is computed by this one.
 * (Only for a base before `--judge`: a judge computes its own closure in-process.)
 */
export function closureOf(checkout: string): string[] {
  const own = existsSync(path.join(checkout, "scripts", "gateClosure.ts"));
  const tsx = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const args = own ? [tsx, path.join("scripts", "gateClosure.ts")] : [tsx, path.join(REPO_ROOT, "scripts", "gateClosure.ts"), checkout];
  const r = spawnSync(process.execPath, args, { cwd: checkout, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the base's gate closure could not be computed (exit ${r.status}): ${r.stderr.trim().split("\n").at(-1)}`);
  return (JSON.parse(r.stdout) as string[]).filter((f) => !isPrData(f));
}

/** A tree's files: its working tree as git sees it (tracked and new, ignored files aside). */
const filesOf = (root: string) => git(["ls-files", "--cached", "--others", "--exclude-standard"], root).toString().split("\n").filter(Boolean);

/** A file's text as compared across trees: absent is undefined; CRLF is LF (a Windows checkout is not a change). */
function contentOf(root: string, file: string): string | undefined {
  try {
    return readFileSync(path.join(root, file)).toString("latin1").replace(/\r\n/g, "\n");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw e;
  }
}

/**
 * Files of either closure (the base's, the PR's) and of the judge's settings
 * that the PR's tree changes, adds or deletes against the base's, its evidence aside.
 */
export function changedGateFiles(baseRoot: string, prRoot: string, baseClosure: readonly string[], prClosure: readonly string[]): string[] {
  const gate = [...new Set([...baseClosure, ...prClosure, ...JUDGE_SETTINGS])].filter((f) => !isPrData(f));
  return gate.filter((f) => contentOf(baseRoot, f) !== contentOf(prRoot, f)).sort();
}

/** Folders of a tree that its code generates or installs, never taken from a PR into a judge directory. */
const GENERATED_DIRS = ["node_modules", "dist", ".cache"] as const;

/** Builds the judge directory from the base's tree and its closure, the rest from the PR's tree; the caller removes it. */
export function judgeDirectory(baseRoot: string, baseClosure: readonly string[], prRoot: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-judge-"));
  const gate = new Set(baseClosure);
  const copy = (from: string, f: string) => {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(from, f), path.join(dir, f));
  };
  // The base's gate, whole.
  for (const f of baseClosure) copy(baseRoot, f);
  // The PR's working tree outside the base's gate: its program, stack files and evidence. Never
  // what is generated from the code (a PR can commit it: git add -f): its dist/ (compiled code, the
  // vendored packages, the build's stamp) or .cache/ (V8's code cache) would run in the base's place.
  for (const f of filesOf(prRoot)) {
    // Case-blind: on Windows and macOS a PR's `Dist/` is the same folder as `dist/`.
    const lower = f.toLowerCase();
    if (gate.has(f) || GENERATED_DIRS.some((d) => lower === d || lower.startsWith(`${d}/`))) continue;
    try {
      copy(prRoot, f);
    } catch (e) {
      // A file deleted in the working tree but still in the index is not part of the PR.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  // The judge's packages: the code that judges includes what it imports from node_modules.
  symlinkSync(path.join(baseRoot, "node_modules"), path.join(dir, "node_modules"), "junction");
  // The judge directory lies elsewhere: paper's relative cdb:sourceDir still names the PR's checkout.
  anchorSourceDir(dir, prRoot);
  return dir;
}

export interface Run {
  code: number;
  report: string;
}

/** Runs the base's policy check in the judge directory (with the base's corpus against the PR's tree when `corpus` names it); its exit code and output. */
export function runJudged(dir: string, corpus: string | undefined, progress: (l: string) => void): Run {
  const r = spawnSync(process.execPath, checkCommand(dir, ["--no-tests", ...(corpus !== undefined ? ["--corpus", corpus] : [])]), { cwd: dir, env: process.env, maxBuffer: 256 * 1024 * 1024 });
  for (const l of r.stderr.toString().split("\n")) if (l) progress(`[base gate] ${l}`);
  return { code: r.status ?? EXIT.internalError, report: r.stdout.toString() };
}

/**
 * The PR's own check (its code, its tree, no base): what it will be after the
 * merge. Its red is red; its green proves nothing (the PR wrote it).
 */
export function runOwnCheck(prRoot: string, progress: (l: string) => void): Run & { problem?: string } {
  const entry = path.join(prRoot, "scripts", "policyCheck.ts");
  if (!existsSync(entry)) return { code: -1, report: "", problem: "the PR has no scripts/policyCheck.ts" };
  const r = spawnSync(process.execPath, checkCommand(prRoot, ["--no-tests"]), { cwd: prRoot, env: process.env, maxBuffer: 256 * 1024 * 1024 });
  for (const l of (r.stderr ?? Buffer.alloc(0)).toString().split("\n")) if (l) progress(`[PR's check] ${l}`);
  if (r.error) return { code: -1, report: "", problem: `could not run: ${r.error.message}` };
  return { code: r.status ?? -1, report: (r.stdout ?? Buffer.alloc(0)).toString(), ...(r.status === null ? { problem: `killed by ${r.signal}` } : {}) };
}
