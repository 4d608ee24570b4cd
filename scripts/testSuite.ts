import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../platform/paths";

// `npm test`'s vitest part (after the type check and the layer lint). The
// unit files keep a core busy (mostly `npx cdb` starts) and the ops files
// mostly wait (containers turning healthy, Redis, drills); run one file at a
// time, one project after the other (as vitest runs the projects of one
// group), the two took 880 s with 0.83 of 2 cores busy. So the unit project
// (one file at a time) and the ops project (two, vitest.config.mts) run side
// by side in two vitest processes, 632 s with the machine saturated (CI of
// bf8128a); the engine project, which starts cdb_* containers on the same
// dockerd as the ops files, after both. `npm test -- <vitest args…>` runs one
// `vitest run <args…>` as before, and so does `npx vitest run` (the config's
// group order runs the engine files after the ops files).

// Every node process of the suite (vitest's workers, `npx cdb`, each engine
// run's program, pack and stand-in providers: hundreds of starts of the same
// modules) shares V8's compile cache, kept with the other scratch files in the
// git-ignored .cache/: a paper preview with the pack 9.30 -> 8.48 CPU-s
// (bench/previewCpu.ts with NODE_COMPILE_CACHE set). V8 uses a cached entry
// only for the unchanged source it was made from. Emptied at the start of each
// run: the entries of a run's temporary engine workspaces would otherwise pile
// up (75 MB, 9,687 files after one whole suite).
const COMPILE_CACHE = path.join(REPO_ROOT, ".cache", "node-compile-cache");
const childEnv = (): NodeJS.ProcessEnv => ({ NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env });

/** The projects of vitest.config.mts, by phase: a phase's projects run together, the phases one after another. */
export const PHASES: readonly (readonly string[])[] = [["unit", "ops"], ["engine"]];

const VITEST = path.join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");

interface Finished {
  project: string;
  code: number;
  seconds: number;
}

/** CDB_TEST_JSON_DIR=<dir>: each project also writes vitest's JSON report to <dir>/<project>.json (bench/testFiles.ts reads them). */
const jsonReport = (project: string) => (process.env.CDB_TEST_JSON_DIR ? ["--reporter=default", "--reporter=json", `--outputFile.json=${path.join(process.env.CDB_TEST_JSON_DIR, `${project}.json`)}`] : []);

/** One `vitest run <args…>`: its exit code (1 when it could not start or was killed) and its seconds; with `prefix`, each line of its output prefixed. */
function runVitest(args: string[], prefix?: string): Promise<{ code: number; seconds: number }> {
  const t0 = Date.now();
  // Piped output is not a terminal: keep the colours the terminal would have had.
  const env = prefix !== undefined && process.stdout.isTTY && !process.env.NO_COLOR ? { ...childEnv(), FORCE_COLOR: "1" } : childEnv();
  const piped = prefix !== undefined ? "pipe" : "inherit";
  const child = spawn(process.execPath, [VITEST, "run", ...args], { cwd: REPO_ROOT, env, stdio: ["ignore", piped, piped] });
  if (prefix !== undefined) {
    for (const [from, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      createInterface({ input: from }).on("line", (line) => to.write(`[${prefix}] ${line}\n`));
    }
  }
  return new Promise((resolve) => {
    const done = (code: number) => resolve({ code, seconds: (Date.now() - t0) / 1000 });
    child.on("error", (e) => {
      process.stderr.write(`cdb test: cannot start vitest ${args.join(" ")}: ${e.message}\n`);
      done(1);
    });
    child.on("close", (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

/** One project of a phase; prefixed when the phase runs more than one. */
const runProject = async (project: string, prefixed: boolean): Promise<Finished> => ({ project, ...(await runVitest(["--project", project, ...jsonReport(project)], prefixed ? project : undefined)) });

/** `npm test`'s exit code: 1 when any project failed (or could not run), 0 when all passed. */
export async function main(args: string[], phases: readonly (readonly string[])[] = PHASES, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (args.length > 0) return (await runVitest(args)).code;
  const done: Finished[] = [];
  for (const phase of phases) {
    // Every phase runs even after a failure: one run shows every red file.
    done.push(...(await Promise.all(phase.map((p) => runProject(p, phase.length > 1)))));
  }
  const failed = done.filter((d) => d.code !== 0);
  out(`\ncdb test: ${done.map((d) => `${d.project} ${d.code === 0 ? "passed" : `FAILED (exit ${d.code})`} in ${d.seconds.toFixed(0)} s`).join(", ")}\n`);
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  rmSync(COMPILE_CACHE, { recursive: true, force: true });
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
