import { describe, expect, it } from "vitest";
import { containers, liveSettings, LIVE_SECRETS, mockRun } from "../test/mockRun";

describe("live program without evidence (Pulumi mocks)", () => {
  it("declares no container that would trade for real", async () => {
    process.env.CDB_EVIDENCE_FILE = "/nonexistent/live.evidence.yaml";
    const run = await mockRun("live", liveSettings(), LIVE_SECRETS);
    delete process.env.CDB_EVIDENCE_FILE;
    const names = containers(run).map((c) => c.inputs.name);
    expect(names).toHaveLength(15);
    expect(names).not.toContain("cdb_execution");
    expect(names).not.toContain("cdb_risk");
    expect(names).toContain("cdb_allocation");
  });
});
