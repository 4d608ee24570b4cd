import { initLiveStack, pulumiOk, writeLiveEvidence } from "../test/engine/liveStack";
import { engineWorkspace } from "../test/engine/workspace";
import { byRole, hasProc, runSampled } from "./processCpu";
import { median } from "./stats";

// `npx tsx bench/previewCpu.ts`: where one `pulumi preview -s paper --policy-pack policies`
// spends its CPU, per process (the CLI, the program, the pack, each provider plugin), as the
// median of CDB_BENCH_RUNS runs on an existing stack. The engine suite is CPU-bound on two
// cores: its wall time follows the CPU of the engine runs it makes, not their count alone.
// Linux only (bench/processCpu.ts).
// Real CLI, language host and analyzer; STAND-IN providers.

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 5);
/** CDB_BENCH_STACK=live: a ready live stack (complete evidence), where program and pack also run the gate. */
const STACK = process.env.CDB_BENCH_STACK === "live" ? "live" : "paper";

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

async function measure(cwd: string, env: NodeJS.ProcessEnv): Promise<Map<string, number>> {
  const r = await runSampled("pulumi", ["preview", "-s", STACK, "--policy-pack", "policies", "--non-interactive"], { cwd, env });
  if (r.code !== 0) throw new Error(`pulumi preview exited ${r.code}`);
  return byRole(r.processes, role);
}

async function main() {
  if (!hasProc()) {
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
