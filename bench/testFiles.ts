import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";

// `npx tsx bench/testFiles.ts [vitest args…]`: the test suite's own timing.
// Runs `vitest run` once (all projects unless args narrow it) with vitest's
// JSON reporter and prints the wall time and every test file's duration,
// slowest first, with its share of the summed file time: where CI's minutes
// go. `--from <report.json>` prints an earlier report instead of running.
// Not part of `npm run bench` (bench/run.ts skips it): it takes as long as the suite.

interface FileResult {
  name: string;
  startTime: number;
  endTime: number;
  status: string;
  assertionResults: { status: string }[];
}

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
let report: string;
let wallMs: number | undefined;
let cpu: { busy: number; all: number } | undefined;
/** The machine's CPU time so far (Linux /proc/stat, seconds): busy (user, nice, system, irq, softirq, steal) and all. */
function machineCpu(): { busy: number; all: number } | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const hz = 100; // USER_HZ: 100 on every Linux Node runs on
  return { busy: (user + nice + system + irq + softirq + steal) / hz, all: (user + nice + system + idle + iowait + irq + softirq + steal) / hz };
}
if (args[0] === "--from") {
  report = args[1] ?? "";
} else {
  report = path.join(mkdtempSync(path.join(tmpdir(), "cdb-bench-tests-")), "report.json");
  const t0 = Date.now();
  const c0 = machineCpu();
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${report}`, ...args], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  wallMs = Date.now() - t0;
  const c1 = machineCpu();
  if (c0 && c1) cpu = { busy: c1.busy - c0.busy, all: c1.all - c0.all };
  if (r.status !== 0) console.error(`vitest exited ${r.status ?? r.signal}: the times below include failed files`);
}
const { testResults } = JSON.parse(readFileSync(report, "utf8")) as { testResults: FileResult[] };
const rows = testResults.map((f) => ({ file: path.relative(root, f.name), s: (f.endTime - f.startTime) / 1000, tests: f.assertionResults.length, status: f.status })).sort((a, b) => b.s - a.s);
const total = rows.reduce((n, r) => n + r.s, 0);
const first = Math.min(...testResults.map((f) => f.startTime));
const last = Math.max(...testResults.map((f) => f.endTime));
console.log(`| file | seconds | share | tests | status |\n|---|---:|---:|---:|---|`);
for (const r of rows) console.log(`| ${r.file} | ${r.s.toFixed(1)} | ${((r.s / total) * 100).toFixed(1)}% | ${r.tests} | ${r.status} |`);
console.log(`\n${rows.length} files; summed file time ${total.toFixed(0)} s; first file start to last file end ${((last - first) / 1000).toFixed(0)} s${wallMs !== undefined ? `; vitest wall ${(wallMs / 1000).toFixed(0)} s` : ""}; ratio summed/span ${(total / ((last - first) / 1000)).toFixed(2)} (files in parallel)`);
// Where the wall time goes per vitest project (they run in groups, one after another: vitest.config.mts).
const projectOf = (file: string) => (file.startsWith("test/engine/") ? "engine" : /^(ops\/|.*\.ops\.test\.ts$)/.test(file) ? "ops" : "unit");
for (const project of ["engine", "ops", "unit"]) {
  const files = testResults.filter((f) => projectOf(path.relative(root, f.name)) === project);
  if (files.length === 0) continue;
  const span = (Math.max(...files.map((f) => f.endTime)) - Math.min(...files.map((f) => f.startTime))) / 1000;
  const summed = files.reduce((n, f) => n + (f.endTime - f.startTime) / 1000, 0);
  console.log(`${project}: ${files.length} files, span ${span.toFixed(0)} s, summed ${summed.toFixed(0)} s`);
}
// A CPU-bound suite cannot finish faster than its CPU time over the cores, whatever runs in parallel.
if (cpu) {
  const cores = availableParallelism();
  console.log(`machine CPU during the run: ${cpu.busy.toFixed(0)} CPU-s busy of ${cpu.all.toFixed(0)} (${((cpu.busy / cpu.all) * 100).toFixed(0)}% of ${cores} cores); at full use the floor is ${(cpu.busy / cores).toFixed(0)} s`);
}
