import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { GATE_PATHS, resolveBase } from "./baseJudge";

describe("the base's gate", () => {
  it("CODEOWNERS covers every path the base judge takes from the base, the live stack and the workflows", () => {
    const owned = readFileSync(path.join(REPO_ROOT, ".github", "CODEOWNERS"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .map((l) => l.split(/\s+/)[0]!.replace(/^\//, "").replace(/\/$/, ""));
    for (const p of [...GATE_PATHS, "Pulumi.live.yaml", ".github"]) expect(owned).toContain(p);
  });

  it("refuses a ref that is an option or names no commit, as unusable input", () => {
    expect(() => resolveBase("--output=/tmp/x")).toThrow(UnusableInput);
    expect(() => resolveBase("no-such-ref-anywhere")).toThrow(/names no commit/);
    expect(resolveBase("HEAD")).toMatch(/^[0-9a-f]{40}$/);
  });
});
