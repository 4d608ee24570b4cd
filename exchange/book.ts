import type { Scenario } from "./scenario";

// What the simulated exchange accepted: balances, orders, every order attempt
// and the request rate. This is the truth a rehearsal compares execution's
// reports with. Amounts are JS numbers rounded to 8 decimals: a simulator of
// order handling, not an accounting engine.

export type OrderStatus = "NEW" | "FILLED" | "PARTIALLY_FILLED" | "CANCELED" | "PARTIALLY_CANCELED";

export interface SimOrder {
  symbol: string;
  orderId: string;
  clientOrderId: string | null;
  side: "BUY" | "SELL";
  type: "MARKET" | "LIMIT";
  price: number;
  origQty: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  origQuoteOrderQty: number;
  status: OrderStatus;
  time: number;
  updateTime: number;
  /** The attempt (nth POST /api/v3/order) that created it. */
  attempt: number;
  /** The key that placed it. */
  apiKey: string;
  /** When the response was written, or whether the client went away first. */
  answered?: "sent" | "client-gone";
}

/** One POST /api/v3/order that passed key and signature checks, and what became of it. */
export interface Attempt {
  nth: number;
  at: number;
  symbol?: string;
  side?: string;
  quantity?: string;
  clientOrderId?: string;
  outcome: "accepted" | "rejected" | "server-error";
  code?: number;
  orderId?: string;
}

/**
 * A POST /api/v3/order the simulator refused before it was an attempt (key,
 * signature, timestamp): what the client sent and why it was refused, so a
 * rehearsal can say why an order was lost. `signature`: for 700002, the string
 * MEXC checks (the query as sent, without `signature`) and the same parameters
 * sorted, and whether the client's signature is over the sorted string.
 */
export interface Refusal {
  at: number;
  code: number;
  message: string;
  symbol?: string;
  side?: string;
  quantity?: string;
  clientOrderId?: string;
  signature?: { sent: string; sorted: string; signedSorted: boolean };
}

export interface Truth {
  scenario: string;
  orders: SimOrder[];
  attempts: Attempt[];
  /** Orders refused before they were attempts (key, signature, timestamp). */
  refusals: Refusal[];
  /** total and byRoute count the requests the simulator received; peakPerMinute is its sliding window's highest count, usedAtStart included. */
  requests: { total: number; rateLimited: number; peakPerMinute: number; limitPerMinute: number; usedAtStart: number; byRoute: Record<string, number> };
  balances: Record<string, { free: string; locked: string }>;
}

export const fmt = (n: number): string => {
  const s = n.toFixed(8).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
};
const round = (n: number) => Math.round(n * 1e8) / 1e8;

export class OrderBook {
  readonly orders = new Map<string, SimOrder>();
  readonly attempts: Attempt[] = [];
  readonly refusals: Refusal[] = [];
  private free = new Map<string, number>();
  private locked = new Map<string, number>();
  private seq = 0;
  private requestTimes: number[] = [];
  requests = { total: 0, rateLimited: 0, peakPerMinute: 0, usedAtStart: 0 };
  private byRoute: Record<string, number> = {};

  constructor(readonly scenario: Scenario, start: number = Date.now()) {
    for (const [asset, amount] of Object.entries(scenario.balances)) this.free.set(asset, Number(amount));
    // The scripted use of the minute before the rehearsal: it leaves the window 60 s after `start`.
    const used = scenario.rateLimit.usedAtStart ?? 0;
    this.requestTimes = Array.from({ length: used }, () => start);
    this.requests.usedAtStart = used;
    this.requests.peakPerMinute = used;
  }

  /** Counts a request against the sliding one-minute window; false when it is over the limit. */
  admit(now: number, route: string): boolean {
    this.requests.total++;
    this.byRoute[route] = (this.byRoute[route] ?? 0) + 1;
    while (this.requestTimes.length > 0 && this.requestTimes[0]! <= now - 60_000) this.requestTimes.shift();
    this.requestTimes.push(now);
    this.requests.peakPerMinute = Math.max(this.requests.peakPerMinute, this.requestTimes.length);
    if (this.requestTimes.length > this.scenario.rateLimit.perMinute) {
      this.requests.rateLimited++;
      return false;
    }
    return true;
  }

  nextAttempt(): number {
    return this.attempts.length + 1;
  }

  record(a: Attempt): void {
    this.attempts.push(a);
  }

  /** A refused order request: kept apart from the attempts, so scripted faults still count attempts only. */
  refuse(r: Refusal): void {
    this.refusals.push(r);
  }

  balance(asset: string): { free: number; locked: number } {
    return { free: this.free.get(asset) ?? 0, locked: this.locked.get(asset) ?? 0 };
  }

  private move(asset: string, d: { free?: number; locked?: number }) {
    if (d.free) this.free.set(asset, round((this.free.get(asset) ?? 0) + d.free));
    if (d.locked) this.locked.set(asset, round((this.locked.get(asset) ?? 0) + d.locked));
  }

  price(symbol: string): number | undefined {
    const p = this.scenario.prices[symbol];
    return p === undefined ? undefined : Number(p);
  }

  /**
   * Places an order; returns it, or "insufficient" when the balance does not
   * cover it. `fill` is the fraction that executes now (1 unless scripted).
   */
  place(o: { symbol: string; side: "BUY" | "SELL"; type: "MARKET" | "LIMIT"; quantity?: number; quoteQty?: number; price?: number; clientOrderId?: string; apiKey: string; attempt: number; fill: number; now: number }): SimOrder | "insufficient" {
    const ticker = this.price(o.symbol)!;
    const base = o.symbol.slice(0, -"USDT".length);
    const marketable = o.type === "MARKET" || (o.side === "BUY" ? o.price! >= ticker : o.price! <= ticker);
    const execPrice = o.type === "MARKET" ? ticker : marketable ? ticker : o.price!;
    const qty = round(o.quantity ?? o.quoteQty! / ticker);
    const orderPrice = o.type === "LIMIT" ? o.price! : ticker;
    // Funds the whole order needs, at its limit price (LIMIT) or the ticker (MARKET).
    const need = o.side === "BUY" ? round(qty * orderPrice) : qty;
    const asset = o.side === "BUY" ? "USDT" : base;
    if (this.balance(asset).free < need) return "insufficient";
    const filled = marketable ? round(qty * o.fill) : 0;
    const quote = round(filled * execPrice);
    const status: OrderStatus = filled >= qty ? "FILLED" : o.type === "MARKET" ? (filled > 0 ? "PARTIALLY_CANCELED" : "CANCELED") : filled > 0 ? "PARTIALLY_FILLED" : "NEW";
    // Settle the filled part; lock what stays open on the book.
    const open = o.type === "LIMIT" && status !== "FILLED" ? round(qty - filled) : 0;
    if (o.side === "BUY") {
      this.move("USDT", { free: -round(quote + open * orderPrice), locked: round(open * orderPrice) });
      this.move(base, { free: filled });
    } else {
      this.move(base, { free: -round(filled + open), locked: open });
      this.move("USDT", { free: quote });
    }
    this.seq++;
    const order: SimOrder = {
      symbol: o.symbol,
      orderId: `C02__${String(700_000_000_000_000 + this.seq)}`,
      clientOrderId: o.clientOrderId ?? null,
      side: o.side,
      type: o.type,
      price: orderPrice,
      origQty: qty,
      executedQty: filled,
      cummulativeQuoteQty: quote,
      origQuoteOrderQty: o.quoteQty ?? 0,
      status,
      time: o.now,
      updateTime: o.now,
      attempt: o.attempt,
      apiKey: o.apiKey,
    };
    this.orders.set(order.orderId, order);
    return order;
  }

  cancel(order: SimOrder, now: number): void {
    const open = round(order.origQty - order.executedQty);
    const base = order.symbol.slice(0, -"USDT".length);
    if (order.side === "BUY") this.move("USDT", { free: round(open * order.price), locked: -round(open * order.price) });
    else this.move(base, { free: open, locked: -open });
    order.status = order.executedQty > 0 ? "PARTIALLY_CANCELED" : "CANCELED";
    order.updateTime = now;
  }

  find(q: { orderId?: string; origClientOrderId?: string; symbol: string }): SimOrder | undefined {
    for (const o of this.orders.values()) {
      if (o.symbol !== q.symbol) continue;
      if (q.orderId !== undefined && o.orderId === q.orderId) return o;
      if (q.orderId === undefined && q.origClientOrderId !== undefined && o.clientOrderId === q.origClientOrderId) return o;
    }
    return undefined;
  }

  assets(): string[] {
    return [...new Set([...this.free.keys(), ...this.locked.keys()])].sort();
  }

  truth(): Truth {
    return {
      scenario: this.scenario.name,
      orders: [...this.orders.values()],
      attempts: [...this.attempts],
      refusals: [...this.refusals],
      requests: { ...this.requests, limitPerMinute: this.scenario.rateLimit.perMinute, byRoute: { ...this.byRoute } },
      balances: Object.fromEntries(this.assets().map((a) => [a, { free: fmt(this.balance(a).free), locked: fmt(this.balance(a).locked) }])),
    };
  }
}
