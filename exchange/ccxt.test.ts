import ccxt from "ccxt";
import { afterEach, describe, expect, it } from "vitest";
import { parseKeys } from "./keys";
import { DEFAULT_SCENARIO, parseScenario } from "./scenario";
import { startSimulator, type Simulator } from "./server";

// ccxt, unchanged (only its URLs point at the simulator), against the
// simulator: its signed requests are accepted, its order shapes parsed, and
// MEXC's errors become ccxt's own exception classes. This is what lets
// `cdb exchange check` trust the simulator as a stand-in for MEXC.

const keys = parseKeys("ccxt-key ccxt-secret\n", "keys");
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function client(scenario?: Record<string, unknown>, o: { secret?: string; timeout?: number; enableRateLimit?: boolean } = {}) {
  sim = await startSimulator({ keys, scenario: scenario ? parseScenario(scenario, "test") : DEFAULT_SCENARIO, port: 0 });
  return new ccxt.mexc({
    apiKey: "ccxt-key",
    secret: o.secret ?? "ccxt-secret",
    timeout: o.timeout ?? 10_000,
    // ccxt's own pacing (cost × 50 ms) only slows these few requests; the simulator enforces the limit.
    enableRateLimit: o.enableRateLimit ?? false,
    urls: {
      api: {
        spot: { public: sim.url, private: sim.url },
        contract: { public: `${sim.url}/api/v1/contract`, private: `${sim.url}/api/v1/private` },
      },
    },
  });
}

describe("ccxt against the simulator", { timeout: 60_000 }, () => {
  it("loads markets, reads the balance, places, reads, lists and cancels orders", async () => {
    const ex = await client();
    const markets = await ex.loadMarkets();
    expect(markets["BTC/USDT"]).toMatchObject({ id: "BTCUSDT", base: "BTC", quote: "USDT", spot: true, active: true });
    const bal = await ex.fetchBalance();
    expect(bal.USDT).toMatchObject({ free: 1000, used: 0, total: 1000 });

    // A market buy: ccxt sends quoteOrderQty = amount × price.
    const m = await ex.createOrder("BTC/USDT", "market", "buy", 0.001, 50_000);
    expect(m.id).toMatch(/^C02__/);
    const filled = await ex.fetchOrder(m.id!, "BTC/USDT");
    expect(filled).toMatchObject({ id: m.id, status: "closed", filled: 0.001, remaining: 0, cost: 50, side: "buy", type: "market" });

    const l = await ex.createOrder("BTC/USDT", "limit", "buy", 0.01, 40_000);
    const open = await ex.fetchOpenOrders("BTC/USDT");
    expect(open.map((o) => [o.id, o.status, o.price, o.amount])).toEqual([[l.id, "open", 40_000, 0.01]]);
    const cancelled = await ex.cancelOrder(l.id!, "BTC/USDT");
    expect(cancelled).toMatchObject({ id: l.id, status: "canceled" });
    expect((await ex.fetchBalance()).USDT).toMatchObject({ free: 950, used: 0 });
    // The simulator's truth agrees with what ccxt saw.
    expect(sim!.truth().orders.map((o) => [o.orderId, o.status])).toEqual([
      [m.id, "FILLED"],
      [l.id, "CANCELED"],
    ]);
  });

  it("sends a test order through POST /api/v3/order/test without trading", async () => {
    const ex = await client();
    await ex.loadMarkets();
    const r = (await ex.spotPrivatePostOrderTest({ symbol: "BTCUSDT", side: "BUY", type: "LIMIT", quantity: "0.001", price: "40000" })) as unknown;
    expect(r).toEqual({});
    expect(sim!.truth().orders).toEqual([]);
  });

  it("a wrong secret is AuthenticationError (700002)", async () => {
    const ex = await client(undefined, { secret: "not-the-secret" });
    await expect(ex.fetchBalance()).rejects.toThrow(ccxt.AuthenticationError);
    await expect(ex.fetchBalance()).rejects.toThrow(/700002/);
  });

  it("too little balance is InsufficientFunds (30004), and nothing is booked", async () => {
    const ex = await client({ name: "poor", balances: { USDT: "10" } });
    await ex.loadMarkets();
    await expect(ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000)).rejects.toThrow(ccxt.InsufficientFunds);
    expect(sim!.truth().orders).toEqual([]);
  });

  it("past the rate limit it is RateLimitExceeded (429)", async () => {
    const ex = await client({ name: "tight", rateLimit: { perMinute: 3 } }, { enableRateLimit: false });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => ex.fetchTicker("BTC/USDT").catch((e: unknown) => Promise.reject(e))));
    // loadMarkets (exchangeInfo, contract detail) and the first tickers use up the three.
    const reasons = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
    expect(reasons.length).toBeGreaterThan(0);
    for (const e of reasons) expect(e).toBeInstanceOf(ccxt.RateLimitExceeded);
    expect(sim!.truth().requests.rateLimited).toBeGreaterThan(0);
  });

  it("a scripted 503 is ExchangeNotAvailable; a rejected signature on an order is AuthenticationError", async () => {
    const ex = await client({ name: "faults", orders: [{ nth: [1], status: 503 }, { nth: [2], reject: "signature" }] });
    await ex.loadMarkets();
    await expect(ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000)).rejects.toThrow(ccxt.ExchangeNotAvailable);
    await expect(ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000)).rejects.toThrow(ccxt.AuthenticationError);
    const ok = await ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000);
    expect(sim!.truth().orders.map((o) => o.orderId)).toEqual([ok.id]);
  });

  it("an answer delayed past ccxt's time-out is RequestTimeout, while the exchange filled the order", async () => {
    const ex = await client({ name: "slow", orders: [{ nth: [1], delayMs: 2_000 }] }, { timeout: 500 });
    await ex.loadMarkets();
    await expect(ex.createOrder("BTC/USDT", "limit", "buy", 0.001, 50_000)).rejects.toThrow(ccxt.RequestTimeout);
    expect(sim!.truth().orders).toMatchObject([{ status: "FILLED", executedQty: 0.001 }]);
  });
});
