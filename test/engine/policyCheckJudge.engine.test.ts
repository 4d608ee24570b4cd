import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../platform/paths";
import { prWorkspace } from "./policyCheckPr";
import { run } from "./workspace";

// Issue 23's pull requests against the judging machinery: the pack list of
// the previews emptied, paper's executor trading for real, and a PR that
// rewrites the check itself to print green and exit 0 (no base step left),
// judged as the workflow judges it: the base's check, from a checkout of the
// base. Each is red, with a line naming what changed.

const pr = prWorkspace("engine-policy-check-judge");

describe("policy-check on issue 23's pull requests (the judging machinery's)", () => {
  it("3. ops/pulumiStack.ts with the policy pack list emptied is red: the gate changed, the corpus's violation passes the PR's preview", async () => {
    pr.edit("ops/pulumiStack.ts", "policyPacks: [POLICY_PACK],", "policyPacks: [] as string[],");
    const r = await pr.check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*ops\/pulumiStack\.ts/m);
    expect(r.stdout).toMatch(/^FAIL\s+corpus pack-attached.*the PR's preview accepts it/m);
    await pr.reset();
  }, 1_500_000);

  it("4. model/services/execution.ts with paper's executor trading for real is red: paper's preview withholds the trader", async () => {
    pr.edit("model/services/execution.ts", "const flags = tradingFlags(cfg.mode);", 'const flags = tradingFlags("live");');
    const r = await pr.check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*model\/services\/execution\.ts/m);
    // The base's judged check previews paper with the base's model: the PR's own check is the one that sees it.
    expect(r.stdout).toMatch(/^FAIL\s+the PR's own check .*: red \(exit 1\): (.* \| )?preview paper with the policy pack: the program withheld cdbpaper_execution from paper's plan: it would trade for real/m);
    // The PR's judging code is as strict as the base's: no case of the corpus is named.
    expect(r.stdout).not.toMatch(/^FAIL\s+corpus /m);
    await pr.reset();
  }, 1_500_000);

  it("5. a PR that rewrites scripts/policyCheck.ts and its launcher to print green and exit 0 (no base step left) and removes the unready-trader call stays red, judged as the workflow judges", async () => {
    pr.edit("stacks/program.ts", "withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet))", "planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)");
    // Whatever it is asked (--base, --judge, nothing): a green summary that imitates the judge's, exit 0. Both the
    // check and the launcher that `npm run policy-check` and a judge start (scripts/bin/policyCheck.cjs).
    for (const file of [path.join("scripts", "policyCheck.ts"), path.join("scripts", "bin", "policyCheck.cjs")]) {
      writeFileSync(
        path.join(pr.ws().project, file),
        'process.stdout.write("\\n## Policy check\\n\\n```\\nok       judged by the gate of the base: green\\nok       corpus live-traders: refused\\n```\\n");\nprocess.exit(0);\n',
      );
    }
    // The workflow's judge job: the PR in $GITHUB_WORKSPACE/pr, the base checked out in $GITHUB_WORKSPACE/base with its own
    // packages, and the workflow's own command line run there (its report redirection aside).
    const workspace = path.join(path.dirname(pr.ws().project), "github-workspace");
    const base = path.join(workspace, "base");
    mkdirSync(base, { recursive: true });
    symlinkSync(pr.ws().project, path.join(workspace, "pr"), "junction");
    const archive = spawnSync("git", ["archive", "--format=tar", "main"], { cwd: pr.ws().project, maxBuffer: 512 * 1024 * 1024 });
    expect(archive.status, archive.stderr?.toString()).toBe(0);
    expect(spawnSync("tar", ["-x", "-f", "-", "-C", base], { input: archive.stdout }).status).toBe(0);
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(base, "node_modules"), "junction");
    const line = readFileSync(path.join(REPO_ROOT, ".github", "workflows", "policy-check.yml"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /^npm run .*policy-check/.test(l))!;
    const command = line.replace(/\s*>\s*"\$RUNNER_TEMP\/policy-check\.md"$/, "");
    expect(command).toContain('--judge "$GITHUB_WORKSPACE/pr"');
    const r = await run("sh", ["-c", command], { cwd: base, env: { ...pr.ws().env, GITHUB_WORKSPACE: workspace }, timeoutMs: 1_500_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // The verdict is the base's: the last summary, every line of it the judge's.
    const summary = r.stdout.slice(r.stdout.lastIndexOf("\n## Policy check\n"));
    expect(summary).toMatch(/^FAIL\s+judged by the gate of the base: red \(exit 1\): (.* \| )?corpus live-traders.*the PR's program declares cdb_risk, cdb_execution \(trading for real\)/m);
    expect(summary).toMatch(/^REPORTED the gate itself changed against the base: needs review .*scripts\/policyCheck\.ts/m);
    expect(summary).toMatch(/^REPORTED the gate itself changed against the base: needs review .*scripts\/bin\/policyCheck\.cjs/m);
    // The PR's own check ran and was green: it counts for nothing. Its imitation is only ever quoted.
    expect(summary).toMatch(/^ok\s+the PR's own check .*: green$/m);
    expect(r.stdout).toMatch(/^> ok {7}judged by the gate of the base: green$/m);
    expect(r.stdout).not.toMatch(/^ok\s+judged by the gate/m);
    await pr.reset();
  }, 1_500_000);
});
