import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./paths";
import { atLeast, cachedBin, findToolchain, goModVersion, LEGACY_HOST, pinnedVersion } from "./toolchain";

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

  it.skipIf(process.platform === "win32")("takes this version's own complete cache on PATH without asking it; asks the same CLI anywhere else, and skips a file that is not executable", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "cdb-toolchain-cache-"));
    const other = mkdtempSync(path.join(os.tmpdir(), "cdb-toolchain-other-"));
    const count = path.join(root, "asked");
    const before = { PATH: process.env.PATH, CDB_TOOLCHAIN_CACHE: process.env.CDB_TOOLCHAIN_CACHE };
    try {
      process.env.CDB_TOOLCHAIN_CACHE = root;
      const bin = cachedBin("3.259.7");
      mkdirSync(bin, { recursive: true });
      for (const d of [bin, other]) {
        for (const f of ["pulumi", "pulumi-language-nodejs", LEGACY_HOST]) writeFileSync(path.join(d, f), `#!/bin/sh\necho x >> ${JSON.stringify(count)}\necho v3.259.7\n`, { mode: 0o755 });
      }
      const asked = () => (existsSync(count) ? readFileSync(count, "utf8").trim().split("\n").length : 0);
      process.env.PATH = `${bin}${path.delimiter}${before.PATH}`;
      expect(findToolchain("3.259.7")).toBe(bin);
      expect(asked()).toBe(0);
      // The control: the same files in another folder are asked.
      process.env.PATH = `${other}${path.delimiter}${before.PATH}`;
      expect(findToolchain("3.259.7")).toBe(other);
      expect(asked()).toBe(1);
      // An incomplete cache (no language host) is asked like any other CLI (another PATH: not the look kept above).
      rmSync(path.join(bin, "pulumi-language-nodejs"));
      process.env.PATH = `${bin}${path.delimiter}${before.PATH}${path.delimiter}`;
      expect(findToolchain("3.259.7")).toBe(bin);
      expect(asked()).toBe(2);
      // A `pulumi` that is not executable is passed over, as a shell would.
      chmodSync(path.join(other, "pulumi"), 0o644);
      process.env.PATH = `${other}${path.delimiter}${bin}${path.delimiter}${before.PATH}`;
      expect(findToolchain("3.259.0")).toBe(bin);
      expect(asked()).toBe(3);
    } finally {
      process.env.PATH = before.PATH;
      if (before.CDB_TOOLCHAIN_CACHE === undefined) delete process.env.CDB_TOOLCHAIN_CACHE;
      else process.env.CDB_TOOLCHAIN_CACHE = before.CDB_TOOLCHAIN_CACHE;
      for (const d of [root, other]) rmSync(d, { recursive: true, force: true });
    }
  });
});
