// cdb TEST DOUBLE of cdb_execution in LIVE mode. Not the real service.
// Limits, read from its name and here: one order per message on the pub/sub
// channel `orders`, processed one at a time; one POST /api/v3/order per order,
// NO retry, NO status query afterwards, a 10 s time-out per request: what
// services/execution/live_executor.py + core/clients/mexc.py do at 916a877.
// Its result parsing copies LiveExecutor._parse_mexc_response: a missing
// `status` is PENDING (reported ERROR), a missing `executedQty` is 0; any
// exception (time-out, HTTP error, 429) is a REJECTED result ERROR_<client_id>.
// Unlike the real client it signs the query exactly as it sends it (the real
// one signs the sorted parameters and sends them unsorted), it speaks Node's
// TLS trusting NODE_EXTRA_CA_CERTS (the real one: requests + REQUESTS_CA_BUNDLE),
// it writes nothing to PostgreSQL and knows no kill switch.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";

const secret = (name) => readFileSync(`/run/secrets/${name}`, "utf8").trim();
const BASE_URL = "https://api.mexc.com"; // hard-coded, as core/clients/mexc.py (MEXC_TESTNET=false)
const TIMEOUT_MS = 10_000; // requests' timeout=10
const STREAM_ORDER_RESULTS = process.env.STREAM_ORDER_RESULTS ?? "stream.fills";
const stats = { received: 0, filled: 0, rejected: 0 };
const started = Date.now();
const log = (level, msg) => process.stdout.write(`${new Date().toISOString()} ${level} ${msg}\n`);

// --- a minimal RESP client (the image has no node_modules) ---
function resp(host, port, password) {
  const sock = connect(port, host);
  let buf = Buffer.alloc(0);
  const waiting = [];
  let onPush;
  const encode = (args) => Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map((a) => { const b = Buffer.from(String(a)); return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n")]); })]);
  const parse = (b, i) => {
    const nl = b.indexOf("\r\n", i);
    if (nl < 0) return undefined;
    const t = String.fromCharCode(b[i]);
    const line = b.subarray(i + 1, nl).toString();
    if (t === "+" ) return [line, nl + 2];
    if (t === "-") return [new Error(line), nl + 2];
    if (t === ":") return [Number(line), nl + 2];
    if (t === "$") { const n = Number(line); if (n < 0) return [null, nl + 2]; if (b.length < nl + 2 + n + 2) return undefined; return [b.subarray(nl + 2, nl + 2 + n).toString(), nl + 2 + n + 2]; }
    if (t === "*") { const n = Number(line); const out = []; let j = nl + 2; for (let k = 0; k < n; k++) { const r = parse(b, j); if (!r) return undefined; out.push(r[0]); j = r[1]; } return [out, j]; }
    throw new Error(`RESP type ${t}`);
  };
  sock.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const r = parse(buf, 0);
      if (!r) break;
      buf = buf.subarray(r[1]);
      if (onPush && Array.isArray(r[0]) && r[0][0] === "message") onPush(r[0]);
      else { const w = waiting.shift(); if (w) (r[0] instanceof Error ? w.reject(r[0]) : w.resolve(r[0])); }
    }
  });
  sock.on("error", (e) => { log("ERROR", `redis: ${e.message}`); process.exit(1); });
  const call = (...args) => new Promise((resolve, reject) => { waiting.push({ resolve, reject }); sock.write(encode(args)); });
  const ready = call("AUTH", password);
  return { call, ready, onMessage: (f) => (onPush = f) };
}

// Python's str(float): exponent notation below 1e-4, as the real client sends the quantity.
const pyFloat = (x) => (x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential().replace(/e([+-])(\d)$/, "e$10$2") : String(x));

async function placeMarketOrder(key, sec, symbol, side, quantity) {
  const query = new URLSearchParams({ symbol, side: side.toUpperCase(), type: "MARKET", quantity: pyFloat(quantity), timestamp: String(Date.now()) }).toString();
  const signature = createHmac("sha256", sec).update(query).digest("hex");
  const r = await fetch(`${BASE_URL}/api/v3/order?${query}&signature=${signature}`, { method: "POST", headers: { "X-MEXC-APIKEY": key, "Content-Type": "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status} Client Error for url: /api/v3/order: ${text}`); // raise_for_status
  return JSON.parse(text);
}

const STATUS_MAP = { NEW: "PENDING", PARTIALLY_FILLED: "PARTIALLY_FILLED", FILLED: "FILLED", CANCELED: "CANCELLED", REJECTED: "REJECTED", EXPIRED: "REJECTED" };
const schemaStatus = (s) => (["FILLED", "REJECTED", "ERROR"].includes(s) ? s : s === "PARTIALLY_FILLED" ? "FILLED" : "ERROR");

async function main() {
  const key = secret("mexc_api_key");
  const sec = secret("mexc_api_secret");
  const host = process.env.REDIS_HOST ?? "cdb_redis";
  const port = Number(process.env.REDIS_PORT ?? "6379");
  const pw = secret("redis_password");
  const pub = resp(host, port, pw);
  const sub = resp(host, port, pw);
  await pub.ready;
  await sub.ready;
  log("INFO", "Trading config: DRY_RUN=false MOCK_TRADING=false");
  log("INFO", "Mode: LIVE");
  log("WARNING", "Live Executor in LIVE mode - REAL MONEY! (TEST DOUBLE execution-live-no-retry)");
  createServer((req, res) => {
    if (req.url === "/health") return res.end(JSON.stringify({ status: "ok", double: "execution-live-no-retry" }));
    if (req.url === "/metrics") {
      return res.end(
        `execution_orders_received_total ${stats.received}\nexecution_orders_filled_total ${stats.filled}\nexecution_orders_rejected_total ${stats.rejected}\nexecution_uptime_seconds ${Math.round((Date.now() - started) / 1000)}\n`,
      );
    }
    res.statusCode = 404;
    res.end();
  }).listen(Number(process.env.CDB_DOUBLE_PORT ?? "8003"), "0.0.0.0");

  const queue = [];
  let busy = false;
  const publish = async (result) => {
    const fields = Object.entries(result).filter(([, v]) => v !== null && v !== undefined).flatMap(([k, v]) => [k, String(v)]);
    if (result.filled_quantity !== undefined) fields.push("filled_size", String(result.filled_quantity));
    await pub.call("PUBLISH", "order_results", JSON.stringify(result));
    for (const s of new Set([STREAM_ORDER_RESULTS, "stream.order_results"])) await pub.call("XADD", s, "MAXLEN", "~", "10000", "*", ...fields);
  };
  const process1 = async (data) => {
    let order;
    try {
      order = JSON.parse(data);
      if (!["BUY", "SELL"].includes(String(order.side).toUpperCase())) throw new Error(`Unbekannte Order-Seite: ${order.side}`);
      order.quantity = Number(order.quantity);
    } catch (e) {
      log("ERROR", `Fehlerhafte Orderdaten: ${e.message}`);
      stats.rejected++;
      return;
    }
    if (order.type !== undefined && order.type !== null && order.type !== "order") return;
    stats.received++;
    const base = { type: "order_result", symbol: order.symbol, side: String(order.side).toUpperCase(), quantity: order.quantity, timestamp: Math.floor(Date.now() / 1000), strategy_id: order.strategy_id ?? null, bot_id: order.bot_id ?? null, client_id: order.client_id ?? null };
    let result;
    try {
      const r = await placeMarketOrder(key, sec, order.symbol, order.side, order.quantity);
      const status = STATUS_MAP[r.status] ?? "PENDING";
      result = { ...base, order_id: String(r.orderId), status: schemaStatus(status), filled_quantity: Number(r.executedQty ?? 0), ...(status === "FILLED" || status === "PARTIALLY_FILLED" ? { price: Number(r.price ?? 0) } : {}) };
    } catch (e) {
      log("ERROR", `Order execution failed: ${e.message}`);
      result = { ...base, order_id: `ERROR_${order.client_id ?? "UNKNOWN"}`, status: "REJECTED", filled_quantity: 0, error_message: String(e.message) };
    }
    if (result.status === "FILLED") stats.filled++;
    else stats.rejected++;
    await publish(result);
  };
  const drain = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) await process1(queue.shift());
    busy = false;
  };
  sub.onMessage((m) => {
    queue.push(m[2]);
    void drain();
  });
  await sub.call("SUBSCRIBE", "orders");
  log("INFO", "Starting message loop...");
}
main().catch((e) => {
  log("ERROR", e.stack ?? String(e));
  process.exit(1);
});
