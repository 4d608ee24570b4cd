import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { repoTmpDir } from "../test/repoTmp";
import { runCorpus } from "./judgeCorpus";

// The corpus's cheap cases (no engine) against this tree and against a PR that
// loosens what they test. The engine cases (live-traders, pack-attached) are
// shown by test/engine/policyCheckBase.engine.test.ts (live-traders) and
// policyCheckJudge.engine.test.ts (pack-attached).

let pr: string | undefined;
afterEach(() => {
  if (pr) rmSync(pr, { recursive: true, force: true });
  pr = undefined;
});

/** A git working tree holding this one's files, with one file edited. */
function prTree(file: string, from: string, to: string): string {
  const dir = repoTmpDir("corpus-pr-");
  const files = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    try {
      cpSync(path.join(REPO_ROOT, f), path.join(dir, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "junction");
  const target = path.join(dir, file);
  const after = readFileSync(target, "utf8").replace(from, to);
  expect(after).not.toBe(readFileSync(target, "utf8"));
  writeFileSync(target, after);
  expect(spawnSync("git", ["init", "-q"], { cwd: dir }).status).toBe(0);
  return dir;
}

describe("the corpus's cheap cases", () => {
  it("this tree refuses both", () => {
    const r = runCorpus(REPO_ROOT, () => {}, ["runbook-stops-traders", "paper-executor-live-flags"]);
    expect(r.map((c) => [c.case, c.refused])).toEqual([
      ["runbook-stops-traders: the emergency runbook stops the whole trading path", true],
      ["paper-executor-live-flags: a paper executor with live flags", true],
    ]);
  }, 120_000);

  it("a PR whose trading path leaves out execution accepts a runbook that does not stop the executor: named", () => {
    pr = prTree("config/services.ts", '"allocation", "risk", "execution"] as const', '"allocation", "risk"] as const');
    const [r] = runCorpus(pr, () => {}, ["runbook-stops-traders"]);
    expect(r).toMatchObject({ refused: false, detail: "the PR's emergency runbook does not stop cdb_execution" });
  }, 120_000);

  it("a PR whose flags rule no longer counts MOCK_TRADING=false and CONFIRM_LIVE_TRADING as live accepts a paper executor with live flags", () => {
    pr = prTree("config/safety.ts", "export const tradesForReal = (env: Readonly<Record<string, string>>): boolean =>", "export const tradesForReal = (env: Readonly<Record<string, string>>): boolean => env === null;\nconst countedBefore = (env: Readonly<Record<string, string>>): boolean =>");
    const [r] = runCorpus(pr, () => {}, ["paper-executor-live-flags"]);
    expect(r).toMatchObject({ refused: false, detail: expect.stringMatching(/^the PR's deploy rule does not count cdbpaper_execution with .* live as a trader$/) });
  }, 120_000);

  it("a PR whose code cannot run the case is not counted as refusing it", () => {
    pr = prTree("readiness/emergencyRunbook.ts", "export function renderEmergencyRunbook(", "export function renderRunbook(");
    const [r] = runCorpus(pr, () => {}, ["runbook-stops-traders"]);
    expect(r).toMatchObject({ refused: false, detail: expect.stringMatching(/^could not be judged: the PR's code did not run/) });
  }, 120_000);
});
