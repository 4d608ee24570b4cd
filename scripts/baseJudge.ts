import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { anchorSourceDir } from "./judgeCorpus";

// `policy-check --base <ref>`: a pull request is judged by the gate of the
// branch it wants to change, not by its own. Otherwise a PR that relaxes a
// policy (or the risk bounds, or deletes a checklist item, or empties the pack
// list of the previews) and relies on that in the same change checks itself
// green. The judge is a directory holding every file of the base's gate
// closure (scripts/gateClosure.ts, computed by the base's own copy in a
// checkout of <ref>: the check, the pack, the gate, the program's live gate,
// the code that starts previews and attaches the pack, everything they import,
// their data) taken from <ref>, and everything else from the PR: its program
// (stacks/, components/), its stack files and its evidence. The PR cannot
// change how it is judged, only what is judged.

/** What a PR brings inside the gate's folders that stays the PR's: its evidence. */
const PR_DATA = [/^readiness\/[^/]+\.evidence\.yaml$/, /^readiness\/artifacts\//];

const isPrData = (file: string) => PR_DATA.some((r) => r.test(file));

const TSX = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");

function git(args: string[], input?: Buffer): Buffer {
  const r = spawnSync("git", args, { cwd: REPO_ROOT, input, maxBuffer: 512 * 1024 * 1024 });
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

/** A checkout of `base` (its files as committed, with this checkout's node_modules); the caller removes it. */
export function baseCheckout(base: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-base-"));
  const x = spawnSync("tar", ["-x", "-f", "-", "-C", dir], { input: git(["archive", "--format=tar", base]) });
  if (x.status !== 0) throw new Error(`tar could not unpack ${base}: ${x.stderr.toString().trim()}`);
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
  return dir;
}

/**
 * The base's gate closure, computed in its checkout by its own scripts/gateClosure.ts.
 * A base older than that module (the commit that introduced it) is computed by this one.
 */
export function closureOf(checkout: string): string[] {
  const own = existsSync(path.join(checkout, "scripts", "gateClosure.ts"));
  const args = own ? [TSX, path.join("scripts", "gateClosure.ts")] : [TSX, path.join(REPO_ROOT, "scripts", "gateClosure.ts"), checkout];
  const r = spawnSync(process.execPath, args, { cwd: checkout, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`the base's gate closure could not be computed (exit ${r.status}): ${r.stderr.trim().split("\n").at(-1)}`);
  return (JSON.parse(r.stdout) as string[]).filter((f) => !isPrData(f));
}

/** The PR's files: its working tree as git sees it (tracked and new, ignored files aside). */
const prFiles = () => git(["ls-files", "--cached", "--others", "--exclude-standard"]).toString().split("\n").filter(Boolean);

/** Files of either closure (the base's, the PR's) that this PR (working tree) changes, adds or deletes against the base, its evidence aside. */
export function changedGateFiles(base: string, baseClosure: readonly string[], prClosure: readonly string[]): string[] {
  const gate = [...new Set([...baseClosure, ...prClosure])].filter((f) => !isPrData(f));
  if (gate.length === 0) return [];
  const tracked = git(["diff", "--name-only", base, "--", ...gate.map((f) => `:(literal)${f}`)]).toString().split("\n");
  const baseFiles = new Set(git(["ls-tree", "-r", "--name-only", base, "--", ...gate.map((f) => `:(literal)${f}`)]).toString().split("\n").filter(Boolean));
  const added = prClosure.filter((f) => !baseFiles.has(f));
  return [...new Set([...tracked, ...added])].filter((f) => f !== "" && !isPrData(f)).sort();
}

/** Builds the judge directory from the base's checkout and its closure; the caller removes it. */
export function judgeDirectory(checkout: string, baseClosure: readonly string[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-judge-"));
  const gate = new Set(baseClosure);
  const copy = (from: string, f: string) => {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(from, f), path.join(dir, f));
  };
  // The base's gate, whole.
  for (const f of baseClosure) copy(checkout, f);
  // The PR's working tree outside the base's gate: its program, stack files and evidence.
  for (const f of prFiles()) {
    if (gate.has(f) || f === "node_modules" || f.startsWith("node_modules/")) continue;
    try {
      copy(REPO_ROOT, f);
    } catch (e) {
      // A file deleted in the working tree but still in the index is not part of the PR.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
  // The judge directory lies elsewhere: paper's relative cdb:sourceDir still names the PR's checkout.
  anchorSourceDir(dir, REPO_ROOT);
  return dir;
}

/** Runs the base's policy check in the judge directory (with the base's corpus against this working tree when the base has one); its exit code and output. */
export function runJudged(dir: string, corpus: boolean, progress: (l: string) => void): { code: number; report: string } {
  const r = spawnSync(process.execPath, [TSX, path.join("scripts", "policyCheck.ts"), "--no-tests", ...(corpus ? ["--corpus", REPO_ROOT] : [])], { cwd: dir, env: process.env, maxBuffer: 256 * 1024 * 1024 });
  for (const l of r.stderr.toString().split("\n")) if (l) progress(`[base gate] ${l}`);
  return { code: r.status ?? 3, report: r.stdout.toString() };
}
