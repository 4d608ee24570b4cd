import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { initLiveStack, pulumiOk, writeLiveEvidence } from "../test/engine/liveStack";
import { engineWorkspace } from "../test/engine/workspace";
import { median } from "./stats";

// `npx tsx bench/previewCpu.ts`: where one `pulumi preview -s paper --policy-pack policies`
// spends its CPU, per process (the CLI, the program, the pack, each provider plugin), as the
// median of CDB_BENCH_RUNS runs on an existing stack. The engine suite is CPU-bound on two
// cores: its wall time follows the CPU of the engine runs it makes, not their count alone.
// Linux only (it polls /proc every 20 ms; a process shorter than that is missed).
// Real CLI, language host and analyzer; STAND-IN providers.

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 5);
/** CDB_BENCH_STACK=live: a ready live stack (complete evidence), where program and pack also run the gate. */
const STACK = process.env.CDB_BENCH_STACK === "live" ? "live" : "paper";
const HZ = 100; // USER_HZ

interface Proc { ppid: number; cpu: number; cmd: string }

function procs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / HZ, cmd: readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

/** What a process is, for the table. */
function role(cmd: string): string {
  if (/cmd\/run-policy-pack\//.test(cmd)) return "policy pack (node)";
  if (/cmd\/run\//.test(cmd)) return "program (node)";
  const standin = /standins\/(\w+)-[0-9a-f]+\.cjs/.exec(cmd);
  if (standin) return `${standin[1]} provider stand-in (node)`;
  if (/pulumi-language-nodejs|nodejs-host/.test(cmd)) return "language host (go)";
  if (/\bpulumi\b/.test(cmd)) return "pulumi CLI and engine (go)";
  return "other";
}

function measure(cwd: string, env: NodeJS.ProcessEnv): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", ["preview", "-s", STACK, "--policy-pack", "policies", "--non-interactive"], { cwd, env, stdio: "ignore" });
    const seen = new Map<number, { cpu: number; cmd: string }>();
    const poll = () => {
      const all = procs();
      const tree = new Set([child.pid!]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [pid, p] of all) if (!tree.has(pid) && tree.has(p.ppid)) (tree.add(pid), (grew = true));
      }
      for (const pid of tree) {
        const p = all.get(pid);
        if (p && p.cmd) seen.set(pid, { cpu: p.cpu, cmd: p.cmd });
      }
    };
    const timer = setInterval(poll, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`pulumi preview exited ${code}`));
      const byRole = new Map<string, number>();
      for (const { cpu, cmd } of seen.values()) byRole.set(role(cmd), (byRole.get(role(cmd)) ?? 0) + cpu);
      resolve(byRole);
    });
  });
}

async function main() {
  if (!existsSync("/proc/self/stat")) {
    console.log("bench/previewCpu.ts reads /proc: Linux only");
    return;
  }
  const ws = await engineWorkspace("bench-preview-cpu");
  try {
    if (STACK === "live") {
      await initLiveStack(ws);
      writeLiveEvidence(ws);
    } else await pulumiOk(ws, ["stack", "init", STACK]);
    await pulumiOk(ws, ["up", "-s", STACK, "--yes", "--skip-preview"]);
    const runs: Map<string, number>[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(ws.project, ws.env));
    const roles = [...new Set(runs.flatMap((r) => [...r.keys()]))];
    const rows = roles.map((r) => ({ role: r, s: median(runs.map((m) => m.get(r) ?? 0)) })).sort((a, b) => b.s - a.s);
    const total = median(runs.map((m) => [...m.values()].reduce((a, b) => a + b, 0)));
    console.log(`| process (median of ${RUNS}) | CPU s | share |\n|---|---:|---:|`);
    for (const r of rows) console.log(`| ${r.role} | ${r.s.toFixed(2)} | ${((r.s / total) * 100).toFixed(0)}% |`);
    console.log(`\none ${STACK} preview with the pack: ${total.toFixed(2)} CPU-s in total`);
  } finally {
    ws.dispose();
  }
}

void main().catch((e: unknown) => {
  console.error(`bench/previewCpu: ${(e as Error).message}`);
  process.exitCode = 1;
});
