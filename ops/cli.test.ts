import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paperStackFile } from "../test/opsStack";
import { fixtureKeys, makeFixture, writeFixtureSigners } from "../test/readinessFixture";
import { repoCopy, writeReadyLive } from "../test/repoCopy";
import { liveImages } from "../test/mockRun";
import { DRILLED_SERVICES } from "../readiness/paperDrillKinds";
import { freePort, startRedis, type RedisServer } from "../test/redisServer";
import { startDoubles, waitHealthy, type Doubles } from "../test/stackDoubles";
import { readAudit } from "./audit";
import { dockerTarget } from "./docker";
import { SHUTDOWN_STREAM, shutdownEntries, shutdownEntryCount } from "./kill";
import { containerRedis } from "./redis";
import { stackPlan } from "./target";
import { repoTmpDir } from "../test/repoTmp";
import { npxCdb } from "../test/npxCdb";
import { makeKey } from "../test/sshKeys";
import { startWitness, stopWitness } from "../test/witnessAround";

// The CLI as an operator runs it: the npm bin shim in its own process.
const tmp = repoTmpDir("ops-cli-");
const AUDIT = path.join(tmp, "operations.jsonl");

// Throwaway keys of janne and mara, listed in an allowed_signers file the CLI reads through CDB_ALLOWED_SIGNERS.
const keys = fixtureKeys();
const SIGNERS = writeFixtureSigners(path.join(tmp, "allowed_signers"), keys);
const cdb = (args: string[], input = "") => npxCdb(args, { input, env: { CDB_AUDIT_FILE: AUDIT, CDB_ALLOWED_SIGNERS: SIGNERS } });

const t = dockerTarget();
const STACK = "clitest";
const config = paperStackFile(STACK);
const { plan } = stackPlan(STACK, config);
const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
const timings: string[] = [];

describe("cdb kill, verify and evidence on a paper stack of test doubles", () => {
  let doubles: Doubles;
  let server: RedisServer;
  beforeAll(async () => {
    [doubles, server] = await Promise.all([startDoubles(t, plan, { orderIntervalMs: 100 }), startRedis()]);
    await waitHealthy(t, plan.containers.map((c) => c.name));
  });
  afterAll(async () => {
    await Promise.all([doubles?.stop(), server?.stop()]);
    process.stdout.write(`error paths (wall time of the whole CLI process): ${timings.join("; ")}\n`);
  });
  const base = ["--stack", STACK, "--stack-config", config];

  it("verify: healthy, then kill sets the switch (audited), verify names it, release asks for the stack name", async () => {
    const ok = await cdb(["verify", ...base, "--json"]);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ ok: true, stack: STACK, problems: [], checked: plan.containers.length });

    const k = await cdb(["kill", ...base, "--reason", "drawdown $(id)", "--strategy", "paper", "--by", "janne"]);
    expect(k.code).toBe(0);
    expect(k.out).toMatch(/^kill switch set: \d+-\d+ on stream\.bot_shutdown .*cancel them by hand\.\n$/);
    const redis = containerRedis(t, name("redis"));
    const [entry] = await shutdownEntries(redis);
    expect(entry!.fields).toMatchObject({ reason: "drawdown $(id)", priority: "SAFETY", strategy_id: "paper" });
    expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill", stack: STACK, by: "janne", outcome: "written", entry: entry!.id });

    const bad = await cdb(["verify", ...base]);
    expect(bad.code).toBe(1);
    expect(bad.out).toBe(`${name("redis")}: ${SHUTDOWN_STREAM} holds 1 entry: execution rejects every order (release with cdb kill --release, then restart)\n`);

    const wrong = await cdb(["kill", ...base, "--release"], "live\n");
    expect(wrong.code).toBe(5);
    expect(wrong.err).toMatch(/cdb: refused: release not confirmed/);
    expect(await shutdownEntryCount(redis)).toBe(1);

    const rel = await cdb(["kill", ...base, "--release", "--by", "mara"], `${STACK}\n`);
    expect(rel.code).toBe(0);
    expect(rel.out).toMatch(/^released: removed 1 entry from stream\.bot_shutdown; restart .*execution/);
    expect(await shutdownEntryCount(redis)).toBe(0);
    expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill.release", stack: STACK, by: "mara", outcome: "released", removed: 1 });
  });

  it("kill --drill: the stack's witness drives the drill and signs the record; the audit names who asked", async () => {
    const w = await startWitness(t, plan, doubles);
    try {
      const out = path.join(tmp, "drills");
      const d = await cdb(["kill", ...base, "--drill", "--window", "10", "--key", keys.janne.file, "--out", out, "--json"]);
      expect(d.err).toBe("");
      expect(d.code).toBe(0);
      const record = JSON.parse(d.out) as { file: string; signatureFile: string; by: string; figures: { measured: string; latencyMs: number; cleanup: { restarted: string[] } } };
      // The witness signed it; the key's principal is who asked (audit).
      expect(record.by).toBe(`witness@${STACK}`);
      expect(record.signatureFile).toBe(`${record.file}.sig`);
      expect(record.figures.measured).toBe("first-rejected-order");
      expect(record.figures.cleanup.restarted).toEqual([name("execution"), name("risk"), name("allocation")]);
      expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill.drill", stack: STACK, by: "janne", signedBy: `witness@${STACK}`, record: record.file });
      timings.push(`drill latency ${record.figures.latencyMs} ms (CLI ${d.ms} ms incl. restarts)`);
      // evidence add takes it and cdb readiness counts it, once the witness's key is an allowed signer. A live gate
      // reads the repository's evidence and allowed_signers only (readiness/trustRoot.ts): the live case is a copy's own files.
      const key = await cdb(["witness", "key", ...base]);
      expect(key.code, key.err).toBe(0);
      const repo = repoCopy();
      try {
        // The drill counts for live only when live pins the images it exercised (DRILLED_SERVICES): here
        // the test double's, by image id, as on paper's host; the fixture's other records name those too.
        const drilled = (JSON.parse(readFileSync(record.file, "utf8")) as { subject: { name: string; digest: { sha256: string } }[] }).subject;
        const pins = Object.fromEntries(DRILLED_SERVICES["killswitch-drill"].map((s) => [s, `sha256:${drilled.find((d) => d.name === s)!.digest.sha256}`]));
        const live = writeReadyLive(repo, new Date(), { images: liveImages(pins) });
        writeFileSync(repo.file("readiness", "allowed_signers"), readFileSync(repo.file("readiness", "allowed_signers"), "utf8") + key.out);
        const e = { ...live.evidence, items: { ...live.evidence.items } };
        delete e.items["killswitch.manual-drill"];
        live.write(e);
        const inCopy = (args: string[]) => repo.cdb(args, { CDB_AUDIT_FILE: AUDIT });
        const before = await inCopy(["readiness", "--stack", "live", "--json"]);
        expect(before.code).toBe(1);
        const drills = repo.file("readiness", "artifacts", "drills");
        mkdirSync(drills, { recursive: true });
        const copied = path.join(drills, path.basename(record.file));
        copyFileSync(record.file, copied);
        copyFileSync(record.signatureFile, `${copied}.sig`);
        const add = await inCopy(["evidence", "add", "killswitch.manual-drill", "--key", keys.janne.file, "--artifact", copied]);
        expect(add.err).toBe("");
        expect(add.code).toBe(0);
        const after = await inCopy(["readiness", "--stack", "live", "--json"]);
        expect(after.code, after.out).toBe(0);
        expect((JSON.parse(after.out) as { ready: boolean }).ready).toBe(true);
      } finally {
        repo.dispose();
      }
    } finally {
      await stopWitness(t, w);
    }
    // The witness image, its start and key, then the drill with restarts: minutes on a loaded machine.
  }, 300_000);

  it("error paths: one line, a distinct exit code, within 10 s", async () => {
    const cases: [string, string[], number, RegExp][] = [
      ["Docker host unreachable", ["kill", ...base, "--reason", "x", "--docker-host", "unix:///tmp/cdb-no-such-docker.sock"], 7, /^cdb: unreachable: Docker host unix:\/\/\/tmp\/cdb-no-such-docker\.sock is not reachable \(ENOENT\) while trying to inspect container cdbclitest_redis\n$/],
      ["container missing", ["kill", "--stack", "clinone", "--stack-config", paperStackFile("clinone"), "--reason", "x"], 9, /^cdb: not found: container cdbclinone_redis does not exist on /],
      ["Redis down", ["kill", ...base, "--reason", "x", "--redis-url", `redis://127.0.0.1:${await freePort()}`, "--password-file", server.passwordFile], 7, /^cdb: unreachable: Redis at redis:\/\/127\.0\.0\.1:\d+ is not answering: .*ECONNREFUSED/],
      ["wrong password", ["kill", ...base, "--reason", "x", "--redis-url", server.url, "--password-file", (writeFileSync(path.join(tmp, "bad"), "nope\n"), path.join(tmp, "bad"))], 8, /^cdb: authentication failed: Redis at redis:\/\/127\.0\.0\.1:\d+ rejected the password from .*bad \(WRONGPASS\)\n$/],
    ];
    for (const [what, args, code, err] of cases) {
      const r = await cdb(args);
      expect({ what, code: r.code }).toEqual({ what, code });
      expect(r.err).toMatch(err);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.ms).toBeLessThan(10_000);
      timings.push(`${what}: exit ${r.code} in ${r.ms} ms`);
    }
    // Through the Redis client the kill works too.
    const direct = await cdb(["kill", ...base, "--reason", "direct", "--redis-url", server.url, "--password-file", server.passwordFile, "--json"]);
    expect(direct.code).toBe(0);
    expect((JSON.parse(direct.out) as { fields: { reason: string } }).fields.reason).toBe("direct");
  });

  it("evidence init, add and approve keep comments and order, sign with keys; the author's key cannot approve under another name", async () => {
    const fx = makeFixture();
    const file = path.join(tmp, "live.evidence.yaml");
    const init = await cdb(["evidence", "init", "--stack", "live", "--stack-config", fx.liveConfig, "--evidence", file]);
    expect(init.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("configDigest: " + fx.evidence.configDigest);
    expect((await cdb(["evidence", "init", "--stack", "live", "--stack-config", fx.liveConfig, "--evidence", file])).code).toBe(5);
    writeFileSync(file, readFileSync(file, "utf8") + "  # reviewed in the weekly ops meeting\n");
    const artifact = path.join(tmp, "live-executor-review.md");
    writeFileSync(artifact, "review notes of the live executor\n");
    const unsignedAdd = await cdb(["evidence", "add", "execution.live-executor-review", "--by", "janne", "--artifact", artifact, "--evidence", file]);
    expect(unsignedAdd.code).toBe(2);
    expect(unsignedAdd.err).toBe("cdb: unusable input: --key: evidence is signed: pass --key <private key file> or set CDB_SIGNING_KEY\n");
    const stranger = makeKey("mallory");
    const foreign = await cdb(["evidence", "add", "execution.live-executor-review", "--by", "janne", "--key", stranger.file, "--artifact", artifact, "--evidence", file]);
    expect(foreign.code).toBe(5);
    expect(foreign.err).toMatch(/^cdb: refused: signed by key SHA256:\S+, which is not in allowed_signers\n$/);
    const add = await cdb(["evidence", "add", "execution.live-executor-review", "--key", keys.janne.file, "--artifact", artifact, "--evidence", file]);
    expect(add.err).toBe("");
    expect(add.code).toBe(0);
    const self = await cdb(["evidence", "approve", "execution.live-executor-review", "--by", "janne@example.com", "--key", keys.janne.file, "--evidence", file]);
    expect(self.code).toBe(5);
    expect(self.err).toMatch(/^cdb: refused: execution\.live-executor-review: janne@example\.com signs with the key that wrote the entry \(SHA256:\S+, janne\): one key is one person; a second person must approve\n$/);
    const ok = await cdb(["evidence", "approve", "execution.live-executor-review", "--key", keys.mara.file, "--evidence", file]);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^# Readiness evidence for the live stack/);
    expect(text).toContain("# reviewed in the weekly ops meeting");
    expect(text.indexOf("version:")).toBeLessThan(text.indexOf("configDigest:"));
    expect(text).toMatch(/execution\.live-executor-review:\n\s+by: janne\n\s+at: .*\n\s+artifacts:\n\s+- path: \.tmp\/.*\n\s+sha256: [0-9a-f]{64}\n\s+signature: [\s\S]*?BEGIN SSH SIGNATURE[\s\S]*approvedBy: mara\n\s+approvalSignature: /);
    expect((await cdb(["evidence", "add", "risk.limits", "--key", keys.janne.file, "--evidence", file])).code).toBe(5);
    expect((await cdb(["evidence", "add", "nope.item", "--key", keys.janne.file, "--evidence", file])).code).toBe(2);
  }, 240_000);
});
