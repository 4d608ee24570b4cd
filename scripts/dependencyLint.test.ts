import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { repoTmpDir } from "../test/repoTmp";

// The layer lint as `npm test` runs it (`npm run lint:layers`: dependency-cruiser
// with .dependency-cruiser.cjs), on a small tree of the project's folder names:
// an import against the arrows fails it, one along them passes.

const CONFIG = path.join(REPO_ROOT, ".dependency-cruiser.cjs");
// Through npx, as `npm run lint:layers` runs it: the project's Node (dependency-cruiser needs 22 or newer).
const depcruise = (cwd: string) =>
  spawnSync("npx", ["--no-install", "depcruise", "--config", CONFIG, "--output-type", "err", "."], { cwd, encoding: "utf8", shell: process.platform === "win32" });

function lint(files: Record<string, string>): { code: number | null; out: string } {
  const root = repoTmpDir("layers-");
  writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "commonjs", moduleResolution: "node" } }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  const r = depcruise(root);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("the layer lint", { timeout: 120_000 }, () => {
  it("passes the repository as it is", () => {
    const r = depcruise(REPO_ROOT);
    expect({ code: r.status, out: r.stdout + r.stderr }).toMatchObject({ code: 0 });
  });

  it("passes an import down the layers", () => {
    const r = lint({ "ops/high.ts": 'import { low } from "../config/low";\nexport const high = low;\n', "config/low.ts": "export const low = 1;\n" });
    expect(r).toMatchObject({ code: 0 });
  });

  it("fails an import up the layers, static or lazy, and names it", () => {
    const up = lint({ "config/low.ts": 'import { high } from "../ops/high";\nexport const low = high;\n', "ops/high.ts": "export const high = 1;\n" });
    expect(up.code).not.toBe(0);
    expect(up.out).toContain("config/low.ts → ops/high.ts");
    const lazy = lint({
      "model/plan.ts": 'export function f() {\n  return (require("../scripts/cdb") as typeof import("../scripts/cdb")).x;\n}\n',
      "scripts/cdb.ts": "export const x = 1;\n",
    });
    expect(lazy.code).not.toBe(0);
    expect(lazy.out).toContain("model/plan.ts → scripts/cdb.ts");
  });

  it("fails ops importing the CLI and a module of a folder no layer names", () => {
    const r = lint({ "ops/kill.ts": 'import { action } from "../scripts/commandRunner";\nexport const a = action;\n', "scripts/commandRunner.ts": "export const action = 1;\n" });
    expect(r.out).toContain("ops/kill.ts → scripts/commandRunner.ts");
    const stray = lint({ "helpers/x.ts": 'import { low } from "../config/low";\nexport const x = low;\n', "config/low.ts": "export const low = 1;\n" });
    expect(stray.code).not.toBe(0);
    expect(stray.out).toContain("helpers/x.ts → config/low.ts");
  });
});
