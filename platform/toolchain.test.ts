import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./paths";
import { atLeast, goModVersion, pinnedVersion } from "./toolchain";

describe("toolchain pins", () => {
  it("builds the CLI at the release of @pulumi/pulumi that the root and the policy pack pin", () => {
    const version = pinnedVersion();
    expect(version).toMatch(/^3\.\d+\.\d+$/);
    expect(goModVersion()).toBe(version);
    for (const file of ["package.json", "policies/package.json"]) {
      const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as { dependencies: Record<string, string> };
      expect(pkg.dependencies["@pulumi/pulumi"], file).toBe(version);
    }
  });

  it("builds the language host from sdk/v3 v3.68.0, the last release that ships it", () => {
    expect(readFileSync(path.join(REPO_ROOT, "tools", "nodejs-host-v3.68", "go.mod"), "utf8")).toMatch(/github\.com\/pulumi\/pulumi\/sdk\/v3 v3\.68\.0\b/);
  });

  it("accepts a CLI on PATH of the pinned release or newer, and nothing older", () => {
    expect(atLeast("v3.259.0", "3.259.0")).toBe(true);
    expect(atLeast("v3.261.2", "3.259.0")).toBe(true);
    expect(atLeast("v4.0.0", "3.259.0")).toBe(true);
    expect(atLeast("v3.258.9", "3.259.0")).toBe(false);
    expect(atLeast("v3.99.0", "3.259.0")).toBe(false);
  });
});
