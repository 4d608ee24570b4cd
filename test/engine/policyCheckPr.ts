import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { engineWorkspace, run, type EngineWorkspace } from "./workspace";

// Issue 23's pull requests, each made in a clone against a committed base:
// the workspace, the git steps and `npm run policy-check -- --no-tests --base
// main`, shared by the two files that judge them (policyCheckBase,
// policyCheckJudge). Two files, not one: each check previews paper twice (the
// base's judged check, the PR's own check) and runs the corpus (one live
// preview, one paper preview), minutes per PR, and the engine files run three
// at a time. The real CLI, engine and analyzer; STAND-IN providers.

export interface PrWorkspace {
  ws(): EngineWorkspace;
  /** `policy-check --no-tests --base main` in the workspace. */
  check(): ReturnType<typeof run>;
  git(...args: string[]): Promise<string>;
  /** One line of `file` replaced; the replacement must change something. */
  edit(file: string, from: string, to: string): void;
  /** Back to the base between the pull requests. */
  reset(): Promise<void>;
}

/** A workspace whose project is a git repository with the base committed on `main` (for the calling file's hooks). */
export function prWorkspace(passphrase: string): PrWorkspace {
  let ws: EngineWorkspace | undefined;
  const get = () => ws!;
  const git = async (...args: string[]) => {
    const r = await run("git", ["-c", "user.name=engine", "-c", "user.email=engine@example.invalid", ...args], { cwd: get().project, env: get().env });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  beforeAll(async () => {
    ws = await engineWorkspace(passphrase);
    await git("init", "-q", "-b", "main");
    await git("add", "-A");
    await git("commit", "-q", "-m", "base");
  }, 300_000);
  afterAll(() => ws?.dispose());
  return {
    ws: get,
    // As the README and the workflow start it: npm's script, the launcher (scripts/bin/policyCheck.cjs).
    check: () => run("npm", ["run", "--silent", "policy-check", "--", "--no-tests", "--base", "main"], { cwd: get().project, env: get().env, timeoutMs: 1_500_000 }),
    git,
    edit: (file, from, to) => {
      const f = path.join(get().project, file);
      const before = readFileSync(f, "utf8");
      const after = before.replace(from, to);
      expect(after, `${file}: ${from}`).not.toBe(before);
      writeFileSync(f, after);
    },
    reset: async () => {
      await git("checkout", "-q", "-f", "main");
      await git("clean", "-q", "-f", "-d");
    },
  };
}
