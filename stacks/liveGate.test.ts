import { describe, expect, it, vi } from "vitest";
import { containers, liveSettings, LIVE_SECRETS, mockRun, type RecordedResource } from "../test/mockRun";
import { makeFixture } from "../test/readinessFixture";

// A live gate reads the repository's readiness/live.evidence.yaml only (readiness/trustRoot.ts): here that
// location holds none, unless a test puts the fixture's there.
const repoEvidence = vi.hoisted(() => ({ file: "/nonexistent/live.evidence.yaml" }));
vi.mock("../platform/paths", async (orig) => ({ ...(await orig<object>()), defaultEvidenceFile: () => repoEvidence.file }));

describe("live program without evidence (Pulumi mocks)", () => {
  it("a preview declares no container that would trade for real", async () => {
    const run = await mockRun("live", liveSettings(), LIVE_SECRETS, [], { preview: true });
    const names = containers(run).map((c) => c.inputs.name);
    // 20 containers less the two traders: the witness is declared, it trades nothing.
    expect(names).toHaveLength(18);
    expect(names).toContain("cdb_witness");
    expect(names).not.toContain("cdb_execution");
    expect(names).not.toContain("cdb_risk");
    expect(names).toContain("cdb_allocation");
    // The first run loads the program cold (Pulumi's runtime, zod, the plan): seconds on a loaded machine.
  }, 30_000);

  it("an update stops before registering any resource, naming the traders and the open items", async () => {
    const registered: RecordedResource[] = [];
    const run = mockRun("live", liveSettings(), LIVE_SECRETS, registered);
    await expect(run).rejects.toThrow(
      /^live is not updated: cdb_risk and cdb_execution would trade for real and the readiness gate is not ready: \d+ checklist item\(s\) unsatisfied \(.*killswitch\.manual-drill.*\)\. Run: npx cdb readiness --stack live; to stop trading: npx cdb rollback --stack live$/,
    );
    expect(registered).toEqual([]);
  });

  it("an update stops when CDB_ALLOWED_SIGNERS names a list of the signers' own keys that would make it ready, naming the variable", async () => {
    // Complete evidence, signed by keys the repository's readiness/allowed_signers does not list; the fixture's own list does.
    const fx = makeFixture();
    repoEvidence.file = fx.evidenceFile;
    process.env.CDB_ALLOWED_SIGNERS = fx.allowedSigners;
    const registered: RecordedResource[] = [];
    try {
      await expect(mockRun("live", liveSettings(), LIVE_SECRETS, registered)).rejects.toThrow(
        /^live is not updated: cdb_risk and cdb_execution would trade for real and the readiness gate could not be evaluated: CDB_ALLOWED_SIGNERS: refused for live: a live gate reads only the repository's readiness\/allowed_signers, /,
      );
      expect(registered).toEqual([]);
    } finally {
      delete process.env.CDB_ALLOWED_SIGNERS;
      repoEvidence.file = "/nonexistent/live.evidence.yaml";
    }
  });
});
