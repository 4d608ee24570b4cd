import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderConfigReference, replaceBetween, TABLE_END, TABLE_START } from "../config/reference";
import { METRICS_END, METRICS_START, renderMetricContract } from "../monitoring/metricReference";

const file = path.join(__dirname, "..", "README.md");
let readme = readFileSync(file, "utf8");
for (const [start, end, block] of [
  [TABLE_START, TABLE_END, renderConfigReference()],
  [METRICS_START, METRICS_END, renderMetricContract()],
] as const) {
  const next = replaceBetween(readme, start, end, block);
  if (next === undefined) {
    process.stderr.write(`${file}: marker ${start} or ${end} is missing\n`);
    process.exit(2);
  }
  readme = next;
}
writeFileSync(file, readme);
process.stdout.write("updated the generated tables in README.md\n");
