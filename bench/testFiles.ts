import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
if (args[0] === "--from") {
  report = args[1] ?? "";
} else {
  report = path.join(mkdtempSync(path.join(tmpdir(), "cdb-bench-tests-")), "report.json");
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${report}`, ...args], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  wallMs = Date.now() - t0;
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
