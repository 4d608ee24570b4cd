import { authFailed, notFound, OpsFailure, systemRefused, unreachable, UnusableInput } from "../platform/errors";
import { readInputText } from "../config/inputFile";
import Redis from "ioredis";
import { type DockerTarget, execIn } from "./docker";
import { withTimeout } from "../platform/poll";

// Two ways to reach a stack's Redis, with one interface:
// - inside its container, through the Engine API's exec of redis-cli (live
//   publishes no host port; works with Docker Desktop and remote hosts). The
//   password is read from the container's own secret file inside the exec and
//   handed to redis-cli through REDISCLI_AUTH: it never appears in an argv that
//   `docker inspect`, `ps` or the exec record would show.
// - directly with ioredis (`--redis-url` + `--password-file`).
// Results have RESP2 shapes in both (redis-cli runs with -2 --json).

export const SECRET_FILE = "/run/secrets/redis_password";
export const REDIS_TIMEOUT_MS = 8_000;

export interface MonitorLine {
  /** Server time of the command, in ms since the epoch (fractional). */
  timeMs: number;
  client: string;
  args: string[];
}

export interface RedisAccess {
  /** What to call this Redis in messages (never a password). */
  readonly where: string;
  /** What went wrong without stopping a command (e.g. a Redis without a password): the caller prints and audits them. */
  readonly warnings: string[];
  call(args: readonly string[]): Promise<unknown>;
  /**
   * Runs MONITOR for at most `durationMs`, handing every command to `onLine`
   * until it returns true. Resolves once monitoring runs (`started`) and when it ended (`done`).
   */
  monitor(durationMs: number, onLine: (l: MonitorLine) => boolean): Promise<{ done: Promise<void> }>;
  close(): Promise<void>;
}

/** Thrown for an error reply of Redis itself (wrong arguments, wrong type). */
export class RedisReplyError extends Error {
  constructor(where: string, reply: string) {
    super(`${where} answered: ${reply}`);
    this.name = "RedisReplyError";
  }
}

/**
 * Error replies with which Redis refuses a well-formed command for its own state (a key of another
 * type, out of memory with noeviction, a read-only replica, a failing disk, missing ACL rights):
 * not a bug here, so exit 5 (refused) with Redis's own words, never "internal error".
 */
const REFUSING_REPLY = /^(WRONGTYPE|OOM|READONLY|MISCONF|NOPERM|NOREPLICAS|BUSY|LOADING|MASTERDOWN|TRYAGAIN)\b/;

/** The error for an error reply of Redis: refused (exit 5) for its state, else RedisReplyError. */
export function replyError(where: string, reply: string): Error {
  return REFUSING_REPLY.test(reply) ? systemRefused(`${where} refused the command: ${reply}`) : new RedisReplyError(where, reply);
}

const AUTH_REPLY = /^(NOAUTH|WRONGPASS|ERR invalid password|ERR AUTH)/;
/** Not Redis at all (an HTTP server at the port): its answer breaks the protocol, or it hangs up on our first command. */
const NOT_REDIS = /Protocol error|Unknown RESP type|EPIPE|unexpected reply/i;
/** Redis's answer to AUTH when it has no password: the connection works without one. */
const NO_PASSWORD_SET = /called without any password configured/;

/**
 * A --redis-url reaches exactly the Redis execution reads: a password belongs
 * in --password-file (a URL ends up in shell history, `ps` and audit records),
 * and a database index would write where execution never reads (database 0).
 * Refused as unusable input; the message never repeats the URL.
 */
/** A stream entry's fields as Redis returns them (name, value, name, value, …) as a map. */
export const streamFields = (kv: readonly string[]): Record<string, string> => Object.fromEntries(kv.flatMap((_, i) => (i % 2 === 0 ? [[kv[i]!, kv[i + 1]!]] : [])));

export function checkRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UnusableInput("--redis-url", "not a URL like redis://127.0.0.1:6379");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new UnusableInput("--redis-url", `scheme must be redis:// or rediss://, not ${u.protocol}//`);
  if (u.password !== "") throw new UnusableInput("--redis-url", "carries a password: put it in a file and pass --password-file <file> (the URL is not repeated here)");
  if (u.hostname === "") throw new UnusableInput("--redis-url", "names no host");
  if (u.pathname !== "" && u.pathname !== "/") throw new UnusableInput("--redis-url", "names a database index: execution reads stream.bot_shutdown in database 0, so give no /<db>");
  if (u.search !== "" || u.hash !== "") throw new UnusableInput("--redis-url", "takes no ?query or #fragment (a password or a db option there is refused too)");
  return u;
}

/** Parses one line of MONITOR output: `1700000000.123456 [0 127.0.0.1:5555] "XREAD" "BLOCK" "0" …`. */
export function parseMonitorLine(line: string): MonitorLine | undefined {
  const m = /^(\d+\.\d+) \[(\d+ [^\]]*)\] (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const args: string[] = [];
  for (const a of m[3]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    args.push(a[1]!.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c));
  }
  return { timeMs: Number(m[1]) * 1000, client: m[2]!.split(" ")[1] ?? "", args };
}

const REDIS_CLI = (extra: string) => `REDISCLI_AUTH="$(cat ${SECRET_FILE})" || exit 97; export REDISCLI_AUTH; exec ${extra}redis-cli "$@"`;

/** Redis inside `container`, reached with redis-cli through docker exec. */
export function containerRedis(t: DockerTarget, container: string, timeoutMs = REDIS_TIMEOUT_MS): RedisAccess {
  const where = `Redis in container ${container} (${t.host})`;
  const warnings: string[] = [];
  const classify = (stderr: string, code: number): Error | undefined => {
    // redis-cli sends AUTH first; a server without a password refuses it and then runs the command anyway.
    if (NO_PASSWORD_SET.test(stderr)) {
      const w = `${where} has no password set (requirepass): every container on its network can write the kill switch and the order streams`;
      if (!warnings.includes(w)) warnings.push(w);
      stderr = stderr.split("\n").filter((l) => !NO_PASSWORD_SET.test(l)).join("\n");
    }
    if (code === 97 || /can't open|No such file/.test(stderr)) return notFound(`container ${container} has no readable ${SECRET_FILE}`);
    if (/WRONGPASS|invalid password|AUTH failed/i.test(stderr)) return authFailed(`${where} rejected the password from ${SECRET_FILE}`);
    if (/Could not connect|Connection refused|Connection reset/i.test(stderr)) return unreachable(`${where} is not answering: ${stderr.trim().split("\n")[0]}`);
    if (code === 127 || /not found/.test(stderr)) return notFound(`container ${container} has no redis-cli`);
    return undefined;
  };
  return {
    where,
    warnings,
    async call(args) {
      const r = await execIn(t, container, ["sh", "-c", REDIS_CLI(""), "sh", "-2", "--json", ...args], { timeoutMs });
      const failure = classify(r.stderr, r.exitCode);
      if (failure) throw failure;
      const out = r.stdout.trim();
      if (out.startsWith("error:") || out.startsWith("(error)")) {
        const reply = out.startsWith("error:") ? (JSON.parse(out.slice(6)) as string) : out.slice(8);
        if (AUTH_REPLY.test(reply)) throw authFailed(`${where} rejected the password from ${SECRET_FILE} (${reply.split(" ")[0]})`);
        throw replyError(where, reply);
      }
      if (r.exitCode !== 0) throw new Error(`${where}: redis-cli exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
      return out === "" ? null : JSON.parse(out);
    },
    async monitor(durationMs, onLine) {
      // `timeout` (coreutils or busybox) bounds the exec even if the connection is lost.
      const secs = String(Math.max(1, Math.ceil(durationMs / 1000)));
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      let buffer = "";
      let started!: () => void;
      const isStarted = new Promise<void>((r) => (started = r));
      const run = execIn(t, container, ["sh", "-c", REDIS_CLI(`timeout ${secs} `), "sh", "monitor"], {
        timeoutMs: durationMs + timeoutMs,
        stop: stopped,
        onStdout: (chunk) => {
          buffer += chunk;
          const lines = buffer.split("\n");
          buffer = lines.pop()!;
          for (const line of lines) {
            if (line.trim() === "OK") started();
            const parsed = parseMonitorLine(line);
            if (parsed && onLine(parsed)) stop();
          }
        },
      }).then((r) => {
        const failure = classify(r.stderr, r.exitCode);
        if (failure) throw failure;
      });
      // MONITOR answers OK before the first command; wait for it so no command is missed.
      await withTimeout(Promise.race([isStarted, run]), timeoutMs, () => unreachable(`${where}: MONITOR did not start within ${timeoutMs / 1000} s`));
      return { done: run.finally(stop) };
    },
    async close() {},
  };
}

/** Redis at `url` (redis://host:port) with the password from `passwordFile`, through ioredis. */
export async function directRedis(url: string, passwordFile: string | undefined, timeoutMs = REDIS_TIMEOUT_MS): Promise<RedisAccess> {
  let password: string | undefined;
  if (passwordFile !== undefined) {
    // A FIFO, device, directory or missing file is unusable input (exit 2), at once.
    password = readInputText(passwordFile, { maxBytes: 4096, what: "password file" }).replace(/\r?\n$/, "");
  }
  const u = checkRedisUrl(url);
  const where = `Redis at ${u.protocol}//${u.username ? `${u.username}@` : ""}${u.host}`;
  const warnings: string[] = [];
  // ioredis authenticates in its HELLO on connect; a Redis without a password is found by trying without one first.
  const options = {
    lazyConnect: true,
    connectTimeout: Math.min(5_000, timeoutMs),
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  };
  const classify = (e: unknown): Error => {
    if (e instanceof OpsFailure) return e;
    const msg = String((e as Error).message ?? e);
    if (AUTH_REPLY.test(msg)) return authFailed(`${where} rejected the password${passwordFile ? ` from ${passwordFile}` : " (none given: use --password-file)"} (${msg.split(" ")[0]})`);
    // (The RESP parser's own "Please report this." is about the parser, not this failure: dropped.)
    if (NOT_REDIS.test(msg)) return unreachable(`${where} does not answer as Redis (${msg.split("\n")[0]!.replace(/\.? *Please report this\.?$/, "")}): is --redis-url the Redis port?`);
    if (/ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|ECONNRESET|connect|Connection is closed|timed out|Stream isn't writeable/i.test(msg)) {
      return unreachable(`${where} is not answering: ${msg.split("\n")[0]}`);
    }
    return replyError(where, msg);
  };
  const open = async (withPassword: boolean) => {
    const client = new Redis(url, { ...options, ...(withPassword ? { password } : {}) });
    // ioredis rejects connect() with "Connection is closed."; the cause comes as an event.
    let cause: unknown;
    client.on("error", (e) => (cause ??= e));
    try {
      await withTimeout(client.connect(), timeoutMs, () => unreachable(`${where} did not answer within ${timeoutMs / 1000} s`));
      // A Redis that wants a password and got none (or a wrong one) answers NOAUTH/WRONGPASS here at the latest.
      await client.ping();
    } catch (e) {
      client.disconnect();
      throw classify(cause ?? e);
    }
    return client;
  };
  const connect = async () => {
    if (password === undefined) return open(false);
    try {
      const client = await open(false);
      // It answered without a password: the kill switch works, but anyone who reaches this Redis can write it.
      warnings.push(`${where} has no password set (requirepass), though ${passwordFile} holds one: anyone who reaches it can write the kill switch and the order streams`);
      return client;
    } catch (e) {
      if (!(e instanceof OpsFailure && e.kind === "auth")) throw e;
      return open(true);
    }
  };
  const client = await connect();
  return {
    where,
    warnings,
    async call(args) {
      try {
        return await client.call(args[0]!, ...args.slice(1));
      } catch (e) {
        throw classify(e);
      }
    },
    async monitor(durationMs, onLine) {
      const m = await client.monitor();
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      const timer = setTimeout(finish, durationMs);
      m.on("monitor", (time: string, args: string[], source: string) => {
        if (onLine({ timeMs: Number(time) * 1000, client: source, args })) finish();
      });
      return {
        done: done.then(() => {
          clearTimeout(timer);
          m.disconnect();
        }),
      };
    },
    async close() {
      client.disconnect();
    },
  };
}
