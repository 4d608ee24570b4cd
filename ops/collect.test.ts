import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APP_SERVICES, isAppService } from "../config/services";
import { liveImages } from "../test/mockRun";
import { runGate } from "../readiness/gate";
import { paperPlan } from "../test/opsStack";
import { type Fixture, makeFixture, writeWitnessedRecord } from "../test/readinessFixture";
import { redisScript } from "../test/stackDoubles";
import { countPaperOrders, observationStatement, observationWindow, paperOrdersStatement } from "./collect";
import { dockerTarget } from "./docker";
import { ORDER_RESULTS } from "./drill";
import type { Statement } from "../readiness/records";
import type { EvidenceEntry } from "../readiness/evidence";
import { startRedis } from "../test/redisServer";
import { containerRedis, directRedis, type RedisAccess } from "./redis";
import { CANDLES, candlesStatement, collectCandles, collectRegime, REGIME_STREAM, regimeStatement } from "./streamCollect";
import { addEvidence } from "./evidence";
import { imageSubjects } from "./recordSubjects";
import { witnessPrincipal } from "../config/witness";
import type { StackPlan } from "../model/plan";
import type { DockerTarget } from "./docker";
import path from "node:path";
import { repoTmpDir } from "../test/repoTmp";
import { doublesAround } from "../test/doublesAround";
import { witnessStreams, type WitnessStreams } from "../test/witnessStreams";
import { type CandleFigures, candleRuns, type RegimeFigures, regimeHours } from "../readiness/paperDrillKinds";

const t = dockerTarget();

/**
 * A redis-cli script adding one-minute candles of `symbol` with window starts
 * `first`..`last` (seconds), each with the stream id of its close minus 5 s
 * (explicit ids: Redis's clock at the close), except those starting in
 * `hole` [from, to) (%.0f: busybox awk's %d stops at 2^31).
 */
const candleScript = (stream: string, symbol: string, first: number, last: number, hole: [number, number] = [0, 0]) =>
  `awk 'BEGIN { for (ts = ${first}; ts <= ${last}; ts += 60) if (ts < ${hole[0]} || ts >= ${hole[1]}) printf "XADD ${stream} %.0f-0 ts %.0f symbol ${symbol} timeframe 60s open 1 high 1 low 1 close 1 volume 1 trades 3\\n", (ts + 60) * 1000 - 5000, ts }' | redis-cli >/dev/null`;


type CollectedItem = "stability.paper-orders" | "stability.observation-window" | "stability.candles" | "stability.regime";

/**
 * What `npx cdb evidence collect` leaves behind, in one call: the four records as paper's witness
 * writes and signs them (namespace cdb-witness; the fixture's key STANDS IN for the one in its volume),
 * the entries added and signed by janne. Differences, named: the observation window is
 * ops/collect.ts's (Docker's State of the doubles), not the witness's journal (no witness container
 * runs here); candles and regime count only the entries a witness journal saw appear when `witness`
 * is given (the witness's own observer and binding, test/witnessStreams.ts), else every id read
 * (the tests of the kinds' rules on Redis's ids, which write explicit ids).
 */
async function collectAsWitness(req: { plan: StackPlan; docker: DockerTarget; redis: RedisAccess; since: Date; fx: Fixture; now: Date; dir?: string; witness?: WitnessStreams }) {
  const { plan, redis, since, now, fx } = req;
  const dir = req.dir ?? repoTmpDir("collect-");
  const orders = await countPaperOrders(redis, since);
  const window = await observationWindow(req.docker, plan, since, now);
  const candles = await collectCandles(redis, plan, since);
  const regime = await collectRegime(redis, plan, since);
  const seenCandles = req.witness ? await req.witness.bindCandles(candles) : undefined;
  const seenRegime = req.witness ? await req.witness.bindRegime(regime) : undefined;
  const subjects = await imageSubjects(req.docker, plan.containers.filter((c) => isAppService(c.service)).map((c) => ({ service: c.service, container: c.name })));
  const ctx = { stack: "paper", by: witnessPrincipal("paper"), now, subjects };
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const statements: [CollectedItem, Statement][] = [
    ["stability.paper-orders", paperOrdersStatement(orders, { ...ctx, redis: redis.where })],
    ["stability.observation-window", observationStatement(window, { ...ctx, docker: req.docker.host })],
    ["stability.candles", seenCandles ? candlesStatement(seenCandles.figures, ctx, seenCandles.seen) : candlesStatement(candles, ctx)],
    ["stability.regime", seenRegime ? regimeStatement(seenRegime.figures, ctx, seenRegime.seen) : regimeStatement(regime, ctx)],
  ];
  const artifacts = statements.map(([id, s]) => writeWitnessedRecord(s, path.join(dir, `paper-${stamp}-${id.split(".")[1]}.json`)).file);
  // As the CLI adds them: a failed paper-orders record is refused, the others are recorded as failed for the gate to show.
  const entries = Object.fromEntries(statements.map(([id], i) => [id, addEvidence({ file: fx.evidenceFile, id, by: "janne", key: fx.keys.janne.file, allowedSignersFile: fx.allowedSigners, now, artifacts: [artifacts[i]!], acceptFailed: id !== "stability.paper-orders" })])) as Record<CollectedItem, EvidenceEntry>;
  return { orders, window, candles, regime, seenCandles, seenRegime, entries, artifacts };
}

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
    const images = liveImages(Object.fromEntries(APP_SERVICES.map((s) => [s, imageId])));
    const fx = makeFixture(new Date(), { images });
    const dir = repoTmpDir("collect-");
    const now = new Date(Date.now() + 49 * 3_600_000);
    const r = await collectAsWitness({ plan, docker: t, redis, since, fx, dir, now });
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
    const early = await collectAsWitness({ plan, docker: t, redis, since, fx, dir, now: soon });
    expect(early.window.hours).toBeLessThan(48);
    const gate2 = runGate({ ...fx.gateRequest(), now: soon });
    expect(gate2.verdict.items.find((i) => i.id === "stability.observation-window")!.status).toBe("failed");
  }, 180_000);

  it("measures candles without gaps and regime signals from the streams, and the gate counts them; a gap or a wrong regime fails", async () => {
    const redis = containerRedis(t, name("redis"));
    const now = new Date();
    const since = new Date(now.getTime() - 50 * 3_600_000);
    // 49.5 hours of one-minute candles, each added when its minute closed (stream id = Redis time of the
    // close, explicit: see the control in the replay test below for why that is Redis's clock).
    const last = Math.floor(now.getTime() / 60_000) * 60 - 60;
    const first = last - (49 * 60 + 30) * 60;
    await redisScript(t, name("redis"), candleScript("stream.candles_1m", "BTCUSDT", first, last));
    // Regime signals as services/regime emits them (the first once its indicators warmed up, 49 h ago);
    // thresholds of the paper plan: ADX 25/20, ATR 2.0.
    const signal = (msAgo: number, regime: string, adx: string, atr: string) => redis.call(["XADD", "stream.regime_signals", `${now.getTime() - msAgo}-0`, "ts", String(Math.floor((now.getTime() - msAgo) / 1000)), "symbol", "BTCUSDT", "timeframe", "60s", "regime", regime, "adx", adx, "atr", atr]);
    await signal(49 * 3_600_000, "TREND", "31.000000", "1.200000");
    await signal(2 * 3_600_000, "HIGH_VOL_CHAOTIC", "27.000000", "2.300000");
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const fx = makeFixture(now, { images: liveImages(Object.fromEntries(APP_SERVICES.map((s) => [s, imageId]))) });
    const collect = (at: Date, p = plan) => collectAsWitness({ plan: p, docker: t, redis, since, fx, now: at });
    const r = await collect(now);
    expect(r.candles.symbols.map((x) => [x.symbol, x.ids.length])).toEqual([["BTCUSDT", 49 * 60 + 31]]);
    expect(r.entries["stability.candles"].value).toBe(49.5);
    expect(r.entries["stability.regime"].value).toBe(49);
    const gate = runGate({ ...fx.gateRequest(), now });
    for (const id of ["stability.candles", "stability.regime"]) expect(gate.verdict.items.find((i) => i.id === id), id).toMatchObject({ status: "satisfied" });

    // A stack whose candles skipped ten minutes an hour ago (its own stream, as CANDLE_OUTPUT_STREAM names
    // it: ids must grow, so the hole cannot be added behind the candles above): the run starts after the hole.
    await redisScript(t, name("redis"), candleScript("stream.candles_gap", "BTCUSDT", first, last, [last - 70 * 60, last - 60 * 60]));
    const gapPlan = { ...plan, containers: plan.containers.map((c) => (c.service === "candles" ? { ...c, env: { ...c.env, CANDLE_OUTPUT_STREAM: "stream.candles_gap" } } : c)) };
    // A regime signal whose ATR says HIGH_VOL_CHAOTIC, labelled RANGE.
    await redis.call(["XADD", "stream.regime_signals", "*", "ts", String(last), "symbol", "BTCUSDT", "timeframe", "60s", "regime", "RANGE", "adx", "12.000000", "atr", "2.500000"]);
    const later = new Date(Date.now() + 1_000);
    await collect(later, gapPlan);
    const after = runGate({ ...fx.gateRequest(), now: later });
    expect(after.verdict.items.find((i) => i.id === "stability.candles")).toMatchObject({ status: "failed", reason: "value 1 hours is below 48 hours" });
    expect(after.verdict.items.find((i) => i.id === "stability.regime")).toMatchObject({ status: "failed", reason: expect.stringContaining("1 signal(s) name a regime their ADX/ATR do not give") });
  }, 180_000);

  // Issue 22 finding 2: 50 h of trades replayed into a fresh paper stack in seconds gave candles 49.8 h and
  // freight "soaked on paper" for two days before the images existed. The same market data (the same payload
  // ts, 50 h back) is added to a fresh redis-server three times, each time collected as the witness does
  // (its observer's heartbeats on a journal, its binding of the streams to them): in a burst with auto ids
  // (a replay: Redis's clock says seconds), in a burst with explicit ids 50 h apart (`XADD <ms>-0`: the ids
  // alone say 50 h, the witness saw them appear in seconds), and with the same explicit ids under a journal
  // that saw them appear over 50 h (the control: what a witness that watched a running stack journals).
  it("counts a replay of 50 h of old market data in a fresh Redis, with auto or explicit old ids, as seconds, not 50 h; the same ids seen appear over 50 h count", async () => {
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const images = liveImages(Object.fromEntries(APP_SERVICES.map((s) => [s, imageId])));
    const nowMs = Date.now();
    const last = Math.floor(nowMs / 60_000) * 60 - 60;
    const first = last - 50 * 3600;
    const symbols = ["BTCUSDT", "ETHUSDT"];
    // Payloads as candles and regime publish them: market time in ts (window start, seconds).
    const candles = Array.from({ length: (last - first) / 60 + 1 }, (_, i) => first + i * 60).flatMap((ts) => symbols.map((symbol) => ({ ts, fields: ["ts", String(ts), "symbol", symbol, "timeframe", "60s", "open", "1", "high", "1", "low", "1", "close", "1", "volume", "1", "trades", "3"] })));
    const signals = Array.from({ length: 10 }, (_, i) => first + i * 5 * 3600).map((ts, i) => ({ ts, fields: ["ts", String(ts), "symbol", "BTCUSDT", "timeframe", "60s", ...(i % 2 === 0 ? ["regime", "TREND", "adx", "31.000000", "atr", "1.200000"] : ["regime", "RANGE", "adx", "12.000000", "atr", "1.000000"])] }));
    const since = new Date(nowMs - 50 * 3_600_000 - 120_000);

    /** `watched`: heartbeats written for a witness that watched the fill happen (else the witness's own looks before and after it). */
    const collectFrom = async (fill: (redis: RedisAccess) => Promise<void>, watched?: (w: WitnessStreams) => void) => {
      const server = await startRedis();
      const redis = await directRedis(server.url, server.passwordFile);
      try {
        const startedMs = Date.now();
        const witness = witnessStreams(t, plan, redis);
        if (!watched) await witness.look();
        await fill(redis);
        if (watched) watched(witness);
        else await witness.look();
        const fx = makeFixture(new Date(), { images });
        // What the witness's collect runs, at once.
        const now = new Date();
        const r = await collectAsWitness({ plan, docker: t, redis, since, fx, now, witness });
        // r.artifacts: the records of paper-orders, observation-window, candles, regime, in that order.
        const files: Record<string, string> = Object.fromEntries(["stability.paper-orders", "stability.observation-window", "stability.candles", "stability.regime"].map((id, i) => [id, r.artifacts[i]!]));
        const windowOf = (id: string) => (JSON.parse(readFileSync(files[id]!, "utf8")) as Statement).predicate.window;
        const gate = runGate({ ...fx.gateRequest(), now });
        return { r, startedMs, windowOf, freight: gate.freight, item: (id: string) => gate.verdict.items.find((i) => i.id === id)! };
      } finally {
        await redis.close();
        await server.stop();
      }
    };

    // The replay: every candle and signal XADDed with an auto id, in a burst.
    const replay = await collectFrom(async (redis) => {
      for (let i = 0; i < candles.length; i += 500) await Promise.all(candles.slice(i, i + 500).map((c) => redis.call(["XADD", CANDLES, "*", ...c.fields])));
      for (const x of signals) await redis.call(["XADD", REGIME_STREAM, "*", ...x.fields]);
    });
    expect(replay.r.candles.symbols.map((x) => [x.symbol, x.ids.length])).toEqual(symbols.map((x) => [x, candles.length / 2]));
    expect(replay.r.regime.signals).toHaveLength(10);
    expect(replay.r.entries["stability.candles"].value).toBeLessThan(0.1);
    expect(replay.r.entries["stability.regime"].value).toBeLessThan(0.1);
    // Flagged for a reader (diagnostics, not the value): nearly every candle's market time is hours from its id.
    expect(replay.r.candles.marketTimeApart).toBeGreaterThan(candles.length - 2 * 62);
    expect(replay.item("stability.candles")).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
    expect(replay.item("stability.regime")).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
    // Every record's window starts at the first observation, never at --since 50 h back: the fresh Redis
    // for the streams and orders, the doubles' start on Docker's clock for the observation window (which
    // --since does not move: its hours are since the containers started, minutes ago).
    const doublesStarted = Math.min(...(await Promise.all(plan.containers.map(async (c) => Date.parse((await t.docker.getContainer(c.name).inspect()).State.StartedAt)))));
    for (const id of ["stability.candles", "stability.regime", "stability.paper-orders"]) expect(Date.parse(replay.windowOf(id).from), id).toBeGreaterThanOrEqual(replay.startedMs - 1_000);
    expect(Date.parse(replay.windowOf("stability.observation-window").from)).toBeGreaterThanOrEqual(doublesStarted);
    expect(replay.r.window.hours).toBeLessThan(1);
    // So what a promotion prints ("soaked on paper <from> to <to>") is the minutes paper ran, not 50 h.
    const soakedFrom = replay.freight.flatMap((f) => f.windows.map((w) => Date.parse(w.from)));
    expect(soakedFrom.length).toBeGreaterThan(0);
    expect(Math.min(...soakedFrom)).toBeGreaterThanOrEqual(doublesStarted);
    expect(replay.item("stability.observation-window")).toMatchObject({ status: "failed" });

    // The same payloads, each XADDed with an explicit id: the id Redis's clock would have given it had a
    // running stack published it (a candle at its close, a signal at its market time). XADD takes any id above
    // the stream's last, so a fresh stream takes 50 h of them in a second.
    const byId = [...candles.map((c) => ({ ms: (c.ts + 60) * 1000 - 5_000, fields: c.fields })), ...signals.map((x) => ({ ms: x.ts * 1000 + 30_000, fields: x.fields, regime: true }))].sort((a, b) => a.ms - b.ms);
    const idOf = new Map<(typeof byId)[number], string>();
    const seq = new Map<number, number>();
    for (const x of byId) {
      const n = seq.get(x.ms) ?? 0;
      seq.set(x.ms, n + 1);
      idOf.set(x, `${x.ms}-${n}`);
    }
    const explicitIds = async (redis: RedisAccess) => {
      for (let i = 0; i < byId.length; i += 500) await Promise.all(byId.slice(i, i + 500).map((x) => redis.call(["XADD", "regime" in x ? REGIME_STREAM : CANDLES, idOf.get(x)!, ...x.fields])));
    };
    const hoursOfIds = (c: { candles: CandleFigures; regime: RegimeFigures }) => ({
      candles: Math.min(...candleRuns(c.candles, Date.parse(c.candles.collectedAt)).map((x) => x.hours)),
      regime: regimeHours(c.regime, Date.parse(c.regime.collectedAt)),
    });

    // The attack: explicit old ids into the fresh Redis. The ids alone span 50 h; the witness saw none appear.
    const attack = await collectFrom(explicitIds);
    expect(attack.r.candles.symbols.map((x) => [x.symbol, x.ids.length])).toEqual(symbols.map((x) => [x, candles.length / 2]));
    expect(hoursOfIds(attack.r)).toEqual({ candles: expect.toBeOneOf([49.9, 50]), regime: expect.toBeOneOf([49.9, 50]) });
    expect(attack.r.candles.marketTimeApart).toBe(0); // the market times fit the ids: nothing but the journal tells
    expect(attack.r.entries["stability.candles"].value).toBeLessThan(0.1);
    expect(attack.r.entries["stability.regime"].value).toBeLessThan(0.1);
    expect(attack.r.seenCandles!.uncounted).toBeGreaterThanOrEqual(candles.length - 2);
    expect(attack.r.seenRegime!.uncounted).toBe(signals.length);
    // No candle counts, so none is recent: the record fails by its own rule, for each symbol.
    expect(attack.item("stability.candles")).toMatchObject({ status: "failed", reason: expect.stringMatching(/-candles\.json: outcome failed \(BTCUSDT: no candle in the last two intervals before .*; ETHUSDT: no candle in the last two intervals before /) });
    expect(attack.item("stability.regime")).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
    for (const id of ["stability.candles", "stability.regime"]) expect(Date.parse(attack.windowOf(id).from), id).toBeGreaterThanOrEqual(attack.startedMs);

    // The control, which fails if the binding refuses what a witness did see: the same explicit ids, under a
    // journal of heartbeats every 4 min over the 50 h, each with the last id the stream held then (a STAND-IN
    // for a witness that watched a running stack publish them; no test waits 50 h).
    const control = await collectFrom(explicitIds, (w) => {
      const end = Date.now();
      let i = 0;
      const last: Record<string, string | undefined> = {};
      const count: Record<string, number> = { [CANDLES]: 0, [REGIME_STREAM]: 0 };
      for (let at = since.getTime(); ; at = Math.min(at + 4 * 60_000, end)) {
        for (; i < byId.length && byId[i]!.ms <= at; i++) {
          const stream = "regime" in byId[i]! ? REGIME_STREAM : CANDLES;
          last[stream] = idOf.get(byId[i]!);
          count[stream]!++;
        }
        w.heartbeat(at, Object.fromEntries([CANDLES, REGIME_STREAM].map((s) => [s, { length: count[s]!, ...(last[s] ? { lastId: last[s] } : {}) }])));
        if (at === end) break;
      }
    });
    expect(control.r.seenCandles!.uncounted).toBe(0);
    expect(control.r.entries["stability.candles"].value).toBeGreaterThanOrEqual(49.9);
    expect(control.r.entries["stability.regime"].value).toBeGreaterThanOrEqual(49.9);
    expect(control.item("stability.candles")).toMatchObject({ status: "satisfied" });
    expect(control.item("stability.regime")).toMatchObject({ status: "satisfied" });
  }, 240_000);

  it("writes records that do not count for a live stack pinning other images than paper ran", async () => {
    const redis = containerRedis(t, name("redis"));
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5));
    await redisScript(t, name("redis"), `for i in $(seq 1 110); do redis-cli XADD ${ORDER_RESULTS} '*' order_id MOCK_o$i status FILLED >/dev/null || exit 1; done`);
    const fx = makeFixture(); // live pins registry.example/… images: not what the doubles run
    const now = new Date(Date.now() + 49 * 3_600_000);
    await collectAsWitness({ plan, docker: t, redis, since, fx, now });
    const gate = runGate({ ...fx.gateRequest(), now });
    for (const id of ["stability.paper-orders", "stability.observation-window"]) {
      expect(gate.verdict.items.find((i) => i.id === id)).toMatchObject({ status: "failed", reason: expect.stringMatching(/^not the soaked freight: .*execution: live pins sha256:/) });
    }
  }, 180_000);
});
