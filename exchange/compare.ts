import type { Refusal, Truth } from "./book";
import type { RehearsalFigures } from "../readiness/exchangeRecordKinds";

// Execution's reports against the exchange's truth, order by order. Each
// rehearsal order has its own quantity (base + i × 0.000001), so the
// simulator's attempts and orders name the rehearsal order they belong to even
// though the trading system sends no client order id.

export interface SentOrder {
  clientId: string;
  quantity: number;
}

export interface Report {
  order_id?: string;
  status?: string;
  filled_quantity?: string;
  client_id?: string;
  error_message?: string;
}

export type MismatchKind =
  | "no-report"
  | "duplicate-report"
  | "duplicate-order"
  | "exchange-filled-reported-failed"
  | "open-on-exchange-reported-failed"
  | "reported-filled-not-on-exchange"
  | "filled-quantity-differs";

export interface Mismatch {
  clientId: string;
  kind: MismatchKind;
  exchange: { attempts: number; orders: { orderId: string; status: string; executedQty: number }[] };
  reported: { order_id?: string; status?: string; filled_quantity?: string; error_message?: string }[];
}

/** What compare() measures: the counting part of a rehearsal record's figures (one shape, in readiness/exchangeRecordKinds.ts). */
export type Figures = Pick<RehearsalFigures, "sent" | "attempts" | "accepted" | "filledOnExchange" | "fullyFilledOnExchange" | "retried" | "reported" | "statusMismatches" | "filledButReportedFailed" | "lost" | "duplicates" | "requestRate">;

const q6 = (n: number) => Math.round(n * 1e6);
const failed = (s: string | undefined) => s !== "FILLED";

export function compare(sent: SentOrder[], reports: Report[], truth: Truth, mustAccept: boolean): { figures: Figures; mismatches: Mismatch[]; lostWith: Record<string, number>; refusals: Refusal[] } {
  const mismatches: Mismatch[] = [];
  const reported: Record<string, number> = {};
  let accepted = 0;
  let filledOnExchange = 0;
  let fullyFilled = 0;
  let retried = 0;
  let filledButFailed = 0;
  let lost = 0;
  let duplicates = 0;
  const lostWith: Record<string, number> = {};
  // The refused requests of the lost orders (a simulator of an older build serves none).
  const lostRefusals: Refusal[] = [];
  for (const o of sent) {
    const attempts = truth.attempts.filter((a) => a.quantity !== undefined && q6(Number(a.quantity)) === q6(o.quantity));
    const refused = (truth.refusals ?? []).filter((a) => a.quantity !== undefined && q6(Number(a.quantity)) === q6(o.quantity));
    const orders = truth.orders.filter((x) => q6(x.origQty) === q6(o.quantity));
    const mine = reports.filter((r) => r.client_id === o.clientId);
    for (const r of mine) reported[r.status ?? "none"] = (reported[r.status ?? "none"] ?? 0) + 1;
    if (mine.length === 0) reported.missing = (reported.missing ?? 0) + 1;
    retried += Math.max(0, attempts.length - 1);
    if (orders.length > 0) accepted++;
    const executed = orders.reduce((s, x) => s + x.executedQty, 0);
    if (executed > 0) filledOnExchange++;
    if (orders.some((x) => x.status === "FILLED")) fullyFilled++;
    const mk = (kind: MismatchKind): Mismatch => ({
      clientId: o.clientId,
      kind,
      exchange: { attempts: attempts.length, orders: orders.map((x) => ({ orderId: x.orderId, status: x.status, executedQty: x.executedQty })) },
      reported: mine.map((r) => ({ ...(r.order_id ? { order_id: r.order_id } : {}), ...(r.status ? { status: r.status } : {}), ...(r.filled_quantity ? { filled_quantity: r.filled_quantity } : {}), ...(r.error_message ? { error_message: r.error_message } : {}) })),
    });
    if (orders.length > 1) {
      duplicates++;
      mismatches.push(mk("duplicate-order"));
    }
    if (mine.length === 0) {
      mismatches.push(mk("no-report"));
      if (executed > 0) filledButFailed++;
      continue;
    }
    if (mine.length > 1) mismatches.push(mk("duplicate-report"));
    const r = mine[mine.length - 1]!;
    if (failed(r.status)) {
      if (executed > 0) {
        filledButFailed++;
        mismatches.push(mk("exchange-filled-reported-failed"));
      } else if (orders.length > 0) mismatches.push(mk("open-on-exchange-reported-failed"));
      else if (mustAccept) {
        lost++;
        for (const a of attempts) lostWith[String(a.code ?? a.outcome)] = (lostWith[String(a.code ?? a.outcome)] ?? 0) + 1;
        // Refused before it was an attempt (a bad signature): the code says why, not "never sent".
        for (const a of refused) lostWith[String(a.code)] = (lostWith[String(a.code)] ?? 0) + 1;
        lostRefusals.push(...refused);
        if (attempts.length === 0 && refused.length === 0) lostWith["429-or-never-sent"] = (lostWith["429-or-never-sent"] ?? 0) + 1;
      }
    } else if (orders.length === 0) mismatches.push(mk("reported-filled-not-on-exchange"));
    else if (q6(Number(r.filled_quantity ?? 0)) !== q6(executed)) mismatches.push(mk("filled-quantity-differs"));
  }
  return {
    figures: {
      sent: sent.length,
      attempts: truth.attempts.length,
      accepted,
      filledOnExchange,
      fullyFilledOnExchange: fullyFilled,
      retried,
      reported,
      statusMismatches: mismatches.length,
      filledButReportedFailed: filledButFailed,
      lost,
      duplicates,
      requestRate: { peakPerMinute: truth.requests.peakPerMinute, limitPerMinute: truth.requests.limitPerMinute, rateLimited: truth.requests.rateLimited, total: truth.requests.total, usedAtStart: truth.requests.usedAtStart ?? 0 },
    },
    mismatches,
    lostWith,
    refusals: lostRefusals,
  };
}

/** What the trading system would have to change, from what went wrong. */
export function upstreamChanges(mismatches: Mismatch[], lostWith: Record<string, number>, rateLimited: number, refusals: readonly Refusal[] = []): string[] {
  const kinds = new Set(mismatches.map((m) => m.kind));
  const out: string[] = [];
  const parsedAsFailed = mismatches.some((m) => (m.kind === "exchange-filled-reported-failed" || m.kind === "filled-quantity-differs") && m.reported.some((r) => !(r.order_id ?? "").startsWith("ERROR_")));
  const erroredButFilled = mismatches.some((m) => m.kind === "exchange-filled-reported-failed" && m.reported.some((r) => (r.order_id ?? "").startsWith("ERROR_")));
  if (parsedAsFailed) {
    out.push("services/execution/live_executor.py _parse_mexc_response: MEXC's answer to POST /api/v3/order has no status and no executedQty, so a filled order is reported PENDING→ERROR with filled_quantity 0; query GET /api/v3/order by orderId after placing and report its status and executedQty");
  }
  if (erroredButFilled || kinds.has("open-on-exchange-reported-failed")) {
    out.push("services/execution/live_executor.py execute_order: after a time-out or connection error the order's fate is unknown; send newClientOrderId (the order's client_id) and look the order up by origClientOrderId before reporting, never report REJECTED for an order the exchange may hold");
  }
  if (kinds.has("duplicate-order")) out.push("core/clients/mexc.py: make retries idempotent (newClientOrderId), so a retried order cannot be placed twice");
  if (Object.keys(lostWith).some((k) => /^5\d\d$/.test(k) || k === "server-error")) {
    out.push("core/clients/mexc.py place_*_order: retry 5xx answers with backoff (idempotently, with newClientOrderId); today one 5xx loses the order");
  }
  if (rateLimited > 0 && Object.keys(lostWith).length > 0) {
    out.push("core/clients/mexc.py: pace requests under MEXC's 600 per minute and retry a 429 after waiting; today a burst loses every order over the limit");
  }
  // Seen, not assumed: the simulator found the signature valid over the sorted parameters, not over what was sent.
  const sorted = refusals.find((r) => r.signature?.signedSorted);
  if (sorted?.signature) {
    out.push(`core/clients/mexc.py _sign_request: every signed order was refused with 700002 because it signs the parameters sorted ("${sorted.signature.sorted}") but sends them in another order ("${sorted.signature.sent}"); MEXC checks the query as sent, so sign exactly the string that is sent (or send it sorted)`);
  } else if (lostWith["700002"] || lostWith["700001"]) {
    out.push("core/clients/mexc.py _sign_request: MEXC refused the signature (700002) or the key (700001); it signs urlencode(sorted(params)) while requests sends the parameters in insertion order; MEXC checks the query as sent, so sign exactly the string that is sent (or send it sorted)");
  }
  if (lostWith["700004"] || lostWith["30002"]) {
    out.push("services/risk sizing and core/clients/mexc.py: quantities are Python floats sent with str() (1e-05 for small ones) and can fall under MEXC's 1 USDT floor; format quantities as plain decimals at the symbol's precision and size orders above the floor");
  }
  if (kinds.has("no-report")) out.push("services/execution/service.py: every order taken from the channel must produce a result on stream.order_results");
  return out;
}
