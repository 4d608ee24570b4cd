import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { resolveBase } from "./baseJudge";
import { ownersOf, parseCodeowners } from "./codeowners";

describe("the base's gate", () => {
  it("CODEOWNERS covers the live stack and the workflows besides the closure (scripts/gateClosure.test.ts)", () => {
    const rules = parseCodeowners(readFileSync(path.join(REPO_ROOT, ".github", "CODEOWNERS"), "utf8"));
    for (const p of ["Pulumi.live.yaml", "Pulumi.rehearsal.yaml", ".github/workflows/policy-check.yml", ".github/CODEOWNERS", "package.json", "package-lock.json"]) expect(ownersOf(rules, p), p).not.toEqual([]);
  });

  it("refuses a ref that is an option or names no commit, as unusable input", () => {
    expect(() => resolveBase("--output=/tmp/x")).toThrow(UnusableInput);
    expect(() => resolveBase("no-such-ref-anywhere")).toThrow(/names no commit/);
    expect(resolveBase("HEAD")).toMatch(/^[0-9a-f]{40}$/);
  });
});
