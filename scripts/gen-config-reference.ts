import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderConfigReference, replaceBetween, TABLE_END, TABLE_START } from "../config/reference";
import { METRICS_END, METRICS_START, renderMetricContract } from "../monitoring/metricReference";

// The generated reference tables live in docs/reference.md (the README maps to it).
const file = path.join(__dirname, "..", "docs", "reference.md");
let doc = readFileSync(file, "utf8");
for (const [start, end, block] of [
  [TABLE_START, TABLE_END, renderConfigReference()],
  [METRICS_START, METRICS_END, renderMetricContract()],
] as const) {
  const next = replaceBetween(doc, start, end, block);
  if (next === undefined) {
    process.stderr.write(`${file}: marker ${start} or ${end} is missing\n`);
    process.exit(2);
  }
  doc = next;
}
writeFileSync(file, doc);
process.stdout.write("updated the generated tables in docs/reference.md\n");
