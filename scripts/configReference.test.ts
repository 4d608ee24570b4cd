import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoCopy } from "../test/repoCopy";
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

describe("`npm run docs:config`, as docs/reference.md says", () => {
  const docsConfig = (cwd: string) => spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "docs:config"], { cwd, encoding: "utf8", shell: process.platform === "win32" });

  it("renders the tables into docs/reference.md of the checkout it runs in, and renders the committed file unchanged", () => {
    const repo = repoCopy("cdb-docs-config-");
    try {
      const file = repo.file("docs", "reference.md");
      const stale = reference.replace(/^\| `cdb:mode` \|.*$/m, "| `cdb:mode` | stale | stale |").replace(/^\| `pg_up` \|.*$/m, "");
      expect(stale).not.toBe(reference);
      writeFileSync(file, stale);
      const r = docsConfig(repo.root);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("updated the generated tables in docs/reference.md\n");
      expect(r.status).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(reference);
      // The README carries no generated table any more: nothing to render there.
      expect(readFileSync(repo.file("README.md"), "utf8")).not.toContain(TABLE_START);
    } finally {
      repo.dispose();
    }
  });

  it("refuses a docs/reference.md without its markers: one line naming the file and the marker, exit 2, the file untouched", () => {
    const repo = repoCopy("cdb-docs-config-");
    try {
      const file = repo.file("docs", "reference.md");
      const unmarked = reference.replace(METRICS_END, "");
      writeFileSync(file, unmarked);
      const r = docsConfig(repo.root);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`${file}: marker ${METRICS_START} or ${METRICS_END} is missing\n`);
      expect(readFileSync(file, "utf8")).toBe(unmarked);
    } finally {
      repo.dispose();
    }
  });
});
