import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A TEST DOUBLE of Loki's `GET /loki/api/v1/query_range`, for the structured-logs
 * collector: no Loki binary exists here. Its limits: it understands only a
 * selector of label equalities (`{container="cdbpaper_execution"}`, no regex
 * matchers, no pipelines or metric queries), `start`/`end` in nanoseconds,
 * `limit` and `direction`; no auth, no other endpoint (404). It answers with
 * Loki's streams shape and remembers each query it was asked.
 */
export interface LokiDouble {
  url: string;
  /** Lines Promtail would have pushed: labels, then [ns since the epoch, line]. */
  push(labels: Record<string, string>, lines: [bigint, string][]): void;
  /** Every query_range request's parameters, in order. */
  queries: Record<string, string>[];
  /** Next answers with this HTTP status and body instead (e.g. 503 while Loki starts). */
  failNext(status: number, body: string): void;
  close(): Promise<void>;
}

const selectorOf = (q: string): Record<string, string> | undefined => {
  const m = /^\{(.*)\}$/.exec(q.trim());
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const part of m[1]!.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const eq = /^([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"$/.exec(part);
    if (!eq) return undefined;
    out[eq[1]!] = eq[2]!;
  }
  return out;
};

/** `host`: where it listens (0.0.0.0 when a container, such as the witness, asks it through the bridge gateway). */
export async function lokiQueryRangeDouble(host = "127.0.0.1"): Promise<LokiDouble> {
  const streams: { labels: Record<string, string>; values: [bigint, string][] }[] = [];
  const queries: Record<string, string>[] = [];
  let failure: { status: number; body: string } | undefined;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://double");
    if (req.method !== "GET" || u.pathname !== "/loki/api/v1/query_range") {
      res.writeHead(404).end("404 page not found\n");
      return;
    }
    const params = Object.fromEntries(u.searchParams);
    queries.push(params);
    if (failure) {
      const f = failure;
      failure = undefined;
      res.writeHead(f.status).end(f.body);
      return;
    }
    const selector = selectorOf(params.query ?? "");
    if (!selector) {
      res.writeHead(400).end(`parse error: the double understands label equalities only: ${params.query ?? ""}\n`);
      return;
    }
    const start = BigInt(params.start ?? "0");
    const end = BigInt(params.end ?? String(BigInt(Date.now()) * 1_000_000n));
    const limit = Number(params.limit ?? "100");
    const backward = (params.direction ?? "backward") === "backward";
    const matching = streams
      .filter((s) => Object.entries(selector).every(([k, v]) => s.labels[k] === v))
      .flatMap((s) => s.values.filter(([ns]) => ns >= start && ns < end).map((v) => ({ labels: s.labels, v })))
      .sort((a, b) => (a.v[0] < b.v[0] ? -1 : a.v[0] > b.v[0] ? 1 : 0));
    const picked = (backward ? matching.reverse() : matching).slice(0, limit);
    const byStream = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    for (const p of picked) {
      const key = JSON.stringify(p.labels);
      (byStream.get(key) ?? byStream.set(key, { stream: p.labels, values: [] }).get(key)!).values.push([String(p.v[0]), p.v[1]]);
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "streams", result: [...byStream.values()], stats: {} } }));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    push: (labels, lines) => {
      const s = streams.find((x) => JSON.stringify(x.labels) === JSON.stringify(labels)) ?? streams[streams.push({ labels, values: [] }) - 1]!;
      s.values.push(...lines);
    },
    queries,
    failNext: (status, body) => {
      failure = { status, body };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
