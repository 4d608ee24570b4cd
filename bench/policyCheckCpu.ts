import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { engineWorkspace } from "../test/engine/workspace";
import { byRole, hasProc, runSampled } from "./processCpu";
import { median } from "./stats";

// `npx tsx bench/policyCheckCpu.ts`: where one `npm run policy-check -- --no-tests --base main`
// spends its CPU, per kind of process (the checks, the previews' programs and packs, the
// engine, dependency-cruiser, the builds), as the median of CDB_BENCH_RUNS runs. The PR is
// CDB_BENCH_PR: "harmless" (a README line: the PR's build stays fresh) or "program" (issue
// 23's PR 1, an edit of stacks/program.ts: every tree's build is stale). The two engine
// files that judge PRs are the suite's slowest (test/engine/policyCheck*.engine.test.ts).
// Linux only (bench/processCpu.ts). Real CLI, engine and analyzer; STAND-IN providers.

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 3);
const PR = process.env.CDB_BENCH_PR === "harmless" ? "harmless" : "program";
/** How `npm run policy-check` starts the check (scripts/bin/policyCheck.cjs). */
const LAUNCHER = path.join("scripts", "bin", "policyCheck.cjs");

/** What a process is, for the table. */
function role(cmd: string): string {
  if (/cmd\/run-policy-pack\//.test(cmd)) return "policy packs (node)";
  if (/cmd\/run\//.test(cmd)) return "programs (node)";
  if (/standins\//.test(cmd)) return "provider stand-ins (node)";
  if (/pulumi-language-nodejs|nodejs-host/.test(cmd)) return "language hosts (go)";
  if (/\bpulumi\b/.test(cmd)) return "pulumi CLI and engine (go)";
  if (/dependency-cruiser/.test(cmd)) return "dependency-cruiser (gate closures)";
  if (/scripts\/bin\/build\.cjs|esbuild/.test(cmd)) return "builds and tsx's esbuild";
  if (/policyCheck\.(ts|cjs)/.test(cmd)) return "policy-check processes";
  if (/\.corpus-probe\//.test(cmd)) return "corpus probes (tsx)";
  if (/scripts\/(bin\/cdb\.cjs|cdb\.ts)/.test(cmd)) return "the PR's cdb deploy (corpus)";
  return "other";
}

async function main() {
  if (!hasProc()) {
    console.log("bench/policyCheckCpu.ts reads /proc: Linux only");
    return;
  }
  const ws = await engineWorkspace("bench-policy-check-cpu");
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], { cwd: ws.project, env: ws.env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  };
  try {
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "base");
    const runs: { roles: Map<string, number>; wall: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      git("checkout", "-q", "-f", "main");
      git("clean", "-q", "-f", "-d");
      if (PR === "harmless") appendFileSync(path.join(ws.project, "README.md"), "\nA harmless line.\n");
      else {
        const f = path.join(ws.project, "stacks", "program.ts");
        writeFileSync(f, readFileSync(f, "utf8").replace("withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet))", "planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)"));
      }
      const r = await runSampled(process.execPath, [LAUNCHER, "--no-tests", "--base", "main"], { cwd: ws.project, env: ws.env });
      // The harmless PR is green, the program's red: anything else is a broken run, not a measurement.
      if (r.code !== (PR === "harmless" ? 0 : 1)) throw new Error(`policy-check exited ${r.code}`);
      runs.push({ roles: byRole(r.processes, role), wall: r.wallS });
    }
    const roles = [...new Set(runs.flatMap((r) => [...r.roles.keys()]))];
    const rows = roles.map((r) => ({ role: r, s: median(runs.map((m) => m.roles.get(r) ?? 0)) })).sort((a, b) => b.s - a.s);
    const total = median(runs.map((m) => [...m.roles.values()].reduce((a, b) => a + b, 0)));
    console.log(`| process (PR "${PR}", median of ${RUNS}) | CPU s | share |\n|---|---:|---:|`);
    for (const r of rows) console.log(`| ${r.role} | ${r.s.toFixed(2)} | ${((r.s / total) * 100).toFixed(0)}% |`);
    console.log(`\none policy-check --base main: ${total.toFixed(1)} CPU-s, ${median(runs.map((r) => r.wall)).toFixed(1)} s wall`);
  } finally {
    ws.dispose();
  }
}

void main().catch((e: unknown) => {
  console.error(`bench/policyCheckCpu: ${(e as Error).message}`);
  process.exitCode = 1;
});
