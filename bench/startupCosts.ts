import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { REPO_ROOT } from "../platform/paths";
import { runGate } from "../readiness/gate";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { engineWorkspace, run } from "../test/engine/workspace";
import { syntheticCase } from "./readiness";

// What one start of each part costs, as ratios measured in ONE run (the
// machine is shared: absolute numbers drift with its load, ratios much less):
//   - `cdb readiness` and `cdb --help` against `node -e 0` (CPU of the whole process);
//   - `pulumi preview` of the paper stack with and without the policy pack,
//     and the paper program against an empty program (CPU of pulumi and every
//     process it waits for: language host, program, analyzer, plugins);
//   - the gate in-process at 1,000 and 10,000 items (linear: per-item time flat).
// Targets (issue 17): CLI <= 2x node -e 0, pack <= 1.10x, paper <= 2x empty.
// CPU is measured with GNU time (user+sys of the process and its waited-for
// children); without it (not Linux) the wall time stands in.

const RUNS = Number(process.env.CDB_BENCH_RUNS ?? 7);
const PREVIEW_RUNS = Number(process.env.CDB_BENCH_PREVIEW_RUNS ?? 3);
const NODE = existsSync(path.join(REPO_ROOT, "node_modules", ".bin", "node")) ? path.join(REPO_ROOT, "node_modules", ".bin", "node") : process.execPath;
const BIN = path.join(REPO_ROOT, "scripts", "bin", "cdb.cjs");
const GNU_TIME = ["/usr/bin/time"].find((f) => existsSync(f));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Sample {
  cpu: number;
  wall: number;
}

/** One process run: CPU seconds (user+sys, children included) and wall seconds. `ok` judges its exit code. */
function measure(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; ok: (code: number | null, out: string) => boolean }): Sample {
  const out = path.join(os.tmpdir(), `cdb-bench-time-${process.pid}`);
  const t0 = performance.now();
  const r = GNU_TIME
    ? spawnSync(GNU_TIME, ["-f", "%U %S", "-o", out, cmd, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", maxBuffer: 64 << 20 })
    : spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8", maxBuffer: 64 << 20 });
  const wall = (performance.now() - t0) / 1000;
  if (!opts.ok(r.status, r.stdout + r.stderr)) throw new Error(`${path.basename(cmd)} ${args.join(" ")} exited ${r.status}: ${(r.stdout + r.stderr).slice(-2000)}`);
  let cpu = wall;
  if (GNU_TIME) {
    const [u, s] = readFileSync(out, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    cpu = u! + s!;
    rmSync(out, { force: true });
  }
  return { cpu, wall };
}

function series(runs: number, f: () => Sample): Sample[] {
  f(); // warm-up: file cache, compile caches
  return Array.from({ length: runs }, f);
}

const rows: { name: string; samples: Sample[] }[] = [];
const med = (name: string, k: keyof Sample = "cpu") => median(rows.find((r) => r.name === name)!.samples.map((s) => s[k]));

async function main(): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
  // 1. CLI start-up.
  const anyExit = (code: number | null) => code === 0 || code === 1;
  const cli = (name: string, args: string[]) => rows.push({ name, samples: series(RUNS, () => measure(NODE, args, { cwd: REPO_ROOT, ok: anyExit })) });
  cli("node -e 0", ["-e", "0"]);
  cli("cdb --help", [BIN, "--help"]);
  cli("cdb readiness --stack paper", [BIN, "readiness", "--stack", "paper"]);

  // 2. Gate in-process, 1,000 vs 10,000 items (same shape).
  const fx = makeFixture();
  const dir = repoTmpDir("bench-startup-");
  try {
    const digest = runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig } }).configDigest;
    for (const n of [1_000, 10_000]) {
      const synth = syntheticCase(mkdtempSync(path.join(dir, `n${n}-`)), digest, n);
      const once = (): Sample => {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const { verdict } = runGate({ stack: "live", evidenceFile: synth.evidence, catalogFile: synth.catalog, configFiles: { live: fx.liveConfig } });
        const c = process.cpuUsage(c0);
        if (!verdict.ready) throw new Error(`synthetic gate of ${n} items is not ready`);
        return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
      };
      rows.push({ name: `gate in-process, ${n} items`, samples: series(Math.min(RUNS, 5), once) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(fx.dir, { recursive: true, force: true });
  }

  // 3. pulumi preview on an existing paper stack (stand-in providers).
  const ws = await engineWorkspace("bench-passphrase");
  try {
    const pulumiBin = path.join(ws.env.PATH!.split(path.delimiter)[0]!, "pulumi");
    // No time limit: a first `up` takes minutes on a loaded machine (ws.pulumi kills after 4).
    const must = async (args: string[], cwd?: string) => {
      const r = await run(pulumiBin, [...args, "--non-interactive", ...(cwd ? ["--cwd", cwd] : [])], { cwd: ws.project, env: ws.env, timeoutMs: 3_600_000 });
      if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")}: ${r.stdout}${r.stderr}`);
    };
    await must(["stack", "init", "paper"]);
    await must(["up", "-s", "paper", "--yes"]);
    // The empty program beside the project (same node_modules), in the form the project's program takes (TypeScript or JavaScript).
    const projectYaml = readFileSync(path.join(ws.project, "Pulumi.yaml"), "utf8");
    const js = /^main:\s*\S+\.js\s*$/m.test(projectYaml);
    const empty = path.join(ws.project, "bench-empty");
    mkdirSync(empty);
    if (js) {
      writeFileSync(path.join(empty, "Pulumi.yaml"), "name: bench-empty\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
      writeFileSync(path.join(empty, "index.js"), "exports.ok = true;\n");
    } else {
      writeFileSync(path.join(empty, "Pulumi.yaml"), "name: bench-empty\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n");
      writeFileSync(path.join(empty, "index.ts"), "export const ok = true;\n");
      writeFileSync(path.join(empty, "tsconfig.json"), JSON.stringify({ compilerOptions: (JSON.parse(readFileSync(path.join(ws.project, "tsconfig.json"), "utf8")) as { compilerOptions: unknown }).compilerOptions, include: ["index.ts"] }));
    }
    await must(["stack", "init", "paper"], empty);
    await must(["up", "-s", "paper", "--yes"], empty);
    const pack = path.join(ws.project, "policies");
    const preview = (name: string, args: string[], cwd: string, refused = false) =>
      rows.push({
        name,
        samples: series(PREVIEW_RUNS, () =>
          measure(pulumiBin, ["preview", "-s", "paper", "--non-interactive", ...args], {
            cwd,
            env: ws.env,
            // The pack's cdb-coverage refuses a stack without cdb containers: that run must fail on it.
            ok: (code, out) => (refused ? code !== 0 && out.includes("cdb-coverage") : code === 0),
          }),
        ),
      });
    preview("preview paper, no pack", [], ws.project);
    preview("preview paper, with pack", ["--policy-pack", pack], ws.project);
    preview("preview empty, no pack", [], empty);
    preview("preview empty, with pack", ["--policy-pack", pack], empty, true);
  } finally {
    ws.dispose();
  }

  const cpus = os.cpus();
  console.log(`## Start-up costs (issue 17)\n`);
  console.log(`node ${process.version}, ${cpus.length} CPU(s), load average at start ${load}, at end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${GNU_TIME ? "CPU = user+sys incl. children (GNU time)" : "CPU = wall (no GNU time)"}; median of ${RUNS} (previews ${PREVIEW_RUNS})\n`);
  console.log("| what | CPU s (median) | wall s (median) |");
  console.log("|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${med(r.name).toFixed(3)} | ${med(r.name, "wall").toFixed(3)} |`);
  const ratio = (a: string, b: string, k: keyof Sample = "cpu") => med(a, k) / med(b, k);
  const ratios: [string, number, number, string][] = [
    ["cdb --help / node -e 0", ratio("cdb --help", "node -e 0"), ratio("cdb --help", "node -e 0", "wall"), "<= 2"],
    ["cdb readiness / node -e 0", ratio("cdb readiness --stack paper", "node -e 0"), ratio("cdb readiness --stack paper", "node -e 0", "wall"), "<= 2"],
    ["paper preview with pack / without", ratio("preview paper, with pack", "preview paper, no pack"), ratio("preview paper, with pack", "preview paper, no pack", "wall"), "<= 1.10"],
    ["empty preview with pack / without", ratio("preview empty, with pack", "preview empty, no pack"), ratio("preview empty, with pack", "preview empty, no pack", "wall"), "-"],
    ["paper program / empty program (no pack)", ratio("preview paper, no pack", "preview empty, no pack"), ratio("preview paper, no pack", "preview empty, no pack", "wall"), "<= 2"],
    ["gate 10,000 / 1,000 items", ratio("gate in-process, 10000 items", "gate in-process, 1000 items"), ratio("gate in-process, 10000 items", "gate in-process, 1000 items", "wall"), "~10 (linear)"],
  ];
  console.log("\n| ratio | CPU | wall | target |");
  console.log("|---|---:|---:|---|");
  for (const [n, c, w, t] of ratios) console.log(`| ${n} | ${c.toFixed(2)} | ${w.toFixed(2)} | ${t} |`);
}

void main().catch((e) => {
  console.error(`bench/startupCosts: ${(e as Error).message}`);
  process.exitCode = 1;
});
