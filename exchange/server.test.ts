import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { parseKeys } from "./keys";
import { DEFAULT_SCENARIO, parseScenario, type Scenario } from "./scenario";
import { startSimulator, type Simulator } from "./server";
import { sign } from "./signing";

// The simulator over real HTTP. Requests are signed here by hand (not with the
// simulator's own helper for the request side) so a wrong canonical form on
// either side shows.

const KEY = "sim-key";
const SECRET = "sim-secret";
const keys = parseKeys(`${KEY} ${SECRET}\nother-key other-secret\n`, "keys");
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const start = async (s: Partial<Record<string, unknown>> = {}) => {
  sim = await startSimulator({ keys, scenario: s.name ? parseScenario(s, "test") : DEFAULT_SCENARIO, port: 0 });
  return sim;
};

const hmac = (secret: string, s: string) => createHmac("sha256", secret).update(s).digest("hex");

async function signed(method: string, path: string, params: Record<string, string>, o: { key?: string; secret?: string; ts?: number; signOver?: (q: string) => string; signal?: AbortSignal } = {}) {
  const q = new URLSearchParams({ ...params, timestamp: String(o.ts ?? Date.now()) }).toString();
  const sig = hmac(o.secret ?? SECRET, o.signOver ? o.signOver(q) : q);
  const r = await fetch(`${sim!.url}${path}?${q}&signature=${sig}`, { method, headers: { "X-MEXC-APIKEY": o.key ?? KEY }, ...(o.signal ? { signal: o.signal } : {}) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}
const get = async (path: string) => {
  const r = await fetch(`${sim!.url}${path}`);
  return { status: r.status, body: (await r.json()) as unknown };
};

describe("public endpoints", () => {
  it("answers ping, time, exchangeInfo and ticker/price in MEXC's shapes", async () => {
    await start();
    expect(await get("/api/v3/ping")).toEqual({ status: 200, body: {} });
    const t = (await get("/api/v3/time")).body as { serverTime: number };
    expect(Math.abs(t.serverTime - Date.now())).toBeLessThan(5_000);
    const info = (await get("/api/v3/exchangeInfo?symbol=BTCUSDT")).body as { symbols: { symbol: string; status: string; baseAsset: string; quoteAsset: string }[] };
    expect(info.symbols).toHaveLength(1);
    expect(info.symbols[0]).toMatchObject({ symbol: "BTCUSDT", status: "1", baseAsset: "BTC", quoteAsset: "USDT" });
    expect((await get("/api/v3/ticker/price?symbol=BTCUSDT")).body).toEqual({ symbol: "BTCUSDT", price: "50000" });
    expect(await get("/api/v3/ticker/price?symbol=NOPEUSDT")).toEqual({ status: 400, body: { code: -1121, msg: "Invalid symbol." } });
    expect((await get("/api/v3/nothing")).status).toBe(404);
  });
});

describe("signing", () => {
  it("accepts a request signed over the query as sent, with the key's own secret", async () => {
    await start();
    const r = await signed("GET", "/api/v3/account", {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ canTrade: true, canWithdraw: false, accountType: "SPOT", permissions: ["SPOT"], balances: [{ asset: "USDT", free: "1000", locked: "0" }] });
    expect(sign(SECRET, "a=1")).toBe(hmac(SECRET, "a=1"));
  });

  it("refuses a wrong secret, another key's secret, a missing or unknown key, no signature", async () => {
    await start();
    expect((await signed("GET", "/api/v3/account", {}, { secret: "wrong" })).body).toEqual({ code: 700002, msg: "Signature for this request is not valid." });
    expect((await signed("GET", "/api/v3/account", {}, { secret: "other-secret" })).body.code).toBe(700002);
    expect((await signed("GET", "/api/v3/account", {}, { key: "nobody" })).body.code).toBe(700001);
    const noKey = await fetch(`${sim!.url}/api/v3/account?timestamp=${Date.now()}&signature=00`);
    expect(noKey.status).toBe(400);
    expect(await noKey.json()).toEqual({ code: 400, msg: "api key required" });
    const noSig = await fetch(`${sim!.url}/api/v3/account?timestamp=${Date.now()}`, { headers: { "X-MEXC-APIKEY": KEY } });
    expect(((await noSig.json()) as { code: number }).code).toBe(700004);
  });

  it("refuses parameters signed in another order than sent (the trading system signs sorted, sends as given)", async () => {
    await start();
    const sorted = (q: string) => q.split("&").sort().join("&");
    const r = await signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" }, { signOver: sorted });
    expect(r.body).toEqual({ code: 700002, msg: "Signature for this request is not valid." });
    expect(sim!.truth().orders).toHaveLength(0);
    // The book keeps the refusal apart from the attempts, with what was signed against what MEXC checks (issue 25 item 2).
    const [refusal] = sim!.truth().refusals;
    expect(sim!.truth().attempts).toEqual([]);
    expect(refusal).toMatchObject({ code: 700002, message: "Signature for this request is not valid.", symbol: "BTCUSDT", side: "BUY", quantity: "0.001", signature: { signedSorted: true } });
    expect(refusal!.signature!.sent).toMatch(/^symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0\.001&timestamp=\d+$/);
    expect(refusal!.signature!.sorted).toBe(sorted(refusal!.signature!.sent));
    expect(JSON.stringify(refusal)).not.toMatch(/signature=/);
    // A signature over neither ordering (another secret) is not called sorted.
    await signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.002" }, { secret: "not-the-secret" });
    expect(sim!.truth().refusals[1]).toMatchObject({ code: 700002, quantity: "0.002", signature: { signedSorted: false } });
    // Other routes refused for the same reason are no order refusals.
    await signed("GET", "/api/v3/account", {}, { signOver: sorted });
    expect(sim!.truth().refusals).toHaveLength(2);
  });

  it("refuses a tampered parameter, a stale timestamp and a recvWindow of 60000 or more", async () => {
    await start();
    const tampered = await signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" }, { signOver: (q) => q.replace("0.001", "0.0001") });
    expect(tampered.body.code).toBe(700002);
    expect((await signed("GET", "/api/v3/account", {}, { ts: Date.now() - 10_000 })).body).toEqual({ code: 700003, msg: "Timestamp for this request is outside of the recvWindow." });
    expect((await signed("GET", "/api/v3/account", { recvWindow: "20000" }, { ts: Date.now() - 10_000 })).status).toBe(200);
    expect((await signed("GET", "/api/v3/account", { recvWindow: "60001" })).body.code).toBe(700005);
    expect((await signed("GET", "/api/v3/account", {}, { ts: Date.now() + 5_000 })).body.code).toBe(700003);
  });
});

const order = (q: Record<string, string> = {}) => signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001", ...q });

describe("orders without a scenario", () => {
  it("fills a market order in full at the ticker price; the answer has no status; GET has it; balances move", async () => {
    await start();
    const r = await order();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["orderId", "orderListId", "origQty", "price", "side", "symbol", "transactTime", "type"]);
    expect(r.body).toMatchObject({ symbol: "BTCUSDT", orderListId: -1, origQty: "0.001", type: "MARKET", side: "BUY" });
    const got = await signed("GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: String(r.body.orderId) });
    expect(got.body).toMatchObject({ status: "FILLED", executedQty: "0.001", cummulativeQuoteQty: "50" });
    const acct = await signed("GET", "/api/v3/account", {});
    expect(acct.body.balances).toEqual([
      { asset: "BTC", free: "0.001", locked: "0" },
      { asset: "USDT", free: "950", locked: "0" },
    ]);
    expect(sim!.truth().attempts).toMatchObject([{ nth: 1, outcome: "accepted", orderId: r.body.orderId }]);
  });

  it("keeps a limit order below the ticker open, lists it, cancels it and unlocks its funds", async () => {
    await start();
    const r = await order({ type: "LIMIT", price: "40000", quantity: "0.01", timeInForce: "GTC" });
    const open = await signed("GET", "/api/v3/openOrders", { symbol: "BTCUSDT" });
    expect(open.body).toEqual([expect.objectContaining({ orderId: r.body.orderId, status: "NEW", price: "40000" })]);
    expect((await signed("GET", "/api/v3/account", {})).body.balances).toEqual([{ asset: "USDT", free: "600", locked: "400" }]);
    const c = await signed("DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: String(r.body.orderId) });
    expect(c.body).toMatchObject({ status: "CANCELED", orderId: r.body.orderId });
    expect((await signed("DELETE", "/api/v3/order", { symbol: "BTCUSDT", orderId: String(r.body.orderId) })).body.code).toBe(-2011);
    expect((await signed("GET", "/api/v3/account", {})).body.balances).toEqual([{ asset: "USDT", free: "1000", locked: "0" }]);
    expect((await signed("GET", "/api/v3/order", { symbol: "BTCUSDT", orderId: "C02__1" })).body).toEqual({ code: -2013, msg: "Order does not exist." });
  });

  it("refuses malformed quantities (Python's 1e-05), orders under 1 USDT, unknown types and too little balance", async () => {
    await start();
    expect((await order({ quantity: "1e-05" })).body.code).toBe(700004);
    expect((await order({ quantity: "0.00001" })).body.code).toBe(30002);
    expect((await order({ type: "STOP" })).body.code).toBe(30041);
    expect(await order({ quantity: "1" })).toEqual({ status: 400, body: { code: 30004, msg: "Insufficient position" } });
    expect(sim!.truth().orders).toHaveLength(0);
  });

  it("validates a test order without trading", async () => {
    await start();
    expect((await signed("POST", "/api/v3/order/test", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" })).body).toEqual({});
    expect((await signed("POST", "/api/v3/order/test", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" }, { secret: "x" })).body.code).toBe(700002);
    expect(sim!.truth().orders).toHaveLength(0);
    expect((await signed("GET", "/api/v3/account", {})).body.balances).toEqual([{ asset: "USDT", free: "1000", locked: "0" }]);
  });
});

describe("scripted faults", () => {
  const scenario = (orders: Scenario["orders"], extra: Record<string, unknown> = {}) => ({ name: "t", orders, ...extra });

  it("partially fills the scripted attempts, the rest in full", async () => {
    await start(scenario([{ nth: [2], fill: 0.5 }]));
    const a = await order();
    const b = await order({ quantity: "0.002" });
    const c = await order({ type: "LIMIT", price: "60000", quantity: "0.001" });
    const t = sim!.truth();
    expect(t.orders.map((o) => [o.orderId, o.status, o.executedQty])).toEqual([
      [a.body.orderId, "FILLED", 0.001],
      [b.body.orderId, "PARTIALLY_CANCELED", 0.001],
      [c.body.orderId, "FILLED", 0.001],
    ]);
  });

  it("accepts and fills an order, then answers after the client gave up: the book knows it was filled", async () => {
    await start(scenario([{ nth: [1], delayMs: 1_500 }]));
    const err = await signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001" }, { signal: AbortSignal.timeout(300) }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    expect(err).toBe("TimeoutError");
    // The order is on the book, filled, before any answer was written.
    expect(sim!.truth().orders).toMatchObject([{ status: "FILLED", executedQty: 0.001 }]);
    const deadline = Date.now() + 5_000;
    while (sim!.truth().orders[0]!.answered === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sim!.truth().orders[0]!.answered).toBe("client-gone");
  });

  it("answers 5xx without accepting, 700002 and 30004 when scripted", async () => {
    await start(scenario([{ nth: [1], status: 503 }, { nth: [2], reject: "signature" }, { nth: [3], reject: "insufficient-balance" }]));
    expect(await order()).toEqual({ status: 503, body: { code: 503, msg: "service not available, please try again" } });
    expect((await order()).body.code).toBe(700002);
    expect((await order()).body.code).toBe(30004);
    expect((await order()).status).toBe(200);
    const t = sim!.truth();
    expect(t.attempts.map((a) => a.outcome)).toEqual(["server-error", "rejected", "rejected", "accepted"]);
    expect(t.orders).toHaveLength(1);
  });

  it("answers 429 past the rate limit (600 a minute by default) and records the peak", async () => {
    await start();
    const codes: number[] = [];
    for (let i = 0; i < 605; i++) codes.push((await fetch(`${sim!.url}/api/v3/ping`)).status);
    expect(codes.slice(0, 600).every((c) => c === 200)).toBe(true);
    expect(codes.slice(600)).toEqual([429, 429, 429, 429, 429]);
    const r = await fetch(`${sim!.url}/api/v3/ping`);
    expect(await r.json()).toEqual({ code: 429, msg: "Too Many Requests" });
    expect(sim!.truth().requests).toMatchObject({ total: 606, rateLimited: 6, peakPerMinute: 606, limitPerMinute: 600 });
  });

  it("reports what the account says about the key, as scripted", async () => {
    await start({ name: "t", account: { canWithdraw: true, permissions: ["SPOT", "FUTURES"] }, balances: { USDT: "50" } });
    expect((await signed("GET", "/api/v3/account", {})).body).toMatchObject({ canWithdraw: true, permissions: ["SPOT", "FUTURES"], balances: [{ asset: "USDT", free: "50" }] });
  });
});

describe("admin routes", () => {
  it("serve the truth and load scenarios on the API port only when no admin port is set", async () => {
    await start();
    expect((await get("/_simulator/truth")).body).toMatchObject({ scenario: "default", orders: [] });
    const r = await fetch(`${sim!.url}/_simulator/scenario`, { method: "POST", body: JSON.stringify({ name: "loaded", balances: { USDT: "7" } }) });
    expect(await r.json()).toEqual({ scenario: "loaded" });
    expect((await signed("GET", "/api/v3/account", {})).body.balances).toEqual([{ asset: "USDT", free: "7", locked: "0" }]);
    const bad = await fetch(`${sim!.url}/_simulator/scenario`, { method: "POST", body: JSON.stringify({ name: "x", orders: [{ nth: [1], fill: 3 }] }) });
    expect(bad.status).toBe(400);
    expect(sim!.truth().scenario).toBe("loaded");
  });

  it("with an admin port, the API port does not serve them (the network cannot rewrite the truth)", async () => {
    sim = await startSimulator({ keys, scenario: DEFAULT_SCENARIO, port: 0, adminPort: 0 });
    expect((await get("/_simulator/truth")).status).toBe(404);
    expect((await fetch(`${sim.url}/_simulator/scenario`, { method: "POST", body: JSON.stringify({ name: "evil" }) })).status).toBe(404);
    expect(sim.truth().scenario).toBe("default");
    const admin = await fetch(`${sim.adminUrl}/_simulator/truth`);
    expect(((await admin.json()) as { scenario: string }).scenario).toBe("default");
    expect((await fetch(`${sim.adminUrl}/api/v3/ping`)).status).toBe(404);
  });
});
