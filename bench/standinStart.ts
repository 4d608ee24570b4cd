import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { standinBundle } from "../test/engine/workspace";
import { median } from "./stats";

// What one start of a stand-in provider plugin costs (Pulumi starts each
// plugin anew for every preview and update of the engine suite): started
// through tsx's CLI as before, against the bundle test/engine/workspace.ts
// now installs. CPU seconds of the process tree until the plugin prints its
// port (it is then ready for the engine), median of RUNS, and the ratio, in
// one run. Linux only: the CPU is read from /proc.

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 7);
const TSX_CLI = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** user+sys clock ticks of a process and its descendants, from /proc. */
function treeTicks(pid: number): number {
  let own = 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    own = Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone meanwhile
  }
  return own + children.reduce((n, c) => n + treeTicks(c), 0);
}

/** CPU seconds and wall seconds until the plugin's first stdout line. */
function startOnce(args: string[]): Promise<{ cpu: number; wall: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code} before printing its port`)));
    p.stdout.once("data", () => {
      const wall = (Date.now() - t0) / 1000;
      const cpu = treeTicks(p.pid!) / 100;
      p.removeAllListeners("exit");
      p.kill("SIGKILL");
      resolve({ cpu, wall });
    });
  });
}

async function main(): Promise<void> {
  if (!existsSync("/proc/self/stat")) {
    console.log("bench/standinStart.ts: needs /proc (Linux); skipped");
    return;
  }
  const rows: { name: string; cpu: number; wall: number }[] = [];
  for (const [name, args] of [
    ["docker stand-in through tsx", [TSX_CLI, path.join(REPO_ROOT, "test", "engine", "standins", "docker.ts")]],
    ["docker stand-in bundled", [await standinBundle("docker.ts")]],
  ] as const) {
    const samples = [];
    for (let i = 0; i < RUNS; i++) samples.push(await startOnce([...args]));
    rows.push({ name, cpu: median(samples.map((s) => s.cpu)), wall: median(samples.map((s) => s.wall)) });
  }
  console.log(`| start of a provider plugin (median of ${RUNS}) | CPU s | wall s |\n|---|---:|---:|`);
  for (const r of rows) console.log(`| ${r.name} | ${r.cpu.toFixed(2)} | ${r.wall.toFixed(2)} |`);
  console.log(`\nratio bundled/tsx: CPU ${(rows[1]!.cpu / rows[0]!.cpu).toFixed(2)}, wall ${(rows[1]!.wall / rows[0]!.wall).toFixed(2)}`);
}

void main().catch((e: unknown) => {
  console.error(`bench/standinStart.ts: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
