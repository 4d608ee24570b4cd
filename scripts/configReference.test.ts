import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { METRICS_END, METRICS_START, renderMetricContract } from "../monitoring/metricReference";
import { DESCRIPTIONS, renderConfigReference, replaceBetween, TABLE_END, TABLE_START } from "../config/reference";
import { cdbConfigSchema } from "../config/schema";
import { SECRET_SETTINGS } from "../config/safety";

const reference = readFileSync(path.join(__dirname, "..", "docs", "reference.md"), "utf8");

describe("docs/reference.md generated tables", () => {
  it("documents every setting of the schema and nothing else", () => {
    expect(Object.keys(DESCRIPTIONS).sort()).toEqual([...Object.keys(cdbConfigSchema.shape), ...SECRET_SETTINGS].sort());
  });

  it.each([
    ["config reference", TABLE_START, TABLE_END, renderConfigReference],
    ["metric contract", METRICS_START, METRICS_END, renderMetricContract],
  ] as const)("%s is the current rendering (run `npm run docs:config` after a change)", (_name, start, end, render) => {
    // Rendering into docs/reference.md must leave it unchanged.
    expect(replaceBetween(reference, start, end, render())).toBe(reference);
  });
});
