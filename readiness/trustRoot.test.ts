import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoTmpDir } from "../test/repoTmp";
import { DEFAULT_ALLOWED_SIGNERS } from "./allowedSigners";
import { DEFAULT_CATALOG } from "./catalog";
import { defaultEvidenceFile } from "../platform/paths";
import { askedAt, envOverrides, gatesLive, refuseLiveOverridesOfStackFile, trustFiles, unusedLiveOverrides, writerEvidenceFile } from "./trustRoot";

// The rule alone; its attack tests run through `npx cdb` (scripts/trustRoot.test.ts),
// the program (stacks/liveGate.test.ts), the pack (policies/readinessPolicies.test.ts) and the engine.

const dir = repoTmpDir("trust-root-");

describe("the root of trust of a gate", () => {
  it("a live stack reads the repository's three files; any variable or flag is refused, naming each", () => {
    expect(trustFiles("live", true, {})).toMatchObject({ allowedSigners: DEFAULT_ALLOWED_SIGNERS, catalog: DEFAULT_CATALOG, evidenceNamed: false });
    const asked = askedAt({ evidence: { via: "--evidence", file: "x.yaml" } }, { CDB_ALLOWED_SIGNERS: "mine", CDB_EVIDENCE_FILE: "y.yaml" });
    expect(() => trustFiles("live", true, asked)).toThrow(/^CDB_ALLOWED_SIGNERS, --evidence: refused for live: a live gate reads only the repository's/);
    // A unit test's own files do not let an override through.
    expect(() => trustFiles("live", true, envOverrides({ CDB_ALLOWED_SIGNERS: "" }), { allowedSigners: "t" })).toThrow(/^CDB_ALLOWED_SIGNERS: refused/);
  });

  it("a stack that is not live takes them: flags before the environment", () => {
    const asked = askedAt({ evidence: { via: "--evidence", file: "x.yaml" } }, { CDB_ALLOWED_SIGNERS: "mine", CDB_EVIDENCE_FILE: "y.yaml" });
    expect(trustFiles("paper", false, asked)).toMatchObject({ allowedSigners: path.resolve("mine"), evidence: path.resolve("x.yaml"), evidenceNamed: true });
    expect(unusedLiveOverrides("paper", false, asked)).toBeUndefined();
    expect(unusedLiveOverrides("live", true, asked)).toMatch(/^CDB_ALLOWED_SIGNERS, --evidence: not read for live: .*nothing in it trades, so no gate ran$/);
  });

  it("live is the stack named live, or any stack whose mode is live", () => {
    const canary = path.join(dir, "Pulumi.canary.yaml");
    writeFileSync(canary, "config:\n  cdb:mode: live\n");
    const quiet = path.join(dir, "Pulumi.quiet.yaml");
    writeFileSync(quiet, "config:\n  cdb:mode: paper\n");
    expect([gatesLive("live", quiet), gatesLive("canary", canary), gatesLive("quiet", quiet), gatesLive("nofile", path.join(dir, "none.yaml"))]).toEqual([true, true, false, false]);
    expect(() => refuseLiveOverridesOfStackFile("live", askedAt({}, { CDB_EVIDENCE_FILE: "e" }))).toThrow(/^CDB_EVIDENCE_FILE: refused for live/);
    expect(() => refuseLiveOverridesOfStackFile("live", askedAt({}, {}))).not.toThrow();
  });

  it("the evidence writers name the file the gate reads: --evidence, then CDB_EVIDENCE_FILE (refused for live), then the default (issue 25)", () => {
    const quiet = path.join(dir, "Pulumi.quiet.yaml");
    writeFileSync(quiet, "config:\n  cdb:mode: paper\n");
    const env = { CDB_EVIDENCE_FILE: "y.yaml" };
    expect(writerEvidenceFile("quiet", undefined, env, quiet)).toBe(path.resolve("y.yaml"));
    expect(trustFiles("quiet", false, askedAt({}, env)).evidence).toBe(writerEvidenceFile("quiet", undefined, env, quiet));
    expect(writerEvidenceFile("quiet", "x.yaml", env, quiet)).toBe(path.resolve("x.yaml"));
    expect(writerEvidenceFile("quiet", undefined, {}, quiet)).toBe(defaultEvidenceFile("quiet"));
    expect(() => writerEvidenceFile("live", undefined, env)).toThrow(/^CDB_EVIDENCE_FILE: refused for live: a live gate reads only/);
    // Set but empty counts too, as for the gate.
    expect(() => writerEvidenceFile("live", undefined, { CDB_EVIDENCE_FILE: "" })).toThrow(/^CDB_EVIDENCE_FILE: refused for live/);
  });
});
