import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";

// scripts/bin/deferPulumiExtras.cjs: what `require("@pulumi/pulumi")` loads
// with and without it, in a fresh node each time (this worker has it already,
// test/deferPulumiExtras.setup.ts), and the deferred parts working when used.

const DEFER = path.join(REPO_ROOT, "scripts", "bin", "deferPulumiExtras.cjs");
const SDK = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");

/** Runs `code` in a fresh node (with the deferral first when `defer`) and parses the JSON it prints last. */
function inNode<T>(code: string, defer: boolean): T {
  const r = spawnSync(process.execPath, ["-e", `${defer ? `require(${JSON.stringify(DEFER)});` : ""}${code}`], { cwd: REPO_ROOT, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as T;
}

const LOADED = `const pulumi = require(${JSON.stringify(SDK)});
const files = Object.keys(require.cache);
console.log(JSON.stringify({ count: files.length, typescript: files.some((f) => /node_modules\\/typescript\\//.test(f)), arborist: files.some((f) => /@npmcli\\/arborist\\/lib\\/arborist\\//.test(f)), automation: files.some((f) => /automation\\/stack\\.js$/.test(f)) }));`;

interface Loaded {
  count: number;
  typescript: boolean;
  arborist: boolean;
  automation: boolean;
}

describe("deferPulumiExtras", () => {
  it("keeps the TypeScript compiler, npm's arborist and the Automation API out of `require(\"@pulumi/pulumi\")`", () => {
    const plain = inNode<Loaded>(LOADED, false);
    const deferred = inNode<Loaded>(LOADED, true);
    // Without it, this SDK loads all three: the deferral is what keeps them out.
    expect(plain).toMatchObject({ typescript: true, arborist: true, automation: true });
    expect(deferred).toMatchObject({ typescript: false, arborist: false, automation: false });
    expect(deferred.count).toBeLessThan(plain.count / 2);
  });

  it("loads each deferred part on first use, the same module as without it", () => {
    // Closure serialization uses all three (TypeScript to parse, arborist for the package's code paths).
    const code = `const pulumi = require(${JSON.stringify(SDK)});
const x = 41;
pulumi.runtime.serializeFunction(() => x + 1).then((f) => console.log(JSON.stringify({ text: f.text, workspace: typeof pulumi.automation.LocalWorkspace.create, ts: require(${JSON.stringify(path.join(SDK, "typescript-shim.js"))}).version })));`;
    const plain = inNode<{ text: string; workspace: string; ts: string }>(code, false);
    const deferred = inNode<{ text: string; workspace: string; ts: string }>(code, true);
    expect(plain.text).toMatch(/x: 41/);
    expect(deferred).toEqual(plain);
  });

  it("is in effect in the test workers (test/deferPulumiExtras.setup.ts)", async () => {
    await import("@pulumi/pulumi");
    expect(Object.keys(createRequire(DEFER).cache).filter((f) => /node_modules[\\/]typescript[\\/]lib[\\/]typescript\.js$/.test(f))).toEqual([]);
  });

  it("defers nothing, and fails nothing, where this SDK is not installed", () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "cdb-defer-"));
    try {
      const r = inNode<{ before: string[]; after: string[] }>(`const { deferPulumiExtras } = require(${JSON.stringify(DEFER)}); const before = Object.keys(require.cache); deferPulumiExtras(${JSON.stringify(empty)}); console.log(JSON.stringify({ before, after: Object.keys(require.cache) }));`, false);
      expect(r.after).toEqual(r.before);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
