import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paperPlan } from "../test/opsStack";
import { startRedis, type RedisServer } from "../test/redisServer";
import { waitHealthy } from "../test/stackDoubles";
import { dockerTarget } from "./docker";
import { OpsFailure } from "../platform/errors";
import { deleteEntry, killEntryArgs, releaseKillSwitch, releaseOwnEntry, SHUTDOWN_STREAM, shutdownEntries, shutdownEntryCount, stopExecution, writeKillEntry } from "./kill";
import { containerRedis, directRedis, parseMonitorLine } from "./redis";
import { doublesAround } from "../test/doublesAround";

const timed = async <T>(f: () => Promise<T>): Promise<[T | unknown, number]> => {
  const t0 = Date.now();
  try {
    return [await f(), Date.now() - t0];
  } catch (e) {
    return [e, Date.now() - t0];
  }
};

describe("kill-switch entry", () => {
  it("has the reference's fields, each a separate argument", () => {
    expect(killEntryArgs({ reason: "a; rm -rf / $(id)", strategyId: "paper", botId: "b1", ts: 1700000000 })).toEqual([
      "XADD", SHUTDOWN_STREAM, "MAXLEN", "~", "10000", "*", "ts", "1700000000", "reason", "a; rm -rf / $(id)", "priority", "SAFETY", "strategy_id", "paper", "bot_id", "b1",
    ]);
    expect(() => killEntryArgs({ reason: " " })).toThrow(/reason/);
  });

  it("parses MONITOR lines of redis-cli", () => {
    expect(parseMonitorLine('1700000000.123456 [0 172.18.0.3:45678] "XREAD" "BLOCK" "1000" "STREAMS" "stream.bot_shutdown" "0-0"')).toEqual({
      timeMs: 1700000000123.456,
      client: "172.18.0.3:45678",
      args: ["XREAD", "BLOCK", "1000", "STREAMS", "stream.bot_shutdown", "0-0"],
    });
    expect(parseMonitorLine('1.5 [0 unix:/x] "SET" "a\\"b" "c\\\\d"')!.args).toEqual(["SET", 'a"b', "c\\d"]);
    expect(parseMonitorLine("OK")).toBeUndefined();
  });
});

describe("kill through a Redis client (--redis-url, --password-file) against redis-server", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => server?.stop());

  it("writes the entry, counts it, and the release trims the stream to empty", async () => {
    const redis = await directRedis(server.url, server.passwordFile);
    try {
      const w = await writeKillEntry(redis, { reason: "drawdown; stop", strategyId: "paper" });
      expect(w.id).toMatch(/^\d+-\d+$/);
      const entries = await shutdownEntries(redis);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.fields).toEqual({ ts: String(w.ts), reason: "drawdown; stop", priority: "SAFETY", strategy_id: "paper" });
      expect(Math.abs(w.ts - Date.now() / 1000)).toBeLessThan(5);
      await writeKillEntry(redis, { reason: "second" });
      expect(await shutdownEntryCount(redis)).toBe(2);
      expect(await releaseKillSwitch(redis)).toBe(2);
      expect(await shutdownEntryCount(redis)).toBe(0);
    } finally {
      await redis.close();
    }
  });

  // Promote's release (ops/promote.ts): a promotion lifts only its own hold. Someone who stops
  // trading during the promotion, even with a look-alike entry, keeps trading stopped.
  it("a promotion's release deletes its own hold only; an entry written meanwhile keeps the switch armed", async () => {
    const redis = await directRedis(server.url, server.passwordFile);
    try {
      await releaseKillSwitch(redis);
      const hold = await writeKillEntry(redis, { reason: "promote: held until verified" });
      const foreign = await writeKillEntry(redis, { reason: "promote: held until verified" });
      expect(await releaseOwnEntry(redis, hold.id)).toEqual({ released: false, others: 1 });
      expect((await shutdownEntries(redis)).map((e) => e.id)).toEqual([foreign.id]);
      // Released twice (a retry) still says armed, and deletes nothing else.
      expect(await releaseOwnEntry(redis, hold.id)).toEqual({ released: false, others: 1 });
      await deleteEntry(redis, foreign.id);
      const own = await writeKillEntry(redis, { reason: "promote: held until verified" });
      expect(await releaseOwnEntry(redis, own.id)).toEqual({ released: true });
      expect(await shutdownEntryCount(redis)).toBe(0);
    } finally {
      await redis.close();
    }
  });

  it("a wrong password fails as auth, quickly, naming the Redis", async () => {
    const { writeFileSync } = await import("node:fs");
    const bad = `${server.passwordFile}.bad`;
    writeFileSync(bad, "not-the-password\n");
    const [e, ms] = await timed(() => directRedis(server.url, bad));
    expect(e).toBeInstanceOf(OpsFailure);
    expect((e as OpsFailure).kind).toBe("auth");
    expect((e as Error).message).toBe(`Redis at redis://127.0.0.1:${server.port} rejected the password from ${bad} (WRONGPASS)`);
    expect(ms).toBeLessThan(10_000);
  });

  it("Redis down fails as unreachable within 10 s", async () => {
    const down = await startRedis();
    await down.stop();
    const [e, ms] = await timed(() => directRedis(down.url, server.passwordFile));
    expect((e as OpsFailure).kind).toBe("unreachable");
    expect((e as Error).message).toMatch(new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${down.port} is not answering: .*ECONNREFUSED`));
    expect(ms).toBeLessThan(10_000);
  });
});

describe("kill inside the stack's Redis container (docker exec of redis-cli)", () => {
  const t = dockerTarget();
  const { plan } = paperPlan("killtest");
  const name = plan.containers.find((c) => c.service === "redis")!.name;
  const doubles = doublesAround(t, plan, { only: ["redis", "execution"], orderIntervalMs: 0 });

  it("writes the entry with the container's own password, which no exec record shows", async () => {
    const redis = containerRedis(t, name);
    const reason = `it's "quoted" $(touch /tmp/pwned) ; echo`;
    const w = await writeKillEntry(redis, { reason, botId: "bot-7" });
    const [entry] = await shutdownEntries(redis);
    expect(entry).toEqual({ id: w.id, fields: { ts: String(w.ts), reason, priority: "SAFETY", bot_id: "bot-7" } });
    // No shell ran the reason: the file it would create does not exist.
    const probe = await t.docker.getContainer(name).exec({ Cmd: ["sh", "-c", "test -e /tmp/pwned && echo yes || echo no"], AttachStdout: true });
    const out = await new Promise<string>((resolve) => {
      void probe.start({ hijack: true, stdin: false }).then((s) => {
        let text = "";
        s.on("data", (c: Buffer) => (text += c.toString("latin1")));
        s.on("end", () => resolve(text));
      });
    });
    expect(out).toContain("no");
    // The execs the container recorded carry no password.
    const info = await t.docker.getContainer(name).inspect();
    for (const id of info.ExecIDs ?? []) {
      const e = await t.docker.getExec(id).inspect();
      expect(JSON.stringify(e.ProcessConfig)).not.toContain(doubles().password);
    }
    expect(await deleteEntry(redis, w.id)).toBe(1);
    expect(await shutdownEntryCount(redis)).toBe(0);
  });

  it("a secret file that does not match the server's password fails as auth", async () => {
    const { writeFileSync } = await import("node:fs");
    const path = await import("node:path");
    writeFileSync(path.join(doubles().secretsDir, "redis_password"), "rotated-but-not-restarted");
    try {
      const [e, ms] = await timed(() => shutdownEntryCount(containerRedis(t, name)));
      expect((e as OpsFailure).kind).toBe("auth");
      expect((e as Error).message).toBe(`Redis in container ${name} (${t.host}) rejected the password from /run/secrets/redis_password`);
      expect(ms).toBeLessThan(10_000);
    } finally {
      writeFileSync(path.join(doubles().secretsDir, "redis_password"), doubles().password);
    }
  });

  it("a missing container and an unreachable Docker host fail with one line, within 10 s", async () => {
    const [missing, ms1] = await timed(() => shutdownEntryCount(containerRedis(t, "cdbnope_redis")));
    expect((missing as OpsFailure).kind).toBe("notFound");
    expect((missing as Error).message).toBe(`container cdbnope_redis does not exist on ${t.host}`);
    expect(ms1).toBeLessThan(10_000);
    const nowhere = dockerTarget("unix:///tmp/cdb-no-docker.sock");
    const [down, ms2] = await timed(() => shutdownEntryCount(containerRedis(nowhere, name)));
    expect((down as OpsFailure).kind).toBe("unreachable");
    expect((down as Error).message).toBe(`Docker host unix:///tmp/cdb-no-docker.sock is not reachable (ENOENT) while trying to inspect container ${name}`);
    expect(ms2).toBeLessThan(10_000);
  });

  it("stopExecution stops the execution container through the Engine API, and again is a no-op", async () => {
    const exec = plan.containers.find((c) => c.service === "execution")!.name;
    await waitHealthy(t, [exec]);
    expect(await stopExecution(t, exec)).toEqual({ wasRunning: true });
    expect((await t.docker.getContainer(exec).inspect()).State.Running).toBe(false);
    expect(await stopExecution(t, exec)).toEqual({ wasRunning: false });
  });
});
