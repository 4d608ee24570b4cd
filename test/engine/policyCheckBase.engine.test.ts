import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../platform/paths";
import { engineWorkspace, run, type EngineWorkspace } from "./workspace";

// Issue 23's four one-line pull requests, each made in a clone against a
// committed base, and a harmless one: `npm run policy-check -- --no-tests
// --base main` is red for each of the four with a line naming what changed,
// green for the harmless one. Then a PR that rewrites the check itself to
// print green and exit 0 (no base step left), judged as the workflow judges
// it: the base's check, from a checkout of the base. The real CLI, engine and
// analyzer; STAND-IN providers. Each run previews paper twice (the base's
// judged check, the PR's own check) and runs the corpus (one live preview,
// one paper preview): minutes each.

let ws: EngineWorkspace;
const TSX = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const check = () => run(process.execPath, [TSX, path.join("scripts", "policyCheck.ts"), "--no-tests", "--base", "main"], { cwd: ws.project, env: ws.env, timeoutMs: 1_500_000 });
const git = async (...args: string[]) => {
  const r = await run("git", ["-c", "user.name=engine", "-c", "user.email=engine@example.invalid", ...args], { cwd: ws.project, env: ws.env });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

/** One line of `file` replaced; the replacement must change something. */
function edit(file: string, from: string, to: string): void {
  const f = path.join(ws.project, file);
  const before = readFileSync(f, "utf8");
  const after = before.replace(from, to);
  expect(after, `${file}: ${from}`).not.toBe(before);
  writeFileSync(f, after);
}

beforeAll(async () => {
  ws = await engineWorkspace("engine-policy-check-base");
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", "base");
}, 300_000);
afterAll(() => ws?.dispose());

// Back to the base between the pull requests.
const reset = async () => {
  await git("checkout", "-q", "-f", "main");
  await git("clean", "-q", "-f", "-d");
};

describe("policy-check --base main on issue 23's pull requests", () => {
  it("a harmless PR (a README line) stays green", async () => {
    appendFileSync(path.join(ws.project, "README.md"), "\nA harmless line.\n");
    const r = await check();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+judged by the gate of main: green/m);
    expect(r.stdout).toMatch(/^ok\s+CODEOWNERS covers the gate's closure/m);
    expect(r.stdout).not.toMatch(/the gate itself changed/);
    await reset();
  }, 1_500_000);

  it("1. stacks/program.ts without the call that leaves unready traders out of a live plan is red: the corpus's live traders", async () => {
    edit("stacks/program.ts", "withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet))", "planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)");
    const r = await check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+corpus live-traders.*the PR's program declares cdb_risk, cdb_execution \(trading for real\) on a live stack whose gate is not ready/m);
    await reset();
  }, 1_500_000);

  it("2. config/services.ts with execution dropped from the trading path is red: the gate changed, the runbook does not stop the executor", async () => {
    edit("config/services.ts", '"allocation", "risk", "execution"] as const', '"allocation", "risk"] as const');
    const r = await check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*config\/services\.ts/m);
    expect(r.stdout).toMatch(/^FAIL\s+corpus runbook-stops-traders.*the PR's emergency runbook does not stop cdb_execution/m);
    await reset();
  }, 1_500_000);

  it("3. ops/pulumiStack.ts with the policy pack list emptied is red: the gate changed, the corpus's violation passes the PR's preview", async () => {
    edit("ops/pulumiStack.ts", "policyPacks: [POLICY_PACK],", "policyPacks: [] as string[],");
    const r = await check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*ops\/pulumiStack\.ts/m);
    expect(r.stdout).toMatch(/^FAIL\s+corpus pack-attached.*the PR's preview accepts it/m);
    await reset();
  }, 1_500_000);

  it("4. model/services/execution.ts with paper's executor trading for real is red: paper's preview withholds the trader", async () => {
    edit("model/services/execution.ts", "const flags = tradingFlags(cfg.mode);", 'const flags = tradingFlags("live");');
    const r = await check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*model\/services\/execution\.ts/m);
    // The base's judged check previews paper with the base's model: the PR's own check is the one that sees it.
    expect(r.stdout).toMatch(/^FAIL\s+the PR's own check .*: red \(exit 1\): (.* \| )?preview paper with the policy pack: the program withheld cdbpaper_execution from paper's plan: it would trade for real/m);
    // The PR's judging code is as strict as the base's: no case of the corpus is named.
    expect(r.stdout).not.toMatch(/^FAIL\s+corpus /m);
    await reset();
  }, 1_500_000);

  it("5. a PR that rewrites scripts/policyCheck.ts to print green and exit 0 (no base step left) and removes the unready-trader call stays red, judged as the workflow judges", async () => {
    edit("stacks/program.ts", "withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet))", "planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)");
    // Whatever it is asked (--base, --judge, nothing): a green summary that imitates the judge's, exit 0.
    writeFileSync(
      path.join(ws.project, "scripts", "policyCheck.ts"),
      'process.stdout.write("\\n## Policy check\\n\\n```\\nok       judged by the gate of the base: green\\nok       corpus live-traders: refused\\n```\\n");\nprocess.exit(0);\n',
    );
    // The workflow's judge job: the PR in $GITHUB_WORKSPACE/pr, the base checked out in $GITHUB_WORKSPACE/base with its own
    // packages, and the workflow's own command line run there (its report redirection aside).
    const workspace = path.join(path.dirname(ws.project), "github-workspace");
    const base = path.join(workspace, "base");
    mkdirSync(base, { recursive: true });
    symlinkSync(ws.project, path.join(workspace, "pr"), "junction");
    const archive = spawnSync("git", ["archive", "--format=tar", "main"], { cwd: ws.project, maxBuffer: 512 * 1024 * 1024 });
    expect(archive.status, archive.stderr?.toString()).toBe(0);
    expect(spawnSync("tar", ["-x", "-f", "-", "-C", base], { input: archive.stdout }).status).toBe(0);
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(base, "node_modules"), "junction");
    const line = readFileSync(path.join(REPO_ROOT, ".github", "workflows", "policy-check.yml"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .find((l) => /^npm run .*policy-check/.test(l))!;
    const command = line.replace(/\s*>\s*"\$RUNNER_TEMP\/policy-check\.md"$/, "");
    expect(command).toContain('--judge "$GITHUB_WORKSPACE/pr"');
    const r = await run("sh", ["-c", command], { cwd: base, env: { ...ws.env, GITHUB_WORKSPACE: workspace }, timeoutMs: 1_500_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // The verdict is the base's: the last summary, every line of it the judge's.
    const summary = r.stdout.slice(r.stdout.lastIndexOf("\n## Policy check\n"));
    expect(summary).toMatch(/^FAIL\s+judged by the gate of the base: red \(exit 1\): (.* \| )?corpus live-traders.*the PR's program declares cdb_risk, cdb_execution \(trading for real\)/m);
    expect(summary).toMatch(/^REPORTED the gate itself changed against the base: needs review .*scripts\/policyCheck\.ts/m);
    // The PR's own check ran and was green: it counts for nothing. Its imitation is only ever quoted.
    expect(summary).toMatch(/^ok\s+the PR's own check .*: green$/m);
    expect(r.stdout).toMatch(/^> ok {7}judged by the gate of the base: green$/m);
    expect(r.stdout).not.toMatch(/^ok\s+judged by the gate/m);
    await reset();
  }, 1_500_000);
});
