import { spawnSync } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../readiness/catalog";

// `npm run policy-check`: what the pull-request workflow does, locally.
// Every step runs; the exit code is the first failure's.

const cdb = path.join(REPO_ROOT, "scripts", "bin", "cdb.cjs");
const steps: [string, string, string[], (code: number) => boolean][] = [
  ["tests", "npm", ["test"], (c) => c === 0],
  ["preview paper with the policy pack", process.execPath, [cdb, "deploy", "--stack", "paper", "--preview"], (c) => c === 0],
  ["preview live with the policy pack", process.execPath, [cdb, "deploy", "--stack", "live", "--preview"], (c) => c === 0],
  // Not ready (1) is a report, not a failure of the check; unusable input (2+) is.
  ["readiness of live", process.execPath, [cdb, "readiness", "--stack", "live", "--markdown"], (c) => c <= 1],
];

let exitCode = 0;
const summary: string[] = [];
for (const [name, cmd, args, ok] of steps) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: REPO_ROOT, shell: process.platform === "win32" && cmd === "npm" });
  const code = r.status ?? 1;
  const passed = ok(code);
  summary.push(`${passed ? "ok  " : "FAIL"} ${name} (exit ${code})`);
  if (!passed && exitCode === 0) exitCode = code || 1;
}
process.stdout.write(`\n${summary.join("\n")}\n`);
process.exitCode = exitCode;
