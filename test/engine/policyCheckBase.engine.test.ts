import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../platform/paths";
import { engineWorkspace, run, type EngineWorkspace } from "./workspace";

// Issue 23's four one-line pull requests, each made in a clone against a
// committed base, and a harmless one: `npm run policy-check -- --no-tests
// --base main` is red for each of the four with a line naming what changed,
// green for the harmless one. The real CLI, engine and analyzer; STAND-IN
// providers. Each run previews paper twice (the PR's check, the base's judge)
// and runs the corpus (one live preview, one paper preview): minutes each.

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
    expect(r.stdout).toMatch(/^FAIL\s+preview paper with the policy pack: the program withheld cdbpaper_execution from paper's plan: it would trade for real/m);
    // The PR's judging code is as strict as the base's: no case of the corpus is named.
    expect(r.stdout).not.toMatch(/^FAIL\s+corpus /m);
    await reset();
  }, 1_500_000);
});
