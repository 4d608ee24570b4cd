import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGate } from "../readiness/gate";
import { paperPlan } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { liveImages } from "../test/mockRun";
import { DRILLED_SERVICES } from "../readiness/paperDrillKinds";
import { startRedis, type RedisServer } from "../test/redisServer";
import { dockerTarget } from "./docker";
import { ORDER_RESULTS, runDrill, writeDrillRecord, type DrillRecord } from "./drill";
import { imageSubjects } from "./recordSubjects";
import { OpsRefused } from "../platform/errors";
import { addEvidence } from "./evidence";
import { SHUTDOWN_STREAM, shutdownEntryCount, writeKillEntry } from "./kill";
import { containerRedis, directRedis } from "./redis";
import { repoTmpDir } from "../test/repoTmp";
import { doublesAround } from "../test/doublesAround";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";

const t = dockerTarget();
/** Drill records count only as their stack's witness signs them: here paper's (the fixture's key stands in for its volume's). */
const WITNESS = witnessPrincipal("paper");
const outDir = () => repoTmpDir("drills-");

async function filledAfter(redis: ReturnType<typeof containerRedis>, id: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const rows = ((await redis.call(["XRANGE", ORDER_RESULTS, `(${id}`, "+"])) ?? []) as [string, string[]][];
    const filled = rows.find(([, kv]) => kv.includes("FILLED"));
    if (filled) return filled[1][kv(filled[1], "order_id")]!;
    if (Date.now() > deadline) throw new Error("no FILLED order after the drill");
    await new Promise((r) => setTimeout(r, 100));
  }
}
const kv = (fields: string[], key: string) => fields.indexOf(key) + 1;

describe("cdb kill --drill on a paper stack of test doubles", () => {
  const { plan } = paperPlan("drilltest");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  doublesAround(t, plan, { only: ["redis", "execution", "risk", "allocation"], orderIntervalMs: 100 });

  it("measures kill to first rejected order, cleans up, and the gate counts the record as killswitch.manual-drill", async () => {
    const redis = containerRedis(t, name("redis"));
    const restart = { docker: t, containers: [name("execution"), name("risk"), name("allocation")] };
    const latencies: number[] = [];
    let last: DrillRecord | undefined;
    for (let i = 0; i < 3; i++) {
      // The record names paper's witness, which signs it (namespace cdb-witness): witnessed records count only so.
      const r = await runDrill({ stack: "paper", redis, by: WITNESS, windowMs: 10_000, restart });
      expect(r.outcome).toBe("passed");
      expect(r.measured).toBe("first-rejected-order");
      expect(r.rejectedOrder!.order_id).toMatch(/^SHUTDOWN_/);
      expect(r.latencyMs).toBeGreaterThanOrEqual(0);
      expect(r.latencyMs).toBeLessThan(2_000);
      expect(r.entry.fields).toMatchObject({ priority: "SAFETY", strategy_id: expect.stringMatching(/^drill-/) });
      expect(r.cleanup).toMatchObject({ entryDeleted: true, restarted: restart.containers });
      // Re-armed: the stream is empty and the restarted execution fills orders again.
      expect(await shutdownEntryCount(redis)).toBe(0);
      expect(await filledAfter(redis, r.rejectedOrder!.id)).toMatch(/^MOCK_/);
      latencies.push(r.latencyMs!);
      last = r;
    }
    process.stdout.write(`drill kill -> first rejected order (ms, Redis clock): ${latencies.join(", ")}; median ${[...latencies].sort((a, b) => a - b)[1]}\n`);

    const subjects = await imageSubjects(t, ["execution", "risk", "allocation", "redis"].map((s) => ({ service: s, container: name(s) })));
    // The drill counts for live only when live pins the images it exercised (DRILLED_SERVICES): the doubles', by image id.
    const pins = Object.fromEntries(DRILLED_SERVICES["killswitch-drill"].map((x) => [x, `sha256:${subjects.find((s) => s.name === x)!.digest.sha256}`]));
    const fx = makeFixture(new Date(), { images: liveImages(pins) });
    const { file, signatureFile } = writeDrillRecord(last!, { subjects, key: fx.keys.witnessPaper.file, namespace: WITNESS_NAMESPACE, dir: outDir() });
    expect(signatureFile).toBe(`${file}.sig`);
    const statement = JSON.parse(readFileSync(file, "utf8"));
    expect(statement).toMatchObject({ _type: "https://in-toto.io/Statement/v1", predicateType: "https://cdb-deploy.dev/killswitch-drill/v1", predicate: { kind: "killswitch-drill", outcome: "passed", by: WITNESS } });
    expect(statement.subject.map((x: { name: string }) => x.name)).toEqual(["execution", "risk", "allocation", "redis"]);
    expect(statement.subject[0].digest.sha256).toMatch(/^[0-9a-f]{64}$/);
    const entry = addEvidence({ file: fx.evidenceFile, id: "killswitch.manual-drill", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [file] });
    expect(entry).toMatchObject({ by: "janne", at: last!.endedAt, signature: expect.stringContaining("BEGIN SSH SIGNATURE") });
    const gate = runGate({ ...fx.gateRequest(), now: new Date() });
    const item = gate.verdict.items.find((x) => x.id === "killswitch.manual-drill")!;
    expect(item.status).toBe("satisfied");
    expect(gate.verdict.ready).toBe(true);
    // The artifact binds: an edited record no longer counts.
    const { appendFileSync } = await import("node:fs");
    appendFileSync(file, " ");
    const after = runGate({ ...fx.gateRequest(), now: new Date() });
    expect(after.verdict.items.find((x) => x.id === "killswitch.manual-drill")!.status).toBe("invalid");
  }, 240_000);

  it("refuses while the kill switch already holds an entry", async () => {
    const redis = containerRedis(t, name("redis"));
    const e = await writeKillEntry(redis, { reason: "real incident" });
    try {
      await expect(runDrill({ stack: "drilltest", redis, by: "janne", windowMs: 1_000 })).rejects.toThrow(OpsRefused);
      expect(await shutdownEntryCount(redis)).toBe(1);
    } finally {
      await redis.call(["XDEL", SHUTDOWN_STREAM, e.id]);
    }
  });
});

describe("cdb kill --drill when no order arrives", () => {
  const { plan } = paperPlan("drillidle");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  doublesAround(t, plan, { only: ["redis", "execution"], orderIntervalMs: 0 });

  it("measures until execution reads the entry, says so, and says it restarted nothing", async () => {
    const r = await runDrill({ stack: "drillidle", redis: containerRedis(t, name("redis")), by: "janne", windowMs: 2_000 });
    expect(r.outcome).toBe("passed");
    expect(r.measured).toBe("entry-read");
    expect(r.entryRead!.command).toContain(SHUTDOWN_STREAM);
    expect(r.latencyMs).toBeLessThan(3_000);
    expect(r.explanation).toMatch(/no order arrived within 2000 ms/);
    expect(r.cleanup.entryDeleted).toBe(true);
    expect(r.cleanup.note).toMatch(/restarted nothing/);
    process.stdout.write(`drill kill -> entry read (ms, Redis clock): ${r.latencyMs}\n`);
  });
});

describe("cdb kill --drill with --redis-url against a redis-server nobody reads", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());

  it("records not-observed, and evidence add refuses that record", async () => {
    const redis = await directRedis(server.url, server.passwordFile);
    try {
      const r = await runDrill({ stack: "paper", redis, by: WITNESS, windowMs: 500 });
      expect(r).toMatchObject({ outcome: "not-observed", measured: "none", cleanup: { entryDeleted: true } });
      expect(await shutdownEntryCount(redis)).toBe(0);
      const fx = makeFixture();
      // No container ran here: a stand-in subject, so the record can be written at all.
      const { file } = writeDrillRecord(r, { subjects: [{ name: "redis-server (test)", digest: { sha256: "0".repeat(64) } }], key: fx.keys.witnessPaper.file, namespace: WITNESS_NAMESPACE, dir: outDir() });
      expect(() => addEvidence({ file: fx.evidenceFile, id: "killswitch.manual-drill", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, artifacts: [file] })).toThrow(
        /not a killswitch-drill record that counts for killswitch.manual-drill: record .*: outcome not-observed/,
      );
    } finally {
      await redis.close();
    }
  });
});
