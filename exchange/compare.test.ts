import { describe, expect, it } from "vitest";
import type { SimOrder, Truth } from "./book";
import { compare, upstreamChanges } from "./compare";

// The comparison of execution's reports with the exchange's book, on hand-made
// truths: each kind of disagreement is found, and agreement is not flagged.

const order = (qty: number, executed = qty, status: SimOrder["status"] = "FILLED", id = `C02__${qty}`): SimOrder => ({
  symbol: "BTCUSDT", orderId: id, clientOrderId: null, side: "BUY", type: "MARKET", price: 50_000, origQty: qty, executedQty: executed,
  cummulativeQuoteQty: executed * 50_000, origQuoteOrderQty: 0, status, time: 0, updateTime: 0, attempt: 1, apiKey: "k",
});
const truth = (orders: SimOrder[], attempts: Truth["attempts"] = orders.map((o, i) => ({ nth: i + 1, at: 0, quantity: String(o.origQty), outcome: "accepted" as const, orderId: o.orderId })), rateLimited = 0): Truth => ({
  scenario: "t", orders, attempts, refusals: [], balances: {}, requests: { total: attempts.length + rateLimited, rateLimited, peakPerMinute: attempts.length + rateLimited, limitPerMinute: 600, usedAtStart: 0, byRoute: {} },
});
const sent = [{ clientId: "a", quantity: 0.001 }, { clientId: "b", quantity: 0.001001 }];

describe("compare", () => {
  it("finds no mismatch when every report matches the book", () => {
    const r = compare(sent, [{ client_id: "a", status: "FILLED", filled_quantity: "0.001", order_id: "C02__0.001" }, { client_id: "b", status: "FILLED", filled_quantity: "0.001001" }], truth([order(0.001), order(0.001001)]), true);
    expect(r.mismatches).toEqual([]);
    expect(r.figures).toMatchObject({ sent: 2, accepted: 2, filledOnExchange: 2, statusMismatches: 0, lost: 0, reported: { FILLED: 2 } });
  });

  it("flags a fill reported as ERROR (no status in MEXC's answer) and names the parser upstream", () => {
    const r = compare(sent.slice(0, 1), [{ client_id: "a", status: "ERROR", filled_quantity: "0", order_id: "C02__0.001" }], truth([order(0.001)]), true);
    expect(r.mismatches.map((m) => m.kind)).toEqual(["exchange-filled-reported-failed"]);
    expect(r.figures.filledButReportedFailed).toBe(1);
    expect(upstreamChanges(r.mismatches, r.lostWith, 0).join("\n")).toMatch(/_parse_mexc_response/);
  });

  it("flags a partial fill reported as filled in full, a fill not on the book, a missing report and two orders for one", () => {
    const two = [{ clientId: "a", quantity: 0.001 }, { clientId: "b", quantity: 0.001001 }, { clientId: "c", quantity: 0.001002 }, { clientId: "d", quantity: 0.001003 }];
    const r = compare(
      two,
      [
        { client_id: "a", status: "FILLED", filled_quantity: "0.001" },
        { client_id: "b", status: "FILLED", filled_quantity: "0.001001" },
        { client_id: "d", status: "FILLED", filled_quantity: "0.001003" },
      ],
      truth([order(0.001, 0.0005, "PARTIALLY_CANCELED"), order(0.001002), order(0.001003, 0.001003, "FILLED", "x1"), order(0.001003, 0.001003, "FILLED", "x2")]),
      true,
    );
    expect(r.mismatches.map((m) => [m.clientId, m.kind])).toEqual([
      ["a", "filled-quantity-differs"],
      ["b", "reported-filled-not-on-exchange"],
      ["c", "no-report"],
      ["d", "duplicate-order"],
      ["d", "filled-quantity-differs"],
    ]);
    expect(r.figures.duplicates).toBe(1);
  });

  it("counts an order refused with 5xx or 429 as lost when it had to reach the exchange, not when the scenario refuses on purpose", () => {
    const attempts = [{ nth: 1, at: 0, quantity: "0.001", outcome: "server-error" as const, code: 503 }];
    const reps = [{ client_id: "a", status: "REJECTED", order_id: "ERROR_a" }, { client_id: "b", status: "REJECTED", order_id: "ERROR_b" }];
    const must = compare(sent, reps, truth([], attempts, 1), true);
    expect(must.figures.lost).toBe(2);
    expect(must.mismatches).toEqual([]);
    const text = upstreamChanges(must.mismatches, must.lostWith, 1).join("\n");
    expect(text).toMatch(/retry 5xx/);
    expect(text).toMatch(/600 per minute/);
    expect(compare(sent, reps, truth([], attempts), false).figures.lost).toBe(0);
  });

  it("names the signing when orders were lost to 700002", () => {
    const attempts = [{ nth: 1, at: 0, quantity: "0.001", outcome: "rejected" as const, code: 700002 }];
    const r = compare(sent.slice(0, 1), [{ client_id: "a", status: "REJECTED", order_id: "ERROR_a" }], truth([], attempts), true);
    expect(upstreamChanges(r.mismatches, r.lostWith, 0).join("\n")).toMatch(/_sign_request/);
  });

  // Issue 25 item 2: every order of the real executor was lost with 700002 and the report said "lost 5" only.
  it("names the exchange's refusal of a lost order, and the signing bug when the signature is over the sorted parameters", () => {
    const refusal = { at: 0, code: 700002, message: "Signature for this request is not valid.", quantity: "0.001", signature: { sent: "symbol=BTCUSDT&side=BUY&quantity=0.001&timestamp=1", sorted: "quantity=0.001&side=BUY&symbol=BTCUSDT&timestamp=1", signedSorted: true } };
    const t = { ...truth([], []), refusals: [refusal] };
    const r = compare(sent.slice(0, 1), [{ client_id: "a", status: "ERROR" }], t, true);
    expect(r.figures.lost).toBe(1);
    expect(r.lostWith).toEqual({ "700002": 1 });
    expect(r.refusals).toEqual([refusal]);
    const up = upstreamChanges(r.mismatches, r.lostWith, 0, r.refusals).join("\n");
    expect(up).toContain('signs the parameters sorted ("quantity=0.001&side=BUY&symbol=BTCUSDT&timestamp=1") but sends them in another order ("symbol=BTCUSDT&side=BUY&quantity=0.001&timestamp=1")');
    // Without the refusal the same loss is "never sent", as before.
    expect(compare(sent.slice(0, 1), [{ client_id: "a", status: "ERROR" }], truth([], []), true).lostWith).toEqual({ "429-or-never-sent": 1 });
  });
});
