import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoTmpDir } from "../test/repoTmp";
import { REPO_ROOT } from "../platform/paths";
import { EMERGENCY_RUNBOOK, renderEmergencyRunbook } from "./emergencyRunbook";
import { factsFromResources } from "./facts";
import { MACHINE_CHECKS } from "./machineChecks";
import { makeFixture } from "../test/readinessFixture";
import { loadStackConfigFile, viewOf } from "./stackView";

// docs/runbooks/emergency.md is generated, and the gate proves the repository
// holds exactly the current rendering for the gated stack.

const file = path.join(REPO_ROOT, EMERGENCY_RUNBOOK);
const ITEMS = ["killswitch.emergency-runbook", "compliance.rollback-plan"] as const;

function liveFacts() {
  const fx = makeFixture();
  const view = viewOf(loadStackConfigFile("live", fx.liveConfig));
  return factsFromResources("live", view.resources);
}

/** A repository root holding `text` as the emergency runbook (or none). */
function repoWith(text: string | undefined): string {
  const root = repoTmpDir("emergency-");
  if (text !== undefined) {
    mkdirSync(path.join(root, path.dirname(EMERGENCY_RUNBOOK)), { recursive: true });
    writeFileSync(path.join(root, EMERGENCY_RUNBOOK), text);
  }
  return root;
}

describe("docs/runbooks/emergency.md", () => {
  it("is the rendering of the current procedure (run `npm run docs` after changing it)", () => {
    expect(readFileSync(file, "utf8")).toBe(renderEmergencyRunbook("live"));
  });

  it("proves both items for the live stack from the repository's file", () => {
    const target = liveFacts();
    for (const id of ITEMS) expect(MACHINE_CHECKS[id]!({ target, paper: target, repoRoot: REPO_ROOT }), id).toEqual([]);
  });

  it.each([
    ["missing", undefined, /is missing/],
    ["edited by hand", renderEmergencyRunbook("live").replace("docker stop cdb_ws", "docker stop"), /is not the rendering of the current emergency procedure for live/],
    ["rendered for another stack", renderEmergencyRunbook("paper"), /is not the rendering/],
  ])("fails both items when the file is %s", (_what, text, reason) => {
    const target = liveFacts();
    const root = repoWith(text);
    try {
      for (const id of ITEMS) expect(MACHINE_CHECKS[id]!({ target, paper: target, repoRoot: root }).join("; "), id).toMatch(reason);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // Issue 25: a FIFO or a link to /dev/zero in its place hung the gate (read outside the bounded reader).
  // The check runs in a child with its own deadline: a read that blocks would block this test's own event loop.
  it.each([
    ["a FIFO", (f: string) => spawnSync("mkfifo", [f]), /docs\/runbooks\/emergency\.md: is a FIFO \(named pipe\), not a regular file/],
    ["a symlink to /dev/zero", (f: string) => symlinkSync("/dev/zero", f), /docs\/runbooks\/emergency\.md: is a device, not a regular file/],
  ])("fails both items at once, without hanging, when the file is %s", (_what, make, reason) => {
    const root = repoWith(undefined);
    try {
      mkdirSync(path.join(root, path.dirname(EMERGENCY_RUNBOOK)), { recursive: true });
      make(path.join(root, EMERGENCY_RUNBOOK));
      const script = path.join(root, "check.ts");
      writeFileSync(
        script,
        `import { emergencyRunbookProblems } from ${JSON.stringify(path.join(REPO_ROOT, "readiness", "emergencyRunbook"))};\n` +
          `process.stdout.write(JSON.stringify(emergencyRunbookProblems(${JSON.stringify(root)}, { stack: "live", containers: new Map() } as never)));\n`,
      );
      const r = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: REPO_ROOT, encoding: "utf8", timeout: 20_000 });
      expect(r.error, "the check did not end within 20 s").toBeUndefined();
      expect(r.status, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as string[]).join("; ")).toMatch(reason);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);

  it("fails when the stack's trading container is not the one the runbook stops", () => {
    const target = liveFacts();
    target.containers.get("execution")!.name = "cdb_execution_v2";
    expect(MACHINE_CHECKS["killswitch.emergency-runbook"]!({ target, paper: target, repoRoot: REPO_ROOT })).toEqual([`${EMERGENCY_RUNBOOK} does not stop cdb_execution_v2`]);
  });

  it("fails without a repository to read", () => {
    const target = liveFacts();
    for (const id of ITEMS) expect(MACHINE_CHECKS[id]!({ target, paper: target })).toEqual(["no repository to read the runbook from"]);
  });

  it("is copied into a repository like any file (the engine workspace copies docs/)", () => {
    const root = repoTmpDir("emergency-copy-");
    cpSync(path.join(REPO_ROOT, "docs"), path.join(root, "docs"), { recursive: true });
    const target = liveFacts();
    expect(MACHINE_CHECKS["compliance.rollback-plan"]!({ target, paper: target, repoRoot: root })).toEqual([]);
    rmSync(root, { recursive: true, force: true });
  });
});
