import { describe, expect, it } from "vitest";
import { containers, liveSettings, LIVE_SECRETS, mockRun, type RecordedResource } from "../test/mockRun";

describe("live program without evidence (Pulumi mocks)", () => {
  it("a preview declares no container that would trade for real", async () => {
    process.env.CDB_EVIDENCE_FILE = "/nonexistent/live.evidence.yaml";
    const run = await mockRun("live", liveSettings(), LIVE_SECRETS, [], { preview: true });
    delete process.env.CDB_EVIDENCE_FILE;
    const names = containers(run).map((c) => c.inputs.name);
    // 20 containers less the two traders: the witness is declared, it trades nothing.
    expect(names).toHaveLength(18);
    expect(names).toContain("cdb_witness");
    expect(names).not.toContain("cdb_execution");
    expect(names).not.toContain("cdb_risk");
    expect(names).toContain("cdb_allocation");
  });

  it("an update stops before registering any resource, naming the traders and the open items", async () => {
    process.env.CDB_EVIDENCE_FILE = "/nonexistent/live.evidence.yaml";
    const registered: RecordedResource[] = [];
    const run = mockRun("live", liveSettings(), LIVE_SECRETS, registered);
    await expect(run).rejects.toThrow(
      /^live is not updated: cdb_risk and cdb_execution would trade for real and the readiness gate could not be evaluated: \/nonexistent\/live\.evidence\.yaml: file not found\. Run: npx cdb readiness --stack live; to stop trading: npx cdb rollback --stack live$/,
    );
    delete process.env.CDB_EVIDENCE_FILE;
    expect(registered).toEqual([]);
  });
});
