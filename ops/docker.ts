import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { notFound, OpsFailure, unreachable, withTimeout } from "./errors";

// The Docker Engine API through dockerode: the local engine (DOCKER_HOST, the
// Unix socket, or Docker Desktop's named pipe on Windows) or a stack's
// cdb:dockerHost. Every call has a time limit and fails with one line.

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface DockerTarget {
  docker: Docker;
  /** What to call the engine in messages: the URL or "local engine". */
  host: string;
}

/** dockerode options for a Docker host URL as `docker -H` takes it; undefined: dockerode's defaults (DOCKER_HOST, then the local socket or pipe). */
export function dockerOptions(host: string | undefined): Docker.DockerOptions | undefined {
  if (!host) return undefined;
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  if (host.startsWith("npipe://")) return { socketPath: host.slice("npipe://".length) || "//./pipe/docker_engine" };
  const url = new URL(host.includes("//") ? host : `tcp://${host}`);
  if (url.protocol === "ssh:") {
    return {
      protocol: "ssh",
      host: url.hostname,
      port: url.port || 22,
      username: url.username || undefined,
      sshOptions: { agent: process.env.SSH_AUTH_SOCK, readyTimeout: DEFAULT_TIMEOUT_MS },
    } as Docker.DockerOptions;
  }
  if (url.protocol === "tcp:" || url.protocol === "http:" || url.protocol === "https:") {
    const tls = url.protocol === "https:" || url.port === "2376" || process.env.DOCKER_TLS_VERIFY === "1";
    return { protocol: tls ? "https" : "http", host: url.hostname, port: url.port || (tls ? 2376 : 2375) };
  }
  throw new OpsFailure("unreachable", `Docker host ${host}: unsupported scheme ${url.protocol} (use unix://, npipe://, tcp:// or ssh://)`);
}

export function dockerTarget(host?: string): DockerTarget {
  const opts = dockerOptions(host);
  return { docker: new Docker(opts), host: host ?? process.env.DOCKER_HOST ?? "local engine" };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOENT", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EACCES", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);

/** Turns a dockerode error into one line naming the engine and what failed. */
export function dockerFailure(e: unknown, t: DockerTarget, what: string): Error {
  if (e instanceof OpsFailure) return e;
  const err = e as { code?: string; statusCode?: number; json?: { message?: string }; message?: string };
  if (err.code && NETWORK_CODES.has(err.code)) return unreachable(`Docker host ${t.host} is not reachable (${err.code}) while trying to ${what}`);
  if (err.statusCode === 404) return notFound(`${what}: ${err.json?.message ?? "not found"} on ${t.host}`);
  const detail = (err.json?.message ?? err.message ?? String(e)).split("\n")[0];
  return new Error(`Docker (${t.host}): ${what}: ${detail}`);
}

/** Runs a Docker call with the time limit and one-line errors. */
export async function dockerCall<T>(t: DockerTarget, what: string, call: () => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  try {
    return await withTimeout(call(), timeoutMs, () => unreachable(`Docker host ${t.host} did not answer within ${timeoutMs / 1000} s while trying to ${what}`));
  } catch (e) {
    throw dockerFailure(e, t, what);
  }
}

export const ping = (t: DockerTarget, timeoutMs = DEFAULT_TIMEOUT_MS) => dockerCall(t, "ping the engine", () => t.docker.ping() as Promise<unknown>, timeoutMs);

/** Inspect a container by name; a missing one is a notFound failure naming it. */
export async function inspectContainer(t: DockerTarget, name: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Docker.ContainerInspectInfo> {
  try {
    return await dockerCall(t, `inspect container ${name}`, () => t.docker.getContainer(name).inspect(), timeoutMs);
  } catch (e) {
    if (e instanceof OpsFailure && e.kind === "notFound") throw notFound(`container ${name} does not exist on ${t.host}`);
    throw e;
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Called with each chunk of standard output as it arrives (for long-running commands). */
  onStdout?: (chunk: string) => void;
  /** Resolves when the caller wants the stream closed early. */
  stop?: Promise<void>;
}

/**
 * Runs `argv` inside a running container through the Engine API's exec.
 * Arguments travel as an argv array: nothing is interpolated by a shell on the host.
 */
export async function execIn(t: DockerTarget, container: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const info = await inspectContainer(t, container, timeoutMs);
  if (!info.State.Running) throw unreachable(`container ${container} is not running (${info.State.Status}) on ${t.host}`);
  const what = `exec ${argv[0]} in ${container}`;
  return dockerCall(
    t,
    what,
    async () => {
      const exec = await t.docker.getContainer(container).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new PassThrough();
      const err = new PassThrough();
      const stdout: string[] = [];
      const stderr: string[] = [];
      out.on("data", (c: Buffer) => {
        const s = c.toString("utf8");
        stdout.push(s);
        opts.onStdout?.(s);
      });
      err.on("data", (c: Buffer) => stderr.push(c.toString("utf8")));
      t.docker.modem.demuxStream(stream, out, err);
      await new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
        void opts.stop?.then(() => {
          (stream as unknown as { destroy(): void }).destroy();
          resolve();
        });
      });
      const done = await exec.inspect();
      return { exitCode: done.ExitCode ?? -1, stdout: stdout.join(""), stderr: stderr.join("") };
    },
    timeoutMs,
  );
}
