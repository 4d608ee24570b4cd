import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APP_SERVICES, isAppService } from "../config/services";
import { liveSettings } from "../test/mockRun";
import { runGate } from "../readiness/gate";
import { paperPlan } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { redisScript } from "../test/stackDoubles";
import { collectEvidence, countPaperOrders, observationWindow } from "./collect";
import { dockerTarget } from "./docker";
import { ORDER_RESULTS } from "./drill";
import { containerRedis } from "./redis";
import { repoTmpDir } from "../test/repoTmp";
import { doublesAround } from "../test/doublesAround";

const t = dockerTarget();

describe("cdb evidence collect on a paper stack of test doubles", () => {
  const { plan } = paperPlan("collecttest");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  const doubles = doublesAround(t, plan, { orderIntervalMs: 0 });

  const add = (redis: ReturnType<typeof containerRedis>, orderId: string, status: string) => redis.call(["XADD", ORDER_RESULTS, "*", "order_id", orderId, "status", status, "symbol", "BTCUSDT"]);

  it("counts distinct filled MOCK_ orders since --since, not rejected, errors, duplicates or older ones", async () => {
    const redis = containerRedis(t, name("redis"));
    await add(redis, "MOCK_old", "FILLED");
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const x = (id: string, status: string) => `redis-cli XADD ${ORDER_RESULTS} '*' order_id ${id} status ${status} >/dev/null`;
    // MOCK_1 is reported twice: it counts once.
    await redisScript(t, name("redis"), [0, 1, 2, 3, 4].map((i) => x(`MOCK_${i}`, "FILLED")).concat(x("MOCK_1", "FILLED"), x("SHUTDOWN_1", "REJECTED"), x("MOCK_9", "ERROR"), x("C02_live", "FILLED")).join(" && "));
    const r = await countPaperOrders(redis, since);
    expect(r).toMatchObject({ filled: 5, duplicates: 1, rejected: 1, errors: 1, nonPaperIds: 1, scanned: 9, startsAfterSince: false });
    expect(r.orderIds).toEqual(["MOCK_0", "MOCK_1", "MOCK_2", "MOCK_3", "MOCK_4"]);
  });

  it("measures hours since the last start, restart or crash of any paper container", async () => {
    const before = await observationWindow(t, plan, new Date(Date.now() - 3_600_000), new Date(Date.now() + 50 * 3_600_000));
    expect(before.containers).toHaveLength(plan.containers.length);
    expect(before.hours).toBeGreaterThanOrEqual(49.9);
    expect(before.hours).toBeLessThanOrEqual(50);
    await t.docker.getContainer(name("candles")).restart({ t: 1 });
    const restartedAt = Date.now();
    // State.StartedAt proves the restart; the engine's event buffer (256 events in dockerd 20.10,
    // flooded by health-check execs) may already have dropped the event itself.
    const after = await observationWindow(t, plan, new Date(Date.now() - 3_600_000), new Date(restartedAt + 48 * 3_600_000 + 60_000));
    expect(after.lastDisruption!.container).toBe(name("candles"));
    expect(after.hours).toBe(48);
    await t.docker.getContainer(name("reports")).stop({ t: 1 });
    try {
      const down = await observationWindow(t, plan, new Date(Date.now() - 3_600_000));
      expect(down).toMatchObject({ hours: 0, lastDisruption: { container: name("reports"), what: "not running" } });
    } finally {
      await t.docker.getContainer(name("reports")).start();
    }
  });

  it("writes both entries with artifacts the gate verifies, and thresholds decide", async () => {
    const redis = containerRedis(t, name("redis"));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await redisScript(t, name("redis"), `for i in $(seq 1 120); do redis-cli XADD ${ORDER_RESULTS} '*' order_id MOCK_c$i status FILLED >/dev/null || exit 1; done`);
    // Live pins what these paper doubles run (one image, never pushed: its id), so the records are its freight.
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const images = { ...(liveSettings().images as Record<string, string>), ...Object.fromEntries(APP_SERVICES.map((s) => [s, imageId])) };
    const fx = makeFixture(new Date(), { images });
    const dir = repoTmpDir("collect-");
    const now = new Date(Date.now() + 49 * 3_600_000);
    const signing = { key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners };
    const r = await collectEvidence({ stack: "collecttest", plan, docker: t, redis, since, by: "janne", evidenceFile: fx.evidenceFile, dir, now, ...signing });
    expect(r.orders.filled).toBe(120);
    expect(r.entries["stability.paper-orders"]).toMatchObject({ by: "janne", value: 120, artifacts: [{ path: expect.stringMatching(/^\.tmp\/collect-.*paper-orders\.json$/) }], signature: expect.any(String) });
    expect(r.window.hours).toBeGreaterThanOrEqual(48);
    // The records name the image of every app container that ran.
    const record = JSON.parse(readFileSync(r.artifacts[0]!, "utf8")) as { subject: { name: string; digest: { sha256: string } }[]; predicate: { kind: string } };
    expect(record.predicate.kind).toBe("paper-orders");
    expect(record.subject.map((x) => x.name).sort()).toEqual(plan.containers.filter((c) => isAppService(c.service)).map((c) => c.service).sort());
    const gate = runGate({ ...fx.gateRequest(), now });
    const status = (id: string) => gate.verdict.items.find((i) => i.id === id)!;
    expect(status("stability.paper-orders").status).toBe("satisfied");
    expect(status("stability.observation-window").status).toBe("satisfied");
    // Fewer than 48 hours is measured, written, and fails the gate.
    const soon = new Date(Date.now() + 3_600_000);
    const early = await collectEvidence({ stack: "collecttest", plan, docker: t, redis, since, by: "janne", evidenceFile: fx.evidenceFile, dir, now: soon, ...signing });
    expect(early.window.hours).toBeLessThan(48);
    const gate2 = runGate({ ...fx.gateRequest(), now: soon });
    expect(gate2.verdict.items.find((i) => i.id === "stability.observation-window")!.status).toBe("failed");
  }, 180_000);

  it("measures candles without gaps and regime signals from the streams, and the gate counts them; a gap or a wrong regime fails", async () => {
    const redis = containerRedis(t, name("redis"));
    const now = new Date();
    const since = new Date(now.getTime() - 50 * 3_600_000);
    // 49.5 hours of one-minute candles, each added when its minute closed (stream id = Redis time of the close;
    // %.0f: busybox awk's %d stops at 2^31).
    const last = Math.floor(now.getTime() / 60_000) * 60 - 60;
    const first = last - (49 * 60 + 30) * 60;
    await redisScript(
      t,
      name("redis"),
      `awk 'BEGIN { for (ts = ${first}; ts <= ${last}; ts += 60) printf "XADD stream.candles_1m %.0f-0 ts %.0f symbol BTCUSDT timeframe 60s open 1 high 1 low 1 close 1 volume 1 trades 3\\n", (ts + 60) * 1000 - 5000, ts }' | redis-cli >/dev/null`,
    );
    // Regime signals as services/regime emits them; thresholds of the paper plan: ADX 25/20, ATR 2.0.
    const signal = (msAgo: number, regime: string, adx: string, atr: string) => redis.call(["XADD", "stream.regime_signals", `${now.getTime() - msAgo}-0`, "ts", String(Math.floor((now.getTime() - msAgo) / 1000)), "symbol", "BTCUSDT", "timeframe", "60s", "regime", regime, "adx", adx, "atr", atr]);
    await signal(30 * 3_600_000, "TREND", "31.000000", "1.200000");
    await signal(2 * 3_600_000, "HIGH_VOL_CHAOTIC", "27.000000", "2.300000");
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const fx = makeFixture(now, { images: { ...(liveSettings().images as Record<string, string>), ...Object.fromEntries(APP_SERVICES.map((s) => [s, imageId])) } });
    const collect = (at: Date) => collectEvidence({ stack: "collecttest", plan, docker: t, redis, since, by: "janne", evidenceFile: fx.evidenceFile, dir: repoTmpDir("collect-"), now: at, key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners });
    const r = await collect(now);
    expect(r.candles.symbols.map((x) => [x.symbol, x.ts.length])).toEqual([["BTCUSDT", 49 * 60 + 31]]);
    expect(r.entries["stability.candles"].value).toBe(49.5);
    expect(r.entries["stability.regime"].value).toBe(2);
    const gate = runGate({ ...fx.gateRequest(), now });
    for (const id of ["stability.candles", "stability.regime"]) expect(gate.verdict.items.find((i) => i.id === id), id).toMatchObject({ status: "satisfied" });

    // A candle that skips ten minutes: the gap-free run now starts after it.
    await redis.call(["XADD", "stream.candles_1m", "*", "ts", String(last + 600), "symbol", "BTCUSDT", "timeframe", "60s"]);
    // A regime signal whose ATR says HIGH_VOL_CHAOTIC, labelled RANGE.
    await redis.call(["XADD", "stream.regime_signals", "*", "ts", String(last), "symbol", "BTCUSDT", "timeframe", "60s", "regime", "RANGE", "adx", "12.000000", "atr", "2.500000"]);
    const later = new Date(Date.now() + 1_000);
    await collect(later);
    const after = runGate({ ...fx.gateRequest(), now: later });
    expect(after.verdict.items.find((i) => i.id === "stability.candles")).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
    expect(after.verdict.items.find((i) => i.id === "stability.regime")).toMatchObject({ status: "failed", reason: expect.stringContaining("1 signal(s) name a regime their ADX/ATR do not give") });
  }, 180_000);

  it("writes records that do not count for a live stack pinning other images than paper ran", async () => {
    const redis = containerRedis(t, name("redis"));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await redisScript(t, name("redis"), `for i in $(seq 1 110); do redis-cli XADD ${ORDER_RESULTS} '*' order_id MOCK_o$i status FILLED >/dev/null || exit 1; done`);
    const fx = makeFixture(); // live pins registry.example/… images: not what the doubles run
    const now = new Date(Date.now() + 49 * 3_600_000);
    await collectEvidence({ stack: "collecttest", plan, docker: t, redis, since, by: "janne", evidenceFile: fx.evidenceFile, dir: repoTmpDir("collect-"), now, key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners });
    const gate = runGate({ ...fx.gateRequest(), now });
    for (const id of ["stability.paper-orders", "stability.observation-window"]) {
      expect(gate.verdict.items.find((i) => i.id === id)).toMatchObject({ status: "failed", reason: expect.stringMatching(/^not the soaked freight: .*execution: live pins sha256:/) });
    }
  }, 180_000);
});
