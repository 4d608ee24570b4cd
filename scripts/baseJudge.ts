import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";

// `policy-check --base <ref>`: a pull request is judged by the gate of the
// branch it wants to change, not by its own. Otherwise a PR that relaxes a
// policy (or the risk bounds, or deletes a checklist item) and relies on that
// in the same change checks itself green. The judge is a directory holding the
// PR's stacks, program and evidence, with the gate's files taken from <ref>:
// its policies, readiness code, checklist, schema and allowed signers, the
// safety rules, and this check itself. CODEOWNERS names the same paths.

/** The gate: taken from the base when judging a pull request. */
export const GATE_PATHS = ["policies", "readiness", "config/safety.ts", "scripts/policyCheck.ts", "scripts/baseJudge.ts"] as const;

/** What a PR brings inside the gate's folders that stays the PR's: its evidence. */
const PR_DATA = [/^readiness\/[^/]+\.evidence\.yaml$/, /^readiness\/artifacts\//];

const inGate = (file: string) => GATE_PATHS.some((g) => file === g || file.startsWith(`${g}/`));
const isPrData = (file: string) => PR_DATA.some((r) => r.test(file));

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

/** Gate files this PR (working tree) changes against the base, its evidence aside. */
export function changedGateFiles(base: string): string[] {
  const tracked = git(["diff", "--name-only", base, "--", ...GATE_PATHS]).toString().split("\n");
  const untracked = git(["ls-files", "--others", "--exclude-standard", "--", ...GATE_PATHS]).toString().split("\n");
  return [...new Set([...tracked, ...untracked])].filter((f) => f !== "" && !isPrData(f)).sort();
}

/** Builds the judge directory; the caller removes it. */
export function judgeDirectory(base: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-judge-"));
  // The base's gate, without the base's evidence.
  const tar = git(["archive", "--format=tar", base, "--", ...GATE_PATHS]);
  const x = spawnSync("tar", ["-x", "-f", "-", "-C", dir], { input: tar });
  if (x.status !== 0) throw new Error(`tar could not unpack the base's gate: ${x.stderr.toString().trim()}`);
  for (const f of listFiles(dir)) if (isPrData(f)) rmSync(path.join(dir, f));
  // The PR's working tree outside the gate, and its evidence inside it.
  const files = git(["ls-files", "--cached", "--others", "--exclude-standard"]).toString().split("\n").filter(Boolean);
  for (const f of files) {
    if ((inGate(f) && !isPrData(f)) || f === "node_modules" || f.startsWith("node_modules/")) continue;
    const from = path.join(REPO_ROOT, f);
    try {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      cpSync(from, path.join(dir, f));
    } catch (e) {
      // A file deleted in the working tree but still in the index is not part of the PR.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
  return dir;
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? listFiles(dir, rel) : [rel];
  });
}

/** Runs the base's policy check in the judge directory; its exit code and output. */
export function runJudged(dir: string, progress: (l: string) => void): { code: number; report: string } {
  const tsx = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
  const r = spawnSync(process.execPath, [tsx, path.join("scripts", "policyCheck.ts"), "--no-tests"], { cwd: dir, env: process.env, maxBuffer: 256 * 1024 * 1024 });
  for (const l of r.stderr.toString().split("\n")) if (l) progress(`[base gate] ${l}`);
  return { code: r.status ?? 3, report: r.stdout.toString() };
}
