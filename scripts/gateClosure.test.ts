import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { repoTmpDir } from "../test/repoTmp";
import { ownersOf, parseCodeowners, unowned } from "./codeowners";
import { GATE_DATA, gateClosure } from "./gateClosure";

const CODEOWNERS = () => readFileSync(path.join(REPO_ROOT, ".github", "CODEOWNERS"), "utf8");

describe("the gate's closure, computed by dependency-cruiser", () => {
  let closure: string[];
  beforeAll(() => {
    closure = gateClosure();
  }, 120_000);

  it("holds the check, the pack, the gate, the program's live gate, what starts previews, what they import, and their data", () => {
    for (const f of ["scripts/policyCheck.ts", "scripts/baseJudge.ts", "policies/index.ts", "readiness/gate.ts", "stacks/unreadyTraders.ts", "ops/pulumiStack.ts", ...GATE_DATA]) expect(closure).toContain(f);
    // Imported, never listed: the deploy rule's plan, the trading path, the toolchain lookup.
    for (const f of ["model/monitoredPlan.ts", "config/services.ts", "platform/toolchain.ts", "config/safety.ts"]) expect(closure).toContain(f);
    // How a check starts, how the judge directory is compiled and what the pack loads first: the base's, never the PR's.
    for (const f of ["scripts/bin/policyCheck.cjs", "scripts/bin/build.cjs", "scripts/bin/buildStamp.cjs", "scripts/bin/deferPulumiExtras.cjs"]) expect(closure).toContain(f);
    // What only the program uses is the pull request's: its declaration, components, tests.
    expect(closure.filter((f) => f.startsWith("components/") || f === "stacks/program.ts" || f === "stacks/cdbStack.ts" || f.endsWith(".test.ts"))).toEqual([]);
  });

  it("CODEOWNERS gives every file of it an owner", () => {
    expect(unowned(CODEOWNERS(), closure)).toEqual([]);
  });
});

describe("CODEOWNERS patterns (GitHub's subset of gitignore)", () => {
  const rules = parseCodeowners(["/readiness/ @gate", "*.md @docs", "docs/*.txt @txt", "/a/**/z.ts @deep", "/readiness/free.ts", "apps/ @apps"].join("\n"));
  it.each([
    ["readiness/gate.ts", ["@gate"]],
    ["readiness/sub/x.ts", ["@gate"]],
    ["x/readiness/gate.ts", []],
    ["README.md", ["@docs"]],
    ["deep/NOTES.md", ["@docs"]],
    ["docs/a.txt", ["@txt"]],
    ["docs/b/a.txt", []],
    ["a/z.ts", ["@deep"]],
    ["a/b/c/z.ts", ["@deep"]],
    // The last matching line wins, and a line without owners takes ownership away.
    ["readiness/free.ts", []],
    ["x/apps/y.ts", ["@apps"]],
    ["apps", []],
  ])("%s is owned by %j", (file, owners) => {
    expect(ownersOf(rules, file)).toEqual(owners);
  });
});

describe("a new import from the gate to a file outside the owned paths", () => {
  let copy: string;
  const owners = () => spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/gateClosure.ts", "--owners"], { cwd: copy, encoding: "utf8" });
  beforeAll(() => {
    copy = repoTmpDir("closure-");
    const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    for (const f of files) {
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      try {
        cpSync(path.join(REPO_ROOT, f), path.join(copy, f));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(copy, "node_modules"), "junction");
  }, 120_000);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it("fails the check until CODEOWNERS names the file", () => {
    expect(owners().status).toBe(0);
    // ops/ is not owned as a folder: a helper the preview code starts to use is a new gate file.
    writeFileSync(path.join(copy, "ops", "packList.ts"), 'export const PACKS: string[] = [];\n');
    const stack = path.join(copy, "ops", "pulumiStack.ts");
    writeFileSync(stack, `import { PACKS } from "./packList";\nexport const packs = PACKS;\n` + readFileSync(stack, "utf8"));
    const red = owners();
    expect(red.status).toBe(1);
    expect(red.stderr).toMatch(/^\.github\/CODEOWNERS: no owner for 1 file\(s\) of the gate's closure: ops\/packList\.ts$/m);
    appendFileSync(path.join(copy, ".github", "CODEOWNERS"), "/ops/packList.ts  @cdb-deploy/gate-owners\n");
    expect(owners().status).toBe(0);
  }, 120_000);
});
