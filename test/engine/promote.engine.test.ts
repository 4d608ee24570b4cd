import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tradesForReal } from "../../config/safety";
import { readAudit } from "../../ops/audit";
import { dockerTarget, execIn } from "../../ops/docker";
import { releaseKillSwitch, shutdownEntryCount } from "../../ops/kill";
import { containerRedis } from "../../ops/redis";
import { MANUAL_STEP } from "../../ops/rollback";
import { envOf } from "../../readiness/facts";
import { initLiveStack, liveEvidenceFile, pulumiOk, writeLiveEvidence } from "./liveStack";
import { npxCdb } from "../npxCdb";
import { engineWorkspace, type EngineWorkspace } from "./workspace";

// `cdb promote` and `cdb rollback` end to end: the real CLI, language host
// and policy analyzer drive a STAND-IN docker provider that runs TEST-DOUBLE
// containers on a real dockerd (test/images: busybox doubles printing the
// real mode lines, the Debian redis-server as Redis), so verification and
// the kill switch act on containers Pulumi really created.

let ws: EngineWorkspace;
const t = dockerTarget();
const audit = () => readAudit(path.join(ws.project, "audit", "operations.jsonl"));
// As docs/going-live.md writes it: `npx cdb …` in the project, through the package's bin.
const cdb = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await npxCdb(args, { cwd: ws.project, env: { ...ws.env, ...env } });
  return { code: r.code, stdout: r.out, stderr: r.err };
};

async function liveContainers(): Promise<{ name: string; running: boolean; env: Record<string, string> }[]> {
  const list = await t.docker.listContainers({ all: true, filters: { name: ["^/cdb_"] } });
  return Promise.all(
    list.map(async (c) => {
      const info = await t.docker.getContainer(c.Id).inspect();
      return { name: info.Name.slice(1), running: info.State.Running || info.State.Restarting, env: envOf({ envs: info.Config.Env }) };
    }),
  );
}
const runningTraders = async () => (await liveContainers()).filter((c) => c.running && tradesForReal(c.env)).map((c) => c.name);
const logOf = async (name: string) => (await t.docker.getContainer(name).logs({ stdout: true, stderr: true, tail: 200 })).toString("utf8");

/** Test doubles a killed earlier run left behind: live's names must be free for this one. */
async function removeLeftovers(): Promise<void> {
  const label = ["cdb-test-double=true"];
  for (const c of await t.docker.listContainers({ all: true, filters: { label, name: ["^/cdb_"] } })) await t.docker.getContainer(c.Id).remove({ force: true });
  for (const n of await t.docker.listNetworks({ filters: { label, name: ["cdb_network"] } })) await t.docker.getNetwork(n.Id).remove();
}

beforeAll(async () => {
  await removeLeftovers();
  ws = await engineWorkspace("engine-promote-passphrase", { docker: "dockerd" });
  await initLiveStack(ws);
});
afterAll(async () => {
  if (ws) await ws.pulumi(["destroy", "-s", "live", "--yes"]);
  ws?.dispose();
});

describe("promote and rollback on a real dockerd (stand-in provider, test-double containers)", () => {
  it("refuses to promote without evidence and creates nothing", async () => {
    const r = await cdb(["promote", "--to", "live", "--yes"]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^cdb: refused: readiness gate not ready for live: /m);
    expect(ws.standinOps()).toEqual([]);
    expect(audit().at(-1)).toMatchObject({ op: "promote", outcome: "refused: gate not ready" });
  });

  it("audits a promotion that stops at the Docker step (issue 16 item 8), exit 7", async () => {
    writeLiveEvidence(ws);
    const nowhere = "unix:///tmp/cdb-engine-promote-no-docker.sock";
    const r = await cdb(["promote", "--to", "live", "--yes"], { DOCKER_HOST: nowhere });
    expect(r.code, r.stdout + r.stderr).toBe(7);
    expect(r.stderr).toMatch(new RegExp(`^cdb: unreachable: Docker host ${nowhere} is not reachable`, "m"));
    expect(audit().at(-1)).toMatchObject({ op: "promote", stack: "live", outcome: "failed at docker (unreachable)", backup: expect.stringMatching(/^backups\/live-/) });
    expect(await runningTraders()).toEqual([]);
  });

  it("refuses to promote while live's Redis does not run: the promotion could not hold the live executor; nothing created", async () => {
    writeLiveEvidence(ws);
    const r = await cdb(["promote", "--to", "live", "--yes"]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^cdb: refused: cdb_redis does not run on .*: deploy live at paper flags first \(npx cdb deploy --stack live with cdb:mode paper\)/m);
    expect(audit().at(-1)).toMatchObject({ op: "promote", stack: "live", outcome: "refused: live's Redis does not run" });
    expect(ws.standinOps().filter((o) => o.op === "create")).toEqual([]);
  });

  // Issue 25 item 4: the live executor traded during promote's verification window, also when verification then failed.
  it("promotes with complete evidence: live at paper flags first, then the live executor held by the kill switch until verified, released, trading; backed up and audited", async () => {
    // As docs/going-live.md writes it: live at paper flags needs no evidence (cdb deploy creates it).
    await pulumiOk(ws, ["config", "set", "-s", "live", "cdb:mode", "paper"]);
    const paper = await cdb(["deploy", "--stack", "live"]);
    expect(paper.code, paper.stdout + paper.stderr).toBe(0);
    expect(await runningTraders()).toEqual([]);
    await pulumiOk(ws, ["config", "set", "-s", "live", "cdb:mode", "live"]);
    const digest = writeLiveEvidence(ws);
    const r = await cdb(["promote", "--to", "live", "--yes", "--by", "janne", "--verify-timeout", "90"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^live: promoted and verified \(update of \d{4}-\d\d-\d\dT[\d:.]+Z, [\d.]+ s\)$/m);
    expect(await logOf("cdb_execution")).toContain("Mode: LIVE");
    expect(await runningTraders()).toContain("cdb_execution");
    // Armed before the update, released only after every container was verified.
    const held = /^promote: kill switch armed \((\d+-\d+)\): the live executor rejects every order until live is verified$/m.exec(r.stderr);
    expect(held, r.stderr).not.toBeNull();
    const released = r.stderr.indexOf(`promote: verified; kill-switch entry ${held![1]} deleted and cdb_execution, cdb_risk, cdb_allocation restarted`);
    expect(released).toBeGreaterThan(r.stderr.indexOf("kill switch armed"));
    expect(await shutdownEntryCount(containerRedis(t, "cdb_redis"))).toBe(0);
    // What the live executor reported from its creation by the update on (the paper one it replaced may fill a last
    // order in flight when the hold is written): only rejections until the release, then filled orders again.
    const redis = containerRedis(t, "cdb_redis");
    const liveExecution = await t.docker.getContainer("cdb_execution").inspect();
    const createdMs = Date.parse(liveExecution.Created);
    expect(createdMs).toBeGreaterThan(Number(held![1]!.split("-")[0]));
    const rows = ((await redis.call(["XRANGE", "stream.order_results", String(createdMs), "+"])) ?? []) as [string, string[]][];
    const field = (kv: string[], k: string) => kv[kv.indexOf(k) + 1];
    const firstFilled = rows.findIndex(([, kv]) => field(kv, "status") === "FILLED");
    expect(firstFilled, "an order filled after the release").toBeGreaterThan(0);
    expect(rows.slice(0, firstFilled).every(([, kv]) => field(kv, "status") === "REJECTED" && field(kv, "order_id")!.startsWith("SHUTDOWN_"))).toBe(true);
    // The first accepted order came from the restarted (released) executor, never the held one.
    const restartedMs = Date.parse(liveExecution.State.StartedAt);
    const firstFilledMs = Number(rows[firstFilled]![0].split("-")[0]);
    expect(firstFilledMs).toBeGreaterThanOrEqual(restartedMs - 1_000);
    process.stdout.write(`promote: ${firstFilled} orders rejected while held; first order accepted ${((firstFilledMs - Number(held![1]!.split("-")[0])) / 1000).toFixed(1)} s after the hold was armed\n`);
    // Issue 16 item 2: the backup keeps every secret encrypted (the generated Redis password is in the state), 0600.
    const backups = readdirSync(path.join(ws.project, "backups")).filter((f) => /^live-.*\.json$/.test(f)).sort();
    expect(backups.length).toBeGreaterThanOrEqual(1);
    const backup = path.join(ws.project, "backups", backups.at(-1)!);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const record = audit().at(-1)!;
    expect(record).toMatchObject({ op: "promote", by: "janne", stack: "live", outcome: "verified", configDigest: digest, hold: { entry: held![1], armedAtSeconds: expect.any(Number), releasedAtSeconds: expect.any(Number), restarted: ["cdb_execution", "cdb_risk", "cdb_allocation"] } });
    expect(record.evidenceSha256).toBe(createHash("sha256").update(readFileSync(liveEvidenceFile(ws))).digest("hex"));
    // Issue 16 item 8: the record names the update by its own times (the file backend reports version 0 for every update).
    expect(record.update).toMatchObject({ startTime: expect.stringMatching(/^\d{4}-/), endTime: expect.stringMatching(/^\d{4}-/), result: "succeeded" });
    // The freight it promoted: every app image, pinned by digest, with the paper window that soaked it.
    expect(r.stderr).toMatch(/^promote: freight \(live runs what paper soaked\), 10 app images:$/m);
    expect(r.stderr).toMatch(/^promote: {3}execution registry\.example\/cdb\/execution@sha256:[0-9a-f]{64}: soaked on paper \S+ to \S+ \(.*\bpaper-orders\.json\)/m);
    expect(record.freight).toHaveLength(10);
    expect(record.freight).toContainEqual({ service: "execution", image: expect.stringMatching(/@sha256:/), soaked: expect.arrayContaining([expect.objectContaining({ record: expect.stringMatching(/paper-orders\.json$/) })]) });
  });

  it("rolls back: stops trading, arms the kill switch, returns to paper flags through Pulumi, verifies", async () => {
    const r = await cdb(["rollback", "--stack", "live", "--reason", "engine test", "--by", "mara"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain("cdb_execution stopped");
    // Stop trading first: the kill switch is armed before execution is stopped.
    expect(r.stderr.indexOf("kill switch armed")).toBeGreaterThan(-1);
    expect(r.stderr.indexOf("kill switch armed")).toBeLessThan(r.stderr.indexOf("cdb_execution stopped"));
    expect(r.stderr).toContain(MANUAL_STEP);
    expect(await runningTraders()).toEqual([]);
    expect(await logOf("cdb_execution")).toContain("Mode: MOCK");
    expect(await shutdownEntryCount(containerRedis(t, "cdb_redis"))).toBeGreaterThan(0);
    expect(readFileSync(path.join(ws.project, "Pulumi.live.yaml"), "utf8")).toMatch(/^ {2}cdb:mode: paper$/m);
    expect(audit().at(-1)).toMatchObject({ op: "rollback", by: "mara", outcome: "verified", update: { result: "succeeded" } });
  });

  it("refuses to promote while the kill switch is armed", async () => {
    await pulumiOk(ws, ["config", "set", "-s", "live", "cdb:mode", "live"]);
    const r = await cdb(["promote", "--to", "live", "--yes"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/kill switch of live holds \d+ entr/);
    expect(await runningTraders()).toEqual([]);
    // Issue 16 item 2: the backup (taken before the kill-switch check) of a stack that holds secrets keeps every one encrypted, 0600.
    const backups = readdirSync(path.join(ws.project, "backups")).filter((f) => /^live-.*\.json$/.test(f)).sort();
    const backup = path.join(ws.project, "backups", backups.at(-1)!);
    const redisPassword = (await execIn(t, "cdb_redis", ["cat", "/run/secrets/redis_password"])).stdout.trim();
    expect(redisPassword.length).toBeGreaterThan(8);
    expect(readFileSync(backup, "utf8")).not.toContain(redisPassword);
    expect(readFileSync(backup, "utf8")).toContain("ciphertext");
    expect(statSync(backup).mode & 0o777).toBe(0o600);
  });

  it("rolls back by itself when verification fails, leaving no trading container running", async () => {
    await releaseKillSwitch(containerRedis(t, "cdb_redis"));
    // Risk fails live (execution itself starts fine and would trade): verification fails while the executor is held.
    const redis = containerRedis(t, "cdb_redis");
    const last = ((await redis.call(["XREVRANGE", "stream.order_results", "+", "-", "COUNT", "1"])) ?? []) as [string, string[]][];
    const before = last[0]?.[0] ?? "0-0";
    const r = await cdb(["promote", "--to", "live", "--yes", "--verify-timeout", "20"], { CDB_STANDIN_CRASH_LIVE: "risk" });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^live: promotion failed and was rolled back \(cdb_risk: /m);
    expect(await runningTraders()).toEqual([]);
    // Not one order accepted from the promotion's start to the end of its rollback: the switch held throughout.
    const during = ((await redis.call(["XRANGE", "stream.order_results", `(${before}`, "+"])) ?? []) as [string, string[]][];
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter(([, kv]) => kv.includes("FILLED"))).toEqual([]);
    expect(r.stderr).not.toContain("kill-switch entry");
    expect(await logOf("cdb_execution")).toContain("Mode: MOCK");
    const [promoteRecord, rollbackRecord] = [audit().findLast((a) => a.op === "promote"), audit().findLast((a) => a.op === "rollback")];
    expect(promoteRecord).toMatchObject({ outcome: "rolled back (verified)" });
    expect(rollbackRecord?.reason).toMatch(/^promotion failed: cdb_risk: /);
    expect(existsSync(liveEvidenceFile(ws))).toBe(true);
  }, 600_000); // a promotion, a failed verification (up to 20 s) and a rollback: two updates, three on a loaded machine with engine files in parallel
});
