import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { engineWorkspace, type EngineWorkspace } from "../test/engine/workspace";
import { median } from "./stats";

// `pulumi preview` of the paper stack on an existing stack (one `up` done),
// with and without the policy pack, beside an empty TypeScript program with
// and without the same pack, so the program's own cost is visible. Real CLI,
// language host and analyzer; STAND-IN providers (an echoing provider costs
// less than the real docker provider, which talks to a Docker engine).

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 5);

/** `refused`: the run must fail on a policy (the pack's cdb-coverage refuses a stack without cdb containers). */
async function timed(ws: EngineWorkspace, args: string[], cwd?: string, refused = false): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = await ws.pulumi(cwd ? [...args, "--cwd", cwd] : args);
    const asExpected = refused ? r.code !== 0 && r.stdout.includes("cdb-coverage") : r.code === 0;
    if (!asExpected) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
    times.push(performance.now() - t);
  }
  return times;
}

async function main(): Promise<void> {
  const ws = await engineWorkspace("bench-passphrase");
  try {
    const must = async (args: string[], cwd?: string) => {
      const r = await ws.pulumi(cwd ? [...args, "--cwd", cwd] : args);
      if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${r.stderr}`);
    };
    await must(["stack", "init", "paper"]);
    await must(["up", "-s", "paper", "--yes"]);
    // The empty program lives beside the project so it resolves the same node_modules.
    const empty = path.join(ws.project, "bench-empty");
    mkdirSync(empty);
    writeFileSync(path.join(empty, "Pulumi.yaml"), "name: bench-empty\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n");
    writeFileSync(path.join(empty, "index.ts"), "export const ok = true;\n");
    // The project's compiler settings, so that only the program differs (and the pack compiles the same way).
    writeFileSync(path.join(empty, "tsconfig.json"), JSON.stringify({ compilerOptions: (JSON.parse(readFileSync(path.join(ws.project, "tsconfig.json"), "utf8")) as { compilerOptions: unknown }).compilerOptions, include: ["index.ts"] }));
    await must(["stack", "init", "paper"], empty);
    await must(["up", "-s", "paper", "--yes"], empty);

    const pack = path.join(ws.project, "policies");
    const rows: [string, number[]][] = [
      ["paper program, no pack", await timed(ws, ["preview", "-s", "paper"])],
      ["paper program, with pack", await timed(ws, ["preview", "-s", "paper", "--policy-pack", pack])],
      ["empty program, no pack", await timed(ws, ["preview", "-s", "paper"], empty)],
      ["empty program, with pack (refused by cdb-coverage)", await timed(ws, ["preview", "-s", "paper", "--policy-pack", pack], empty, true)],
    ];
    const m = Object.fromEntries(rows.map(([k, v]) => [k, median(v)]));
    console.log(`| pulumi preview (median of ${RUNS}) | ms | min | max |`);
    console.log("|---|---|---|---|");
    for (const [k, v] of rows) console.log(`| ${k} | ${m[k]!.toFixed(0)} | ${Math.min(...v).toFixed(0)} | ${Math.max(...v).toFixed(0)} |`);
    const ratio = (a: string, b: string) => (m[a]! / m[b]!).toFixed(2);
    console.log(`\nwith/without pack: paper ${ratio("paper program, with pack", "paper program, no pack")}, empty ${ratio("empty program, with pack (refused by cdb-coverage)", "empty program, no pack")}; paper/empty program (no pack): ${ratio("paper program, no pack", "empty program, no pack")}`);
  } finally {
    ws.dispose();
  }
}

void main().catch((e) => {
  console.error(`bench/preview: ${(e as Error).message}`);
  process.exitCode = 1;
});
