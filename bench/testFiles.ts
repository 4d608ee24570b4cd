import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";

// `npx tsx bench/testFiles.ts [vitest args…]`: the test suite's own timing.
// Without args it runs the suite as `npm test` does (scripts/testSuite.ts: the
// unit and ops projects side by side, then the engine), with vitest's JSON
// reports; with args, one `vitest run <args…>`. It prints the wall time and
// every test file's duration, slowest first, with its share of the summed
// file time: where CI's minutes go. `--from <report.json | dir of reports>`
// prints earlier reports instead of running.
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
/** The JSON reports in `dir` (scripts/testSuite.ts writes one per project), or the one file. */
const reportFiles = (at: string) => (statSync(at).isDirectory() ? readdirSync(at).filter((f) => f.endsWith(".json")).map((f) => path.join(at, f)) : [at]);
if (args[0] === "--from") {
  report = args[1] ?? "";
} else {
  const dir = mkdtempSync(path.join(tmpdir(), "cdb-bench-tests-"));
  const t0 = Date.now();
  const c0 = machineCpu();
  const r =
    args.length === 0
      ? spawnSync(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), path.join(root, "scripts", "testSuite.ts")], { cwd: root, env: { ...process.env, CDB_TEST_JSON_DIR: dir }, stdio: ["ignore", "ignore", "inherit"] })
      : spawnSync(process.execPath, [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${path.join(dir, "report.json")}`, ...args], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  report = dir;
  wallMs = Date.now() - t0;
  const c1 = machineCpu();
  if (c0 && c1) cpu = { busy: c1.busy - c0.busy, all: c1.all - c0.all };
  if (r.status !== 0) console.error(`the suite exited ${r.status ?? r.signal}: the times below include failed files`);
}
const testResults = reportFiles(report).flatMap((f) => (JSON.parse(readFileSync(f, "utf8")) as { testResults: FileResult[] }).testResults);
const rows = testResults.map((f) => ({ file: path.relative(root, f.name), s: (f.endTime - f.startTime) / 1000, tests: f.assertionResults.length, status: f.status })).sort((a, b) => b.s - a.s);
const total = rows.reduce((n, r) => n + r.s, 0);
const first = Math.min(...testResults.map((f) => f.startTime));
const last = Math.max(...testResults.map((f) => f.endTime));
console.log(`| file | seconds | share | tests | status |\n|---|---:|---:|---:|---|`);
for (const r of rows) console.log(`| ${r.file} | ${r.s.toFixed(1)} | ${((r.s / total) * 100).toFixed(1)}% | ${r.tests} | ${r.status} |`);
console.log(`\n${rows.length} files; summed file time ${total.toFixed(0)} s; first file start to last file end ${((last - first) / 1000).toFixed(0)} s${wallMs !== undefined ? `; suite wall ${(wallMs / 1000).toFixed(0)} s` : ""}; ratio summed/span ${(total / ((last - first) / 1000)).toFixed(2)} (files in parallel)`);
// Where the wall time goes per vitest project (scripts/testSuite.ts: unit and ops side by side, then engine).
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
