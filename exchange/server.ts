import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { fmt, OrderBook, type Refusal, type SimOrder, type Truth } from "./book";
import type { KeyTable } from "./keys";
import { faultFor, parseScenario, type Scenario } from "./scenario";
import { signatureValid, splitSignature } from "./signing";

// The MEXC spot API v3 simulator: the endpoints the trading system and ccxt
// use, MEXC's signing and error bodies ({"code": n, "msg": "..."}), response
// shapes as MEXC documents them, and the faults a scenario scripts. Admin
// routes under /_simulator/ (no MEXC path starts with "/_") read the truth and
// load a scenario; on a separate admin port they are reachable from inside the
// container only.

export interface SimulatorOptions {
  keys: KeyTable;
  scenario: Scenario;
  port: number;
  host?: string;
  /** PEM certificate chain and key: serve HTTPS (as api.mexc.com) instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Admin routes on this port of 127.0.0.1 instead of the API port. */
  adminPort?: number;
  now?: () => number;
}

export interface Simulator {
  url: string;
  adminUrl: string;
  truth(): Truth;
  load(s: Scenario): void;
  close(): Promise<void>;
}

/** The documented floor of a spot order's value in USDT; smaller orders get 30002. */
export const MIN_ORDER_USDT = 1;
const MAX_RECV_WINDOW = 60_000;
const DEFAULT_RECV_WINDOW = 5_000;
const DECIMAL = /^\d+(\.\d+)?$/;

class ApiError extends Error {
  constructor(
    readonly http: number,
    readonly code: number,
    msg: string,
    /** For 700002: what was signed against what MEXC checks (book.ts Refusal). */
    readonly signature?: Refusal["signature"],
  ) {
    super(msg);
  }
}
const mandatory = (p: string) => new ApiError(400, 700004, `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`);

const SERVER_ERROR_MSG: Record<number, string> = { 500: "Internal error", 502: "Bad gateway", 503: "service not available, please try again", 504: "Gateway Time-out" };

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const orderView = (o: SimOrder) => ({
  symbol: o.symbol,
  orderId: o.orderId,
  orderListId: -1,
  clientOrderId: o.clientOrderId,
  price: fmt(o.price),
  origQty: fmt(o.origQty),
  executedQty: fmt(o.executedQty),
  cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
  status: o.status,
  timeInForce: o.type === "LIMIT" ? "GTC" : null,
  type: o.type,
  side: o.side,
  stopPrice: null,
  icebergQty: null,
  time: o.time,
  updateTime: o.updateTime,
  isWorking: true,
  origQuoteOrderQty: fmt(o.origQuoteOrderQty),
});

function symbolInfo(symbol: string) {
  const base = symbol.slice(0, -"USDT".length);
  return {
    symbol,
    status: "1",
    baseAsset: base,
    baseAssetPrecision: 6,
    quoteAsset: "USDT",
    quotePrecision: 2,
    quoteAssetPrecision: 2,
    baseCommissionPrecision: 6,
    quoteCommissionPrecision: 2,
    orderTypes: ["LIMIT", "MARKET"],
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    quoteAmountPrecision: String(MIN_ORDER_USDT),
    baseSizePrecision: "0.000001",
    permissions: ["SPOT"],
    filters: [],
    maxQuoteAmount: "2000000",
    makerCommission: "0",
    takerCommission: "0",
    quoteAmountPrecisionMarket: String(MIN_ORDER_USDT),
    maxQuoteAmountMarket: "100000",
    fullName: base,
    tradeSideType: 1,
  };
}

/** What a refused order request said about itself (never its signature), and why it was refused. */
function refusalOf(e: ApiError, rawQuery: string, body: string): Omit<Refusal, "at"> {
  const p = new URLSearchParams(`${rawQuery}&${body.trimStart().startsWith("{") ? "" : body}`);
  const field = (name: string) => (p.get(name) !== null ? { [name]: p.get(name)! } : {});
  const clientOrderId = p.get("newClientOrderId");
  return { code: e.code, message: e.message, ...field("symbol"), ...field("side"), ...field("quantity"), ...(clientOrderId !== null ? { clientOrderId } : {}), ...(e.signature ? { signature: e.signature } : {}) };
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const now = opts.now ?? Date.now;
  let book = new OrderBook(opts.scenario, now());
  const host = opts.host ?? "127.0.0.1";

  /** Key, timestamp and signature of a SIGNED request; its parameters. */
  function authenticate(req: IncomingMessage, rawQuery: string, body: string): { apiKey: string; params: URLSearchParams } {
    const apiKey = req.headers["x-mexc-apikey"];
    if (typeof apiKey !== "string" || apiKey === "") throw new ApiError(400, 400, "api key required");
    const secret = opts.keys.get(apiKey);
    if (secret === undefined) throw new ApiError(400, 700001, "API-key format invalid.");
    const { unsigned, signature } = splitSignature(rawQuery);
    const formBody = body !== "" && !body.trimStart().startsWith("{") ? body : "";
    const params = new URLSearchParams(unsigned + (formBody ? (unsigned ? "&" : "") + formBody : ""));
    let sig = signature;
    // MEXC checks the bytes it received; a client that signed the same parameters sorted is told apart, so a rehearsal can name that bug.
    const invalid = (sent: string, s: string) => {
      const sorted = sent.split("&").filter((x) => x !== "").sort().join("&");
      return new ApiError(400, 700002, "Signature for this request is not valid.", { sent, sorted, signedSorted: sorted !== sent && signatureValid(secret, sorted, s) });
    };
    if (sig === undefined && formBody) {
      const b = splitSignature(formBody);
      sig = b.signature;
      if (sig !== undefined) {
        params.delete("signature");
        if (!signatureValid(secret, unsigned + b.unsigned, sig)) throw invalid(unsigned + b.unsigned, sig);
      }
    } else if (sig !== undefined && !signatureValid(secret, unsigned + formBody, sig)) {
      throw invalid(unsigned + formBody, sig);
    }
    if (sig === undefined) throw mandatory("signature");
    const ts = params.get("timestamp");
    if (ts === null || !/^\d+$/.test(ts)) throw mandatory("timestamp");
    const rwText = params.get("recvWindow");
    if (rwText !== null && !/^\d+$/.test(rwText)) throw mandatory("recvWindow");
    const recvWindow = rwText === null ? DEFAULT_RECV_WINDOW : Number(rwText);
    if (recvWindow > MAX_RECV_WINDOW) throw new ApiError(400, 700005, "recvWindow must less than 60000");
    const t = Number(ts);
    const server = now();
    if (t >= server + 1000 || server - t > recvWindow) throw new ApiError(400, 700003, "Timestamp for this request is outside of the recvWindow.");
    return { apiKey, params };
  }

  function parseOrder(params: URLSearchParams) {
    const symbol = params.get("symbol");
    if (!symbol) throw mandatory("symbol");
    const ticker = book.price(symbol);
    if (ticker === undefined) throw new ApiError(400, -1121, "Invalid symbol.");
    const side = params.get("side");
    if (side !== "BUY" && side !== "SELL") throw mandatory("side");
    const type = params.get("type");
    if (!type) throw mandatory("type");
    if (type !== "MARKET" && type !== "LIMIT") throw new ApiError(400, 30041, "current order type can not place order");
    const num = (name: string) => {
      const v = params.get(name);
      if (v === null) return undefined;
      if (!DECIMAL.test(v) || Number(v) <= 0) throw mandatory(name);
      return Number(v);
    };
    const quantity = num("quantity");
    const quoteQty = num("quoteOrderQty");
    const price = num("price");
    if (type === "LIMIT" && (quantity === undefined || price === undefined)) throw mandatory(quantity === undefined ? "quantity" : "price");
    if (type === "MARKET" && quantity === undefined && quoteQty === undefined) throw mandatory("quantity");
    const value = quoteQty ?? quantity! * (price ?? ticker);
    if (value < MIN_ORDER_USDT) throw new ApiError(400, 30002, `The minimum transaction volume cannot be less than:${MIN_ORDER_USDT}USDT`);
    const clientOrderId = params.get("newClientOrderId") ?? undefined;
    return { symbol, side, type, quantity, quoteQty, price, clientOrderId } as const;
  }

  async function placeOrder(apiKey: string, params: URLSearchParams, res: ServerResponse): Promise<void> {
    const nth = book.nextAttempt();
    const o = parseOrder(params);
    const base = { nth, at: now(), symbol: o.symbol, side: o.side, ...(params.get("quantity") ? { quantity: params.get("quantity")! } : {}), ...(o.clientOrderId ? { clientOrderId: o.clientOrderId } : {}) };
    const fault = faultFor(book.scenario, nth);
    if (fault?.status) {
      book.record({ ...base, outcome: "server-error", code: fault.status });
      return send(res, fault.status, { code: fault.status, msg: SERVER_ERROR_MSG[fault.status] });
    }
    if (fault?.reject === "signature") {
      book.record({ ...base, outcome: "rejected", code: 700002 });
      throw new ApiError(400, 700002, "Signature for this request is not valid.");
    }
    const placed = fault?.reject === "insufficient-balance" ? "insufficient" : book.place({ ...o, apiKey, attempt: nth, fill: fault?.fill ?? 1, now: now() });
    if (placed === "insufficient") {
      book.record({ ...base, outcome: "rejected", code: 30004 });
      throw new ApiError(400, 30004, "Insufficient position");
    }
    book.record({ ...base, outcome: "accepted", orderId: placed.orderId });
    // MEXC's answer to a new order: no status, no executedQty (GET /api/v3/order has them).
    const answer = { symbol: placed.symbol, orderId: placed.orderId, orderListId: -1, price: fmt(placed.price), origQty: fmt(placed.origQty), type: placed.type, side: placed.side, transactTime: placed.time };
    if (fault?.delayMs) {
      const gone = new Promise<void>((r) => res.once("close", () => r()));
      const waited = await Promise.race([new Promise<"time">((r) => setTimeout(() => r("time"), fault.delayMs)), gone.then(() => "gone" as const)]);
      placed.answered = waited === "gone" || res.destroyed ? "client-gone" : "sent";
    } else placed.answered = "sent";
    send(res, 200, answer);
  }

  function lookup(params: URLSearchParams): SimOrder {
    const symbol = params.get("symbol");
    if (!symbol) throw mandatory("symbol");
    const orderId = params.get("orderId") ?? undefined;
    const origClientOrderId = params.get("origClientOrderId") ?? undefined;
    if (orderId === undefined && origClientOrderId === undefined) throw new ApiError(400, 700004, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    const o = book.find({ symbol, ...(orderId !== undefined ? { orderId } : {}), ...(origClientOrderId !== undefined ? { origClientOrderId } : {}) });
    if (!o) throw new ApiError(400, -2013, "Order does not exist.");
    return o;
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, rawQuery: string): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    const body = await readBody(req);
    if (!book.admit(now(), route)) return send(res, 429, { code: 429, msg: "Too Many Requests" });
    const q = url.searchParams;
    switch (route) {
      case "GET /api/v3/ping":
        return send(res, 200, {});
      case "GET /api/v3/time":
        return send(res, 200, { serverTime: now() });
      case "GET /api/v3/exchangeInfo": {
        const wanted = q.get("symbol") ?? q.get("symbols");
        const symbols = Object.keys(book.scenario.prices).filter((s) => !wanted || wanted.split(",").includes(s));
        return send(res, 200, { timezone: "CST", serverTime: now(), rateLimits: [], exchangeFilters: [], symbols: symbols.map(symbolInfo) });
      }
      case "GET /api/v3/ticker/price": {
        const symbol = q.get("symbol");
        if (symbol) {
          const p = book.price(symbol);
          if (p === undefined) throw new ApiError(400, -1121, "Invalid symbol.");
          return send(res, 200, { symbol, price: fmt(p) });
        }
        return send(res, 200, Object.entries(book.scenario.prices).map(([symbol, price]) => ({ symbol, price })));
      }
      case "GET /api/v1/contract/detail":
        // MEXC's futures API: ccxt asks it while loading markets. No contracts are simulated.
        return send(res, 200, { success: true, code: 0, data: [] });
    }
    const signed: Record<string, true> = {
      "GET /api/v3/account": true,
      "POST /api/v3/order": true,
      "POST /api/v3/order/test": true,
      "GET /api/v3/order": true,
      "DELETE /api/v3/order": true,
      "GET /api/v3/openOrders": true,
      "GET /api/v3/capital/config/getall": true,
    };
    if (!signed[route]) return send(res, 404, { code: 404, msg: "Not Found" });
    let auth;
    try {
      auth = authenticate(req, rawQuery, body);
    } catch (e) {
      // An order refused before it was an attempt: kept in the book, so the rehearsal knows why it was lost.
      if (route === "POST /api/v3/order" && e instanceof ApiError) book.refuse({ at: now(), ...refusalOf(e, rawQuery, body) });
      throw e;
    }
    const { apiKey, params } = auth;
    const acct = book.scenario.account;
    switch (route) {
      case "GET /api/v3/account":
        return send(res, 200, {
          makerCommission: null,
          takerCommission: null,
          buyerCommission: null,
          sellerCommission: null,
          canTrade: acct.canTrade,
          canWithdraw: acct.canWithdraw,
          canDeposit: acct.canDeposit,
          updateTime: null,
          accountType: "SPOT",
          balances: book.assets().map((asset) => ({ asset, free: fmt(book.balance(asset).free), locked: fmt(book.balance(asset).locked) })),
          permissions: acct.permissions,
        });
      case "GET /api/v3/capital/config/getall":
        return send(res, 200, book.assets().map((coin) => ({ coin, name: coin, networkList: [] })));
      case "POST /api/v3/order/test":
        // Validates key, signature and parameters; trades nothing.
        parseOrder(params);
        if (!acct.canTrade) throw new ApiError(400, 700007, "No permission to access the endpoint.");
        return send(res, 200, {});
      case "POST /api/v3/order":
        if (!acct.canTrade) throw new ApiError(400, 700007, "No permission to access the endpoint.");
        return placeOrder(apiKey, params, res);
      case "GET /api/v3/order":
        return send(res, 200, orderView(lookup(params)));
      case "DELETE /api/v3/order": {
        const o = lookup(params);
        if (o.status !== "NEW" && o.status !== "PARTIALLY_FILLED") throw new ApiError(400, -2011, "Unknown order sent.");
        book.cancel(o, now());
        const v = orderView(o);
        return send(res, 200, { symbol: v.symbol, origClientOrderId: v.clientOrderId, orderId: v.orderId, clientOrderId: v.clientOrderId, price: v.price, origQty: v.origQty, executedQty: v.executedQty, cummulativeQuoteQty: v.cummulativeQuoteQty, status: v.status, timeInForce: v.timeInForce, type: v.type, side: v.side });
      }
      case "GET /api/v3/openOrders": {
        const symbol = params.get("symbol");
        return send(res, 200, book.truth().orders.filter((o) => (!symbol || o.symbol === symbol) && (o.status === "NEW" || o.status === "PARTIALLY_FILLED")).map(orderView));
      }
    }
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /_simulator/truth") return send(res, 200, book.truth());
    if (route === "POST /_simulator/scenario") {
      const text = await readBody(req);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return send(res, 400, { error: "body is not JSON" });
      }
      try {
        book = new OrderBook(parseScenario(value, "scenario"), now());
      } catch (e) {
        return send(res, 400, { error: (e as Error).message });
      }
      return send(res, 200, { scenario: book.scenario.name });
    }
    return send(res, 404, { error: "no such admin route" });
  }

  const handler = (withAdmin: boolean, withApi: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? "/";
    const qi = raw.indexOf("?");
    const rawQuery = qi < 0 ? "" : raw.slice(qi + 1);
    const url = new URL(raw, "http://simulator");
    const isAdmin = url.pathname.startsWith("/_simulator/");
    const work = isAdmin ? (withAdmin ? admin(req, res, url) : Promise.resolve(send(res, 404, { code: 404, msg: "Not Found" }))) : withApi ? api(req, res, url, rawQuery) : Promise.resolve(send(res, 404, { error: "admin port" }));
    work.catch((e: unknown) => {
      if (e instanceof ApiError) return send(res, e.http, { code: e.code, msg: e.message });
      send(res, 500, { code: 500, msg: "Internal error" });
    });
  };

  const inlineAdmin = opts.adminPort === undefined;
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler(inlineAdmin, true)) : createHttpServer(handler(inlineAdmin, true));
  const listen = (s: Server, port: number, h: string) =>
    new Promise<number>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, h, () => resolve((s.address() as AddressInfo).port));
    });
  const port = await listen(server, opts.port, host);
  let adminServer: Server | undefined;
  let adminPort = port;
  if (!inlineAdmin) {
    adminServer = createHttpServer(handler(true, false));
    adminPort = await listen(adminServer, opts.adminPort!, "127.0.0.1");
  }
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host;
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    url: `${opts.tls ? "https" : "http"}://${shown}:${port}`,
    adminUrl: `${inlineAdmin && opts.tls ? "https" : "http"}://127.0.0.1:${adminPort}`,
    truth: () => book.truth(),
    load: (s) => {
      book = new OrderBook(s, now());
    },
    close: async () => {
      await close(server);
      if (adminServer) await close(adminServer);
    },
  };
}
