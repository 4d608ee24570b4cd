import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./paths";
import { atLeast, findToolchain, goModVersion, pinnedVersion } from "./toolchain";

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

  // A shell script stands in for the CLI.
  it.skipIf(process.platform === "win32")("asks a CLI on PATH once per PATH while it is there, and looks again when PATH changes or it is gone", () => {
    const dirs = [mkdtempSync(path.join(os.tmpdir(), "cdb-toolchain-a-")), mkdtempSync(path.join(os.tmpdir(), "cdb-toolchain-b-"))];
    const count = path.join(dirs[0]!, "asked");
    const before = process.env.PATH;
    try {
      for (const d of dirs) {
        writeFileSync(path.join(d, "pulumi"), `#!/bin/sh\necho x >> ${JSON.stringify(count)}\necho v3.300.0\n`);
        chmodSync(path.join(d, "pulumi"), 0o755);
      }
      const asked = () => readFileSync(count, "utf8").trim().split("\n").length;
      process.env.PATH = `${dirs[0]}${path.delimiter}${before}`;
      expect(findToolchain("3.259.0")).toBe(dirs[0]);
      expect(findToolchain("3.259.0")).toBe(dirs[0]);
      expect(asked()).toBe(1);
      process.env.PATH = `${dirs[1]}${path.delimiter}${before}`;
      expect(findToolchain("3.259.0")).toBe(dirs[1]);
      expect(asked()).toBe(2);
      rmSync(path.join(dirs[1]!, "pulumi"));
      expect(findToolchain("3.259.0")).not.toBe(dirs[1]);
    } finally {
      process.env.PATH = before;
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
