import { copyFileSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../platform/paths";
import { npxCdb } from "../test/npxCdb";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";

// Issue 25 (13): `cdb readiness` honours CDB_EVIDENCE_FILE, `cdb evidence
// add|approve` ignored it and wrote the stack's default file. Now every evidence
// command names the same file for the same stack and environment, and
// CDB_EVIDENCE_FILE is refused for live by all of them, as the gate refuses it.

const fx = makeFixture();
const dir = repoTmpDir("harden-evidence-env-");
const ID = "execution.live-executor-review"; // two-person: add, then approve
const artifact = path.join(REPO_ROOT, fx.evidence.items[ID]!.artifacts![0]!.path);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(fx.dir, { recursive: true, force: true });
});

describe("CDB_EVIDENCE_FILE for the evidence writers", () => {
  it("add and approve write the file CDB_EVIDENCE_FILE names (paper), and refuse it for live in the gate's words", async () => {
    const file = path.join(dir, "env.evidence.yaml");
    copyFileSync(fx.evidenceFile, file);
    const env = { CDB_EVIDENCE_FILE: file, CDB_ALLOWED_SIGNERS: fx.allowedSigners };
    const before = readFileSync(file, "utf8");

    // --stack live (the writers' default): refused, exit 2, one line naming the variable; the file untouched.
    const live = await npxCdb(["evidence", "add", ID, "--key", fx.keys.janne.file, "--artifact", artifact], { env });
    expect({ code: live.code, err: live.err }).toEqual({ code: 2, err: expect.stringMatching(/^cdb: unusable input: CDB_EVIDENCE_FILE: refused for live: a live gate reads only the repository's readiness\/allowed_signers, readiness\/checklist\.yaml and readiness\/live\.evidence\.yaml/) });
    expect(live.err.trimEnd().split("\n")).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toBe(before);

    const add = await npxCdb(["evidence", "add", ID, "--stack", "paper", "--key", fx.keys.janne.file, "--artifact", artifact], { env });
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain(`-> ${file}`);
    const added = (parse(readFileSync(file, "utf8")) as { items: Record<string, { at: string; approvedBy?: string }> }).items[ID]!;
    expect(added.at).not.toBe(fx.evidence.items[ID]!.at);
    expect(added.approvedBy).toBeUndefined();

    const approve = await npxCdb(["evidence", "approve", ID, "--stack", "paper", "--key", fx.keys.mara.file], { env });
    expect(approve.code, approve.err).toBe(0);
    expect((parse(readFileSync(file, "utf8")) as { items: Record<string, { approvedBy?: string }> }).items[ID]!.approvedBy).toBe("mara");
  }, 180_000);

  it("collect and logs check (they write live's evidence) refuse CDB_EVIDENCE_FILE before the witness works", async () => {
    const env = { CDB_EVIDENCE_FILE: path.join(dir, "x.yaml"), CDB_ALLOWED_SIGNERS: fx.allowedSigners, DOCKER_HOST: "unix:///tmp/harden-no-docker.sock" };
    for (const args of [
      ["evidence", "collect", "--stack", "paper", "--since", "1h", "--key", fx.keys.janne.file],
      ["logs", "check", "--stack", "paper", "--since", "1h", "--key", fx.keys.janne.file],
    ]) {
      const r = await npxCdb(args, { env });
      expect({ code: r.code, err: r.err }, args.join(" ")).toEqual({ code: 2, err: expect.stringMatching(/^cdb: unusable input: CDB_EVIDENCE_FILE: refused for live: [^\n]*\n$/) });
    }
  }, 120_000);
});

