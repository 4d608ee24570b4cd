import net from "node:net";
import { readFileSync } from "node:fs";
import { authFailed, unreachable } from "../platform/errors";
import { withTimeout } from "../platform/poll";
import { parseMonitorLine, type RedisAccess } from "../ops/redis";

// MONITOR for the witness's drills on a plain socket. ioredis's monitor
// connection crashes the process ("Command queue state error", thrown from its
// parser outside any promise) when MONITOR replies arrive while it still
// expects the reply to MONITOR itself: seen on a stack publishing an order
// every 100 ms. MONITOR's protocol is small: AUTH, MONITOR, then one `+` line
// per command, which ops/redis.ts parseMonitorLine reads.

const resp = (args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

export function socketMonitor(url: string, passwordFile: string): RedisAccess["monitor"] {
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port || 6379);
  return async (durationMs, onLine) => {
    const password = readFileSync(passwordFile, "utf8").replace(/\r?\n$/, "");
    const sock = net.connect(port, host);
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    let started!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      started = res;
      failed = rej;
    });
    let isStarted = false;
    let buf = "";
    const timer = setTimeout(() => finish(), durationMs);
    sock.on("connect", () => sock.write(resp(["AUTH", password]) + resp(["MONITOR"])));
    sock.on("data", (chunk: Buffer) => {
      buf += chunk.toString("utf8");
      const lines = buf.split("\r\n");
      buf = lines.pop()!;
      for (const line of lines) {
        if (!isStarted) {
          // AUTH's reply (+OK, or an error for a Redis without a password, which then runs MONITOR anyway), then MONITOR's +OK.
          if (line.startsWith("-") && /WRONGPASS|invalid password/i.test(line)) failed(authFailed(`Redis at ${host}:${port} rejected the password from ${passwordFile}`));
          else if (line === "+OK") {
            // Two +OK (AUTH, MONITOR), or AUTH's error and MONITOR's +OK.
            okCount++;
            if (okCount === 2 || (okCount === 1 && sawError)) {
              isStarted = true;
              started();
            }
          } else if (line.startsWith("-")) sawError = true;
          continue;
        }
        if (!line.startsWith("+")) continue;
        const parsed = parseMonitorLine(line.slice(1));
        if (parsed && onLine(parsed)) finish();
      }
    });
    let okCount = 0;
    let sawError = false;
    sock.on("error", (e) => {
      failed(unreachable(`Redis at ${host}:${port}: MONITOR: ${e.message}`));
      finish();
    });
    sock.on("close", () => finish());
    try {
      await withTimeout(ready, 10_000, () => unreachable(`Redis at ${host}:${port}: MONITOR did not start within 10 s`));
    } catch (e) {
      clearTimeout(timer);
      sock.destroy();
      throw e;
    }
    return {
      done: done.then(() => {
        clearTimeout(timer);
        sock.destroy();
      }),
    };
  };
}
