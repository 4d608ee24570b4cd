import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../ops/audit";
import { repoCopy, type RepoCopy, writeReadyLive } from "../test/repoCopy";

// Issue 25 item 12: `cdb deploy --confirm-live` and a kill that failed wrote no audit record.
// Every attempt of an update that trades real money is audited (refused, failed, updated), and
// a failed kill is too: through `npx cdb` in a copy of the repository, as the guides write it.

let repo: RepoCopy;
let audit: string;
beforeAll(() => {
  repo = repoCopy();
  audit = repo.file("..", "operations.jsonl");
  // A live stack at live flags whose gate is ready: the traders are in its plan.
  writeReadyLive(repo);
});
afterAll(() => repo?.dispose());

describe("audit of every real-money deploy and of a failed kill", () => {
  it("deploy of live: without --confirm-live refused and audited; with it, a Pulumi failure audited with its label", async () => {
    const env = { CDB_AUDIT_FILE: audit, PULUMI_CONFIG_PASSPHRASE: "deploy-audit-test" };
    const refused = await repo.cdb(["deploy", "--stack", "live", "--by", "janne"], env);
    expect(refused.code, refused.err).toBe(5);
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "deploy", stack: "live", by: "janne", outcome: "refused: no --confirm-live", confirmLive: false, traders: expect.arrayContaining(["cdb_execution"]) });
    // A state backend nobody answers: Pulumi fails opening the stack (exit 6), after the confirmation.
    const failed = await repo.cdb(["deploy", "--stack", "live", "--confirm-live", "--by", "janne"], { ...env, PULUMI_BACKEND_URL: "postgres://cdb:pw-deploy-audit-secret@127.0.0.1:1/cdb?sslmode=disable&connect_timeout=2" });
    expect(failed.code, failed.err).toBe(6);
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "deploy", stack: "live", by: "janne", outcome: "failed (pulumi failed)", confirmLive: true });
    // The backend's password is in no record (nor printed).
    expect(JSON.stringify(readAudit(audit)) + failed.out + failed.err).not.toContain("pw-deploy-audit-secret");
    // A preview is no attempt to trade: nothing audited.
    const n = readAudit(audit).length;
    await repo.cdb(["deploy", "--stack", "live", "--preview"], { ...env, PULUMI_BACKEND_URL: "postgres://cdb:pw-deploy-audit-secret@127.0.0.1:1/cdb?sslmode=disable&connect_timeout=2" });
    expect(readAudit(audit)).toHaveLength(n);
  }, 180_000);

  it("a kill that did not land is audited with why, and exits with its own code", async () => {
    const passwordFile = repo.file("..", "redis-password");
    writeFileSync(passwordFile, "x\n");
    const r = await repo.cdb(["kill", "--stack", "live", "--reason", "incident", "--by", "mara", "--redis-url", "redis://127.0.0.1:1", "--password-file", passwordFile], { CDB_AUDIT_FILE: audit });
    expect(r.code, r.err).toBe(7);
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "kill", stack: "live", by: "mara", outcome: "failed (unreachable)", reason: "incident", error: expect.stringContaining("127.0.0.1:1") });
  }, 60_000);
});
