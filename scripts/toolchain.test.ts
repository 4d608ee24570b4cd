import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { adapterSourceHash } from "./toolchain";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of tools/pulumi (the adapter's module) under a temporary tools/. */
function toolsCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-toolchain-"));
  dirs.push(dir);
  cpSync(path.join(REPO_ROOT, "tools", "pulumi"), path.join(dir, "pulumi"), { recursive: true });
  return dir;
}

describe("the cached adapter is rebuilt when what it is built from changes", () => {
  it("hashes the adapter's Go files, go.mod and go.sum, and nothing else", () => {
    const tools = toolsCopy();
    const base = adapterSourceHash(tools);
    expect(base).toBe(adapterSourceHash());
    writeFileSync(path.join(tools, "pulumi", "nodejs-adapter", "NOTES.md"), "not a source\n");
    expect(adapterSourceHash(tools)).toBe(base);
    for (const file of [path.join("nodejs-adapter", "main.go"), "go.mod", "go.sum"]) {
      const t = toolsCopy();
      appendFileSync(path.join(t, "pulumi", file), "\n// changed\n");
      expect(adapterSourceHash(t), file).not.toBe(base);
    }
    const t = toolsCopy();
    writeFileSync(path.join(t, "pulumi", "nodejs-adapter", "extra.go"), "package main\n");
    expect(adapterSourceHash(t)).not.toBe(base);
  });
});
