import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

// `npm run bench`: runs every bench/*.ts script (except this one) in its own
// process, one after the other; each prints its own Markdown table.

const dir = __dirname;
const root = path.resolve(dir, "..");
const tsx = path.join(root, "node_modules", "tsx", "dist", "cli.mjs");
const scripts = readdirSync(dir)
  // testFiles.ts times the whole test suite: run it alone. stats.ts is the scripts' helper.
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && !["run.ts", "testFiles.ts", "stats.ts"].includes(f))
  .sort();

let failed = 0;
for (const f of scripts) {
  console.log(`<!-- bench/${f} -->`);
  const r = spawnSync(process.execPath, [tsx, path.join(dir, f)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${f} exited ${r.status ?? r.signal}`);
  }
}
if (failed) process.exitCode = 1;
