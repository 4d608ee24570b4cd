import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { main, PHASES } from "./testSuite";

describe("npm test's phases", () => {
  it("run every project of vitest.config.mts exactly once, the engine after the ops files (both start containers on one dockerd)", () => {
    const config = readFileSync(path.join(REPO_ROOT, "vitest.config.mts"), "utf8");
    const projects = [...config.matchAll(/^\s*name: "([a-z]+)",$/gm)].map((m) => m[1]!);
    expect(projects.length).toBeGreaterThan(2);
    expect([...PHASES.flat()].sort()).toEqual([...projects].sort());
    const phaseOf = (p: string) => PHASES.findIndex((ph) => ph.includes(p));
    expect(phaseOf("engine")).toBeGreaterThan(phaseOf("ops"));
    expect(phaseOf("engine")).toBeGreaterThan(phaseOf("unit"));
  });

  it("fails when a project of a phase fails, and a run with vitest args when vitest fails", async () => {
    // A project vitest does not know: vitest exits non-zero before running a file.
    let summary = "";
    expect(await main([], [["no-such-project"]], (t) => (summary += t))).toBe(1);
    expect(summary).toMatch(/^cdb test: no-such-project FAILED \(exit 1\) in \d+ s$/m);
    expect(await main(["--project", "no-such-project"])).not.toBe(0);
  }, 60_000);
});
