import { describe, expect, it } from "vitest";
import { StackLocked } from "../platform/errors";
import { classify, EXIT } from "../platform/exitCodes";
import { asPulumiFailed, parseLockError, pulumiErrorLines, stackLockedError } from "./pulumiErrors";

// What `cdb deploy` prints when Pulumi fails: the error lines per resource
// from the Diagnostics section, not the closing summary ("Duration: 9s").

const FAILED_UP = `Updating (paper):
 +  docker:index/image:Image cdb_ws creating (0s) error: network bridge not found
 +  docker:index/image:Image cdb_ws **creating failed** error: network bridge not found
 +  docker:index/image:Image cdb_signal **creating failed** error: network bridge not found
Diagnostics:
  docker:index/image:Image (cdb_ws):
    error: network bridge not found

  docker:index/image:Image (cdb_signal):
    error: network bridge not found

  pulumi:pulumi:Stack (cdb-paper):
    error: update failed

Resources:
    + 3 created
    2 errored

Duration: 9s
`;

describe("pulumiErrorLines", () => {
  it("names every failed resource with its error, and drops the generic update failed and the summary", () => {
    expect(pulumiErrorLines(FAILED_UP)).toEqual(["docker:index/image:Image (cdb_ws): error: network bridge not found", "docker:index/image:Image (cdb_signal): error: network bridge not found"]);
  });

  it("keeps the generic line when nothing more specific was printed, and the last line when there is no error line", () => {
    expect(pulumiErrorLines("Diagnostics:\n  pulumi:pulumi:Stack (cdb-paper):\n    error: update failed\n\nDuration: 1s\n")).toEqual(["pulumi:pulumi:Stack (cdb-paper): error: update failed"]);
    expect(pulumiErrorLines("something odd\nDuration: 1s\n")).toEqual(["Duration: 1s"]);
  });

  // Issue 25 item 8: a refused preview ended with "error: preview failed"; the violations were above it.
  it("ends a refused preview with each mandatory violation and its message, in Pulumi's Policies format", () => {
    const refused = [
      "Previewing update (live):",
      "     Type                 Name      Plan",
      " +   pulumi:pulumi:Stack  cdb-live  create",
      "",
      "Diagnostics:",
      "  pulumi:pulumi:Stack (cdb-live):",
      "    error: preview failed",
      "",
      "Policies:",
      "    ❌ cdb-policies@v0.1.0 (local: policies)",
      "        - [mandatory]  live-readiness  (pulumi:pulumi:Stack: cdb-live)",
      "          live is not ready: 2 of 35 items open",
      "          killswitch.manual-drill: missing",
      "        - [mandatory]  live-images-pinned  (docker:index/container:Container: cdb_execution)",
      "          cdb:images.execution is not pinned by digest",
      "        - [advisory]  some-advice  (pulumi:pulumi:Stack: cdb-live)",
      "          not a refusal",
      "",
      "Resources:",
      "    + 1 to create",
    ].join("\n");
    expect(pulumiErrorLines(refused)).toEqual([
      "policy violation: live-readiness (pulumi:pulumi:Stack: cdb-live): live is not ready: 2 of 35 items open; killswitch.manual-drill: missing",
      "policy violation: live-images-pinned (docker:index/container:Container: cdb_execution): cdb:images.execution is not pinned by digest",
    ]);
    // A message of hundreds of lines is cut, and says so.
    const long = ["Policies:", "        - [mandatory]  live-readiness  (pulumi:pulumi:Stack: cdb-live)", ...Array.from({ length: 65 }, (_, i) => `          item ${i}: missing`)].join("\n");
    const [line] = pulumiErrorLines(long);
    expect(line).toMatch(/; item 59: missing; … 5 more lines$/);
  });
});

// Pulumi 3.259's lock error of the DIY backend on PostgreSQL, as printed (URL already masked by Pulumi).
const LOCKED = `error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  postgres://****:****@127.0.0.1:55432/postgres/.pulumi/locks/organization/cdb/paper/16dc5bc2-c608-4fcb-8e6a-7de32cf33fa5.json?sslmode=disable: created by janne@desk-7 (pid 29389) at 2026-12-06T09:27:31Z
`;

describe("the stack lock error", () => {
  it("names the stack and every holder: user, host, pid, since", () => {
    expect(parseLockError(LOCKED)).toEqual({ stack: "paper", holders: [{ user: "janne", host: "desk-7", pid: 29389, since: "2026-12-06T09:27:31Z" }] });
    expect(parseLockError(FAILED_UP)).toBeUndefined();
  });

  it("becomes StackLocked (exit 6, label stack locked) with one line: holder, since, and the command that clears a stale lock", () => {
    const e = asPulumiFailed(Object.assign(new Error("failed"), { commandResult: { stdout: "", stderr: LOCKED } }));
    expect(e).toBeInstanceOf(StackLocked);
    const c = classify(e);
    expect(c.code).toBe(EXIT.pulumiFailed);
    expect(c.label).toBe("stack locked");
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatch(/^stack paper on \S+ is locked by janne@desk-7 \(pid 29389\) since 2026-12-06T09:27:31Z; wait for its update to end; .*`pulumi cancel --stack paper --yes`.*\(cdb never clears a lock\)$/);
  });

  it("calls a lock stale only when its holder ran on this host and its process is gone", () => {
    const host = "this-host";
    const lock = (pid: number, h = host) => ({ stack: "live", holders: [{ user: "root", host: h, pid, since: "2026-12-06T09:27:31Z" }] });
    // This test's own process runs: not stale.
    expect(stackLockedError(lock(process.pid), "live", host).stale).toBe(false);
    expect(stackLockedError(lock(process.pid), "live", host).lines[0]).toContain("its update still runs on this host");
    // A pid above the kernel's maximum runs nowhere.
    expect(stackLockedError(lock(2 ** 30), "live", host).stale).toBe(true);
    expect(stackLockedError(lock(2 ** 30), "live", host).lines[0]).toContain("stale: that process no longer runs on this host");
    // Another machine's process cannot be checked from here: never called stale.
    expect(stackLockedError(lock(2 ** 30, "other-host"), "live", host).stale).toBe(false);
  });

  it("keeps the backend's password out of every Pulumi error line", () => {
    const prev = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = "postgres://cdb:Very-Secret-42@127.0.0.1:5432/state";
    try {
      const e = asPulumiFailed(Object.assign(new Error("failed"), { commandResult: { stdout: "", stderr: `error: unable to open state database "${process.env.PULUMI_BACKEND_URL}": pq: password authentication failed` } }));
      expect(classify(e).lines.join("\n")).not.toContain("Very-Secret-42");
      expect(classify(e).lines.join("\n")).toContain("unable to open state database");
    } finally {
      if (prev === undefined) delete process.env.PULUMI_BACKEND_URL;
      else process.env.PULUMI_BACKEND_URL = prev;
    }
  });
});

describe("asPulumiFailed: a passphrase that does not open the stack (issue 25 item 7)", () => {
  const refused = Object.assign(new Error("failed to run"), { commandResult: { stdout: "", stderr: "error: getting stack configuration: get stack secrets manager: incorrect passphrase\n" } });
  it("is one line naming the stack and its passphrase's source, exit 8", () => {
    const e = asPulumiFailed(refused, "paper");
    const c = classify(e);
    expect(c.code).toBe(EXIT.authFailed);
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]).toMatch(/^stack paper: incorrect passphrase /);
  });
  it("stays Pulumi's failure (exit 6) where no stack is named", () => {
    expect(classify(asPulumiFailed(refused)).code).toBe(EXIT.pulumiFailed);
  });
});
