import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { repoTmpDir } from "../test/repoTmp";
import { changedGateFiles, judgeDirectory, judgesWhole, resolveBase } from "./baseJudge";
import { ownersOf, parseCodeowners } from "./codeowners";

describe("the base's gate", () => {
  it("CODEOWNERS covers the live stack, the workflows and npm's settings besides the closure (scripts/gateClosure.test.ts)", () => {
    const rules = parseCodeowners(readFileSync(path.join(REPO_ROOT, ".github", "CODEOWNERS"), "utf8"));
    for (const p of ["Pulumi.live.yaml", "Pulumi.rehearsal.yaml", ".github/workflows/policy-check.yml", ".github/CODEOWNERS", "package.json", "package-lock.json", ".npmrc"]) expect(ownersOf(rules, p), p).not.toEqual([]);
  });

  it("refuses a ref that is an option or names no commit, as unusable input", () => {
    expect(() => resolveBase("--output=/tmp/x")).toThrow(UnusableInput);
    expect(() => resolveBase("no-such-ref-anywhere")).toThrow(/names no commit/);
    expect(resolveBase("HEAD")).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe("what the judge compares and hands over to", () => {
  /** Two trees (base, pr), each file given as its text, or undefined for absent. */
  function trees(files: Record<string, [string | undefined, string | undefined]>): { base: string; pr: string } {
    const root = repoTmpDir("judge-trees-");
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const base = path.join(root, "base");
    const pr = path.join(root, "pr");
    for (const [f, texts] of Object.entries(files))
      [base, pr].forEach((dir, i) => {
        if (texts[i] === undefined) return;
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), texts[i]!);
      });
    mkdirSync(base, { recursive: true });
    mkdirSync(pr, { recursive: true });
    return { base, pr };
  }

  it("a gate file changed, added by the PR's closure or deleted, and the workflow and CODEOWNERS, are changes; CRLF, evidence and files outside are not", () => {
    const { base, pr } = trees({
      "readiness/gate.ts": ["a\n", "b\n"],
      "readiness/new.ts": [undefined, "x\n"],
      "policies/gone.ts": ["x\n", undefined],
      "config/safety.ts": ["a\nb\n", "a\r\nb\r\n"],
      "readiness/live.evidence.yaml": ["a\n", "b\n"],
      "stacks/program.ts": ["a\n", "b\n"],
      ".github/workflows/policy-check.yml": ["a\n", "b\n"],
      ".github/CODEOWNERS": ["a\n", "a\n"],
    });
    const baseClosure = ["readiness/gate.ts", "policies/gone.ts", "config/safety.ts", "readiness/live.evidence.yaml"];
    const prClosure = ["readiness/gate.ts", "readiness/new.ts", "config/safety.ts"];
    expect(changedGateFiles(base, pr, baseClosure, prClosure)).toEqual([".github/workflows/policy-check.yml", "policies/gone.ts", "readiness/gate.ts", "readiness/new.ts"]);
    expect(changedGateFiles(base, base, baseClosure, prClosure)).toEqual([]);
  });

  it("hands over only to a check that has the --judge mode; an older base is judged the older way", () => {
    const { base, pr } = trees({
      "scripts/policyCheck.ts": ['.option("--base <ref>", "…")\n', '.option("--judge <dir>", "…")\n'],
    });
    expect(judgesWhole(base)).toBe(false);
    expect(judgesWhole(pr)).toBe(true);
    expect(judgesWhole(path.join(base, "nowhere"))).toBe(false);
    // This tree's own check has it: a PR based on this commit is judged whole.
    expect(judgesWhole(REPO_ROOT)).toBe(true);
  });

  it("a judge directory takes the PR's program, never what the PR commits of the generated folders (dist/, .cache/, node_modules/)", () => {
    const forged = "// zod@0, bundled by scripts/bin/build.cjs\nmodule.exports = { z: 'the PR\\'s' };\n";
    const { base, pr } = trees({
      "policies/index.ts": ["base's pack\n", "PR's pack\n"],
      "stacks/program.ts": ["base's program\n", "PR's program\n"],
      // What a PR could force-add (git add -f): a vendored package with the build's banner, a stamp, a code cache entry.
      "dist/vendor/zod.js": [undefined, forged],
      "dist/.sources": [undefined, "policies/index.ts\t0\t0\n"],
      // The same folder on a case-insensitive file system (Windows, macOS).
      "Dist/policies/index.js": [undefined, "module.exports = {};\n"],
      ".cache/node-compile-cache/v24/entry": [undefined, "bytes"],
      "node_modules/zod/index.js": [undefined, "module.exports = {};\n"],
    });
    expect(spawnSync("git", ["init", "-q"], { cwd: pr }).status).toBe(0);
    expect(spawnSync("git", ["add", "-A", "-f"], { cwd: pr }).status).toBe(0);
    const dir = judgeDirectory(base, ["policies/index.ts"], pr);
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    expect(readFileSync(path.join(dir, "policies", "index.ts"), "utf8")).toBe("base's pack\n");
    expect(readFileSync(path.join(dir, "stacks", "program.ts"), "utf8")).toBe("PR's program\n");
    for (const f of ["dist/vendor/zod.js", "dist/.sources", "Dist/policies/index.js", ".cache/node-compile-cache/v24/entry", "node_modules/zod/index.js"]) expect(existsSync(path.join(dir, f)), f).toBe(false);
  });
});
