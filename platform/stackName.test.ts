import path from "node:path";
import { describe, expect, it } from "vitest";
import { UnusableInput } from "./errors";
import { defaultEvidenceFile, REPO_ROOT, stackConfigFile } from "./paths";
import { checkStackName } from "./stackName";

describe("stack names (Pulumi's rule)", () => {
  it("accepts Pulumi's names and refuses every name that could leave its folder (issue 25)", () => {
    for (const ok of ["live", "paper", "rehearsal", "cdb_test-1.a", "x".repeat(100), "..."]) expect(checkStackName(ok)).toBe(ok);
    for (const bad of ["../../etc/passwd", "a/b", "a\\b", "..", ".", "", "x".repeat(101), "live\n", "live ", "live\u202e"]) {
      expect(() => checkStackName(bad), JSON.stringify(bad)).toThrow(UnusableInput);
    }
  });

  it("guards every path made from a stack name, also below the CLI", () => {
    expect(() => stackConfigFile("../../etc/passwd")).toThrow(/^--stack: "\.\.\/\.\.\/etc\/passwd" is not a stack name/);
    expect(() => defaultEvidenceFile("../x")).toThrow(UnusableInput);
    expect(path.dirname(stackConfigFile("..."))).toBe(REPO_ROOT);
  });
});
