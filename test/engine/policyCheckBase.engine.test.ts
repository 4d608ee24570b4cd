import { appendFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prWorkspace } from "./policyCheckPr";

// Issue 23's pull requests against the program, and a harmless one: `npm run
// policy-check -- --no-tests --base main` is red for each with a line naming
// what changed, green for the harmless one. The PRs against the judging
// machinery are in policyCheckJudge.engine.test.ts.

const pr = prWorkspace("engine-policy-check-base");

describe("policy-check --base main on issue 23's pull requests (the program's)", () => {
  it("a harmless PR (a README line) stays green", async () => {
    appendFileSync(path.join(pr.ws().project, "README.md"), "\nA harmless line.\n");
    const r = await pr.check();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+judged by the gate of main: green/m);
    expect(r.stdout).toMatch(/^ok\s+CODEOWNERS covers the gate's closure/m);
    expect(r.stdout).not.toMatch(/the gate itself changed/);
    await pr.reset();
  }, 1_500_000);

  it("1. stacks/program.ts without the call that leaves unready traders out of a live plan is red: the corpus's live traders", async () => {
    pr.edit("stacks/program.ts", "withoutUnreadyTraders(loaded, planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet))", "planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)");
    const r = await pr.check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+corpus live-traders.*the PR's program declares cdb_risk, cdb_execution \(trading for real\) on a live stack whose gate is not ready/m);
    await pr.reset();
  }, 1_500_000);

  it("2. config/services.ts with execution dropped from the trading path is red: the gate changed, the runbook does not stop the executor", async () => {
    pr.edit("config/services.ts", '"allocation", "risk", "execution"] as const', '"allocation", "risk"] as const');
    const r = await pr.check();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^REPORTED the gate itself changed against main: needs review .*config\/services\.ts/m);
    expect(r.stdout).toMatch(/^FAIL\s+corpus runbook-stops-traders.*the PR's emergency runbook does not stop cdb_execution/m);
    await pr.reset();
  }, 1_500_000);
});
