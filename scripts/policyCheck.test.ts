import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";

// docs/pull-requests.md's pull-request check section shows the command the workflow runs: the same one.

const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), "utf8");

describe("the pull-request check's command", () => {
  it("is the same in .github/workflows/policy-check.yml and in docs/pull-requests.md's section", () => {
    const workflow = read(".github/workflows/policy-check.yml")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^npm run .*policy-check/.test(l));
    expect(workflow).toHaveLength(1);
    // The workflow keeps the report for the job summary: the redirection is not part of the command.
    const command = workflow[0]!.replace(/\s*>\s*policy-check\.md$/, "");
    const guide = read("docs/pull-requests.md");
    const start = guide.indexOf("\n## The pull-request check\n");
    expect(start).toBeGreaterThanOrEqual(0);
    const end = guide.indexOf("\n## ", start + 1);
    const section = guide.slice(start, end === -1 ? undefined : end);
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split("\n"));
    expect(blocks).toContain(command);
    expect(command).toMatch(/--base "\$BASE_SHA"/);
  });
});
