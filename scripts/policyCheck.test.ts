import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it, onTestFinished } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { EXIT } from "../platform/exitCodes";
import { repoTmpDir } from "../test/repoTmp";

// docs/pull-requests.md's pull-request check section shows the command the workflow runs: the same one.
// The workflow runs it as the judge: from the base's checkout, with the base's packages, in a job
// where no code of the pull request runs before it.

const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), "utf8");

interface WorkflowStep {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}
const judgeJob = () => (parse(read(".github/workflows/policy-check.yml")) as { jobs: Record<string, { steps: WorkflowStep[] }> }).jobs["policy-check"]!;

describe("the pull-request check's command", () => {
  it("is the same in .github/workflows/policy-check.yml and in docs/pull-requests.md's section", () => {
    const workflow = read(".github/workflows/policy-check.yml")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^npm run .*policy-check/.test(l));
    expect(workflow).toHaveLength(1);
    // The workflow keeps the report for the job summary: the redirection is not part of the command.
    const command = workflow[0]!.replace(/\s*>\s*"\$RUNNER_TEMP\/policy-check\.md"$/, "");
    const guide = read("docs/pull-requests.md");
    const start = guide.indexOf("\n## The pull-request check\n");
    expect(start).toBeGreaterThanOrEqual(0);
    const end = guide.indexOf("\n## ", start + 1);
    const section = guide.slice(start, end === -1 ? undefined : end);
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.trim().split("\n"));
    expect(blocks).toContain(command);
    expect(command).toMatch(/--judge "\$GITHUB_WORKSPACE\/pr"$/);
  });

  it("runs from the base's checkout (BASE_SHA) with the base's packages; the PR's code never runs in the judge's job", () => {
    const steps = judgeJob().steps;
    const checkouts = steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.map((s) => s.with)).toEqual([
      { path: "pr", "persist-credentials": false },
      { ref: "${{ github.event.pull_request.base.sha || github.event.before }}", path: "base", "persist-credentials": false },
    ]);
    const check = steps.find((s) => /policy-check -- /.test(s.run ?? ""))!;
    expect(check["working-directory"]).toBe("base");
    // Before and after the check, a command of the job runs in the base's checkout, or installs the PR's packages without running its scripts.
    for (const s of steps.filter((x) => x.run !== undefined)) {
      if (s["working-directory"] === "base") continue;
      expect(s, "a step that runs outside the base's checkout").toMatchObject({ "working-directory": "pr", run: "npm ci --ignore-scripts" });
    }
    expect(steps.some((s) => s["working-directory"] === "base" && s.run === "npm ci")).toBe(true);
  });
});

describe("policy-check's arguments", () => {
  // What `npm run policy-check` runs: the launcher (scripts/bin/policyCheck.cjs), the compiled check.
  const check = (...args: string[]) => spawnSync(process.execPath, [path.join("scripts", "bin", "policyCheck.cjs"), "--no-tests", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  const oneLine = (r: ReturnType<typeof check>, pattern: RegExp) => {
    expect(r.status, r.stderr).toBe(EXIT.unusableInput);
    expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(pattern);
    expect(r.stdout).toBe("");
  };

  it("--judge of a directory that does not exist: exit 2, one line naming it", () => {
    oneLine(check("--judge", path.join(REPO_ROOT, ".tmp", "no-such-pr")), /^policy-check: unusable input: --judge: .*no-such-pr: no such directory$/);
  });

  it("--judge of a directory that is not a checkout of the project, or of a file: exit 2, one line", () => {
    const dir = repoTmpDir("judge-arg-");
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    oneLine(check("--judge", dir), /^policy-check: unusable input: --judge: .*judge-arg-\w+: no package\.json, not a checkout of this project$/);
    writeFileSync(path.join(dir, "file"), "");
    oneLine(check("--judge", path.join(dir, "file")), /^policy-check: unusable input: --judge: .*file: not a directory$/);
    // A folder inside a git working tree that merely holds a package.json is not the PR's tree.
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub", "package.json"), "{}");
    oneLine(check("--judge", path.join(dir, "sub")), /^policy-check: unusable input: --judge: .*sub: not the top of a git working tree$/);
  });

  it("--judge with --base (two judges) or --corpus: exit 2, one line", () => {
    oneLine(check("--judge", REPO_ROOT, "--base", "HEAD"), /^policy-check: unusable input: --judge: cannot be combined with --base or --corpus$/);
    oneLine(check("--judge", REPO_ROOT, "--corpus", REPO_ROOT), /^policy-check: unusable input: --judge: cannot be combined with --base or --corpus$/);
  });

  it("--base of a ref that names no commit: exit 2, one line, before any checkout", () => {
    oneLine(check("--base", "no-such-ref-anywhere"), /^policy-check: unusable input: --base: "no-such-ref-anywhere" names no commit in this repository$/);
  });
});
