import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { engineWorkspace, type EngineWorkspace } from "./workspace";

// A project's runtime options reach its program, on the engine of this
// machine as with the official CLI. The toolchain's language host (v3.68.0,
// behind tools/pulumi/nodejs-adapter) reads them only as command-line flags,
// and current CLIs send them in each request instead: until the adapter
// passed them on, `typescript: false` in Pulumi.yaml was ignored and every
// program of the engine suite ran under ts-node (0.6 CPU-s a run more,
// bench/previewCpu.ts). A probe program with no resources reports what its
// process saw as stack outputs.

let ws: EngineWorkspace;

beforeAll(async () => {
  ws = await engineWorkspace("engine-runtime-options");
});
afterAll(() => ws?.dispose());

/** A one-file project under the workspace's copy (its node_modules resolve @pulumi/pulumi). */
function probe(name: string, options: Record<string, unknown> | undefined): string {
  const dir = path.join(ws.project, ".probes", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "Pulumi.yaml"), stringify({ name, runtime: options ? { name: "nodejs", options } : "nodejs", main: "index.js" }));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true }));
  writeFileSync(
    path.join(dir, "index.js"),
    [
      'require("@pulumi/pulumi");',
      'module.exports = { tsNode: require.extensions[".ts"] !== undefined, typescriptEnv: process.env.PULUMI_NODEJS_TYPESCRIPT ?? "unset", execArgv: process.execArgv.join(" ") };',
      "",
    ].join("\n"),
  );
  return dir;
}

async function outputsOf(dir: string): Promise<Record<string, unknown>> {
  for (const args of [["stack", "init", "probe"], ["up", "--yes", "--skip-preview"]]) {
    const r = await ws.pulumi(["-C", dir, ...args]);
    expect(r.code, `pulumi ${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(0);
  }
  const r = await ws.pulumi(["-C", dir, "stack", "output", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("a project's runtime options reach its program (toolchain language host)", () => {
  it("typescript: false runs the program without ts-node, and nodeargs are passed to node; the default still registers ts-node", async () => {
    const [off, byDefault] = await Promise.all([
      outputsOf(probe("tsoff", { typescript: false, nodeargs: "--max-old-space-size=1536" })),
      outputsOf(probe("tsdefault", undefined)),
    ]);
    expect(off).toEqual({ tsNode: false, typescriptEnv: "unset", execArgv: "--max-old-space-size=1536" });
    expect(byDefault).toMatchObject({ tsNode: true, typescriptEnv: "true" });
  });
});
