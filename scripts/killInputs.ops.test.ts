import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npxCdb, type CliRun } from "../test/npxCdb";
import { freePort, startRedis, type RedisServer } from "../test/redisServer";
import { repoTmpDir } from "../test/repoTmp";
import { directRedis } from "../ops/redis";
import { SHUTDOWN_STREAM } from "../ops/kill";

// Issue 25 (13): `cdb kill` ended with exit 3 "internal error" for an HTTP
// server at --redis-url, a stream.bot_shutdown of another type, a Redis out of
// memory (noeviction) and a blank --reason; control and bidirectional
// characters in --reason/--strategy reached Redis; CDB_AUDIT_FILE as a FIFO
// hung the command after the entry. Each now: its own code, one line, and
// nothing written where the input was refused. Through `npx cdb` as
// docs/operating-live.md writes it, against a real redis-server.

const tmp = repoTmpDir("harden-kill-");
const audit = path.join(tmp, "operations.jsonl");
let server: RedisServer;
let http: Server;
let httpPort: number;

const kill = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  npxCdb(["kill", "--stack", "paper", "--redis-url", server.url, "--password-file", server.passwordFile, ...args], { env: { CDB_AUDIT_FILE: audit, ...env } });

async function redisCall(args: string[]): Promise<unknown> {
  const r = await directRedis(server.url, server.passwordFile);
  try {
    return await r.call(args);
  } finally {
    await r.close();
  }
}
const entries = async () => Number(await redisCall(["XLEN", SHUTDOWN_STREAM]));

/** Exit code and the one stderr line. */
const outcome = (r: CliRun) => ({ code: r.code, lines: r.err.trimEnd().split("\n") });

beforeAll(async () => {
  server = await startRedis();
  httpPort = await freePort();
  http = createServer((_req, res) => res.writeHead(400).end("not redis\n"));
  await new Promise<void>((resolve) => http.listen(httpPort, "127.0.0.1", resolve));
});
afterAll(async () => {
  await server?.stop();
  await new Promise((r) => http?.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe("cdb kill: each failure with its own code and one line", () => {
  it("an HTTP server at --redis-url: unreachable (7), not Redis", async () => {
    const r = await npxCdb(["kill", "--stack", "paper", "--reason", "test", "--redis-url", `redis://127.0.0.1:${httpPort}`], { env: { CDB_AUDIT_FILE: audit } });
    // What the client sees first varies with timing: the HTTP answer ("H" is no RESP type), a write into the
    // closed socket (EPIPE), or a reset; each is the one line of exit 7.
    const line = `^cdb: unreachable: Redis at redis://127\\.0\\.0\\.1:${httpPort} (does not answer as Redis \\((Unknown RESP type 72 "H"|write EPIPE|Protocol error.*)\\): is --redis-url the Redis port\\?|is not answering: .*ECONNRESET)$`;
    expect(outcome(r)).toEqual({ code: 7, lines: [expect.stringMatching(new RegExp(line))] });
  }, 60_000);

  it("stream.bot_shutdown of another type (WRONGTYPE): refused (5), the kill switch NOT set", async () => {
    await redisCall(["SET", SHUTDOWN_STREAM, "not a stream"]);
    try {
      const r = await kill(["--reason", "test"]);
      expect(outcome(r)).toEqual({ code: 5, lines: [expect.stringMatching(/^cdb: refused: kill switch NOT set: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the command: WRONGTYPE .* \(docs\/runbooks\/emergency\.md stops execution without Redis\)$/)] });
    } finally {
      await redisCall(["DEL", SHUTDOWN_STREAM]);
    }
  }, 60_000);

  it("Redis out of memory with noeviction (OOM): refused (5), the kill switch NOT set", async () => {
    await redisCall(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    await redisCall(["CONFIG", "SET", "maxmemory", "1"]);
    try {
      const r = await kill(["--reason", "test"]);
      expect(outcome(r)).toEqual({ code: 5, lines: [expect.stringMatching(/^cdb: refused: kill switch NOT set: Redis at \S+ refused the command: OOM /)] });
    } finally {
      await redisCall(["CONFIG", "SET", "maxmemory", "0"]);
    }
    expect(await entries()).toBe(0);
  }, 60_000);

  it.each([
    ["a blank --reason", ["--reason", "   "], "cdb: unusable input: --reason: is blank: say why (it is written into the entry and the audit log)"],
    ["an escape sequence in --reason", ["--reason", "drawdown\u001b[2J"], "cdb: unusable input: --reason: contains the character \\x1b: control and bidirectional formatting characters never reach Redis"],
    ["a line break in --strategy", ["--reason", "x", "--strategy", "paper\nbot_id"], "cdb: unusable input: --strategy: contains the character \\x0a: control and bidirectional formatting characters never reach Redis"],
    ["a right-to-left override in --strategy", ["--reason", "x", "--strategy", "paper\u202Etxt"], "cdb: unusable input: --strategy: contains the character \\u202e: control and bidirectional formatting characters never reach Redis"],
  ])("%s: unusable input (2), nothing reaches Redis", async (_what, args, line) => {
    const r = await kill(args);
    expect(outcome(r)).toEqual({ code: 2, lines: [line] });
    expect(await entries()).toBe(0);
  }, 60_000);

  it("CDB_AUDIT_FILE a FIFO: unusable input (2) at once, before the entry, instead of hanging after it", async () => {
    const fifo = path.join(tmp, "audit.fifo");
    spawnSync("mkfifo", [fifo]);
    expect(existsSync(fifo)).toBe(true);
    // The test's own deadline bounds a hang (it was one: the open of a FIFO blocks until a reader comes).
    const r = await kill(["--reason", "test"], { CDB_AUDIT_FILE: fifo });
    expect(outcome(r)).toEqual({ code: 2, lines: [`cdb: unusable input: ${fifo}: audit file is a FIFO (named pipe), not a regular file`] });
    expect(await entries()).toBe(0);
  }, 60_000);

  it("and a working kill still writes its entry and its audit record", async () => {
    const r = await kill(["--reason", "test", "--json"]);
    expect(r.code, r.err).toBe(0);
    expect(await entries()).toBe(1);
    await redisCall(["DEL", SHUTDOWN_STREAM]);
  }, 60_000);
});
