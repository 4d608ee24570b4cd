import { PassThrough } from "node:stream";
import Docker from "dockerode";
import { extract } from "tar-stream";
import { parseDockerHost } from "../config/dockerHost";
import { notFound, OpsFailure, unreachable, UnusableInput } from "../platform/errors";
import { withTimeout } from "../platform/poll";

// The Docker Engine API through dockerode: the local engine (DOCKER_HOST, the
// Unix socket, or Docker Desktop's named pipe on Windows) or a stack's
// cdb:dockerHost. Every call has a time limit and fails with one line.

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface DockerTarget {
  docker: Docker;
  /** What to call the engine in messages: the URL or "local engine". */
  host: string;
}

/**
 * DOCKER_HOST as this process sees it. Set but empty is refused (exit 2), not
 * read as "the local engine" as the Docker CLI does: `DOCKER_HOST=$LIVE_HOST cdb
 * kill` with the variable unset would otherwise land on this machine's engine
 * and report success (issue 25 item 13).
 */
export function envDockerHost(): string | undefined {
  const env = process.env.DOCKER_HOST;
  if (env === undefined) return undefined;
  if (env.trim() === "") throw new UnusableInput("DOCKER_HOST", "is set but empty (an unset shell variable?): unset it for the local engine, or name the host");
  return env;
}

/**
 * dockerode options for a Docker host URL. Without one, DOCKER_HOST (checked
 * by the same rule), else the platform's local engine (socket or named pipe).
 * An unusable URL is refused (exit 2), never replaced by the local default:
 * `source` names where it came from (`--docker-host`, `Pulumi.live.yaml:4 cdb:dockerHost`).
 */
export function dockerOptions(host: string | undefined, source = "--docker-host"): Docker.DockerOptions | undefined {
  if (host !== undefined && host.trim() === "") throw new UnusableInput(source, "is empty: name the Docker host, or leave it out for the stack's own");
  if (host === undefined) {
    // dockerode's defaults read DOCKER_HOST (and its TLS settings) themselves; the URL is checked first.
    const env = envDockerHost();
    if (env) {
      const h = parseDockerHost(env);
      if ("problem" in h) throw new UnusableInput("DOCKER_HOST", `Docker host ${h.problem}`);
    }
    return undefined;
  }
  const h = parseDockerHost(host);
  if ("problem" in h) throw new UnusableInput(source, `Docker host ${h.problem}`);
  switch (h.kind) {
    case "unix":
      return { socketPath: h.socketPath };
    case "npipe":
      return { socketPath: h.pipe };
    case "ssh":
      return {
        protocol: "ssh",
        host: h.host,
        port: h.port ?? 22,
        username: h.user,
        sshOptions: { agent: process.env.SSH_AUTH_SOCK, readyTimeout: DEFAULT_TIMEOUT_MS },
      } as Docker.DockerOptions;
    case "tcp": {
      const tls = h.tls || process.env.DOCKER_TLS_VERIFY === "1";
      return { protocol: tls ? "https" : "http", host: h.host, port: h.port ?? (tls ? 2376 : 2375) };
    }
  }
}

export function dockerTarget(host?: string, source?: string): DockerTarget {
  const opts = dockerOptions(host, source);
  return { docker: new Docker(opts), host: host ?? envDockerHost() ?? "local engine" };
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOENT", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "EACCES", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);

/** Turns a dockerode error into one line naming the engine and what failed. */
export function dockerFailure(e: unknown, t: DockerTarget, what: string): Error {
  if (e instanceof OpsFailure || e instanceof UnusableInput) return e;
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

/**
 * A regular file of a container, read through the Engine API's archive
 * endpoint (GET /containers/{id}/archive): no process starts in the container,
 * so it works on any image (FROM scratch, no shell) and costs the container
 * nothing. Undefined when the path does not exist; more than `maxBytes` or not
 * a regular file is refused (unusable input naming the path).
 */
export async function readFileIn(t: DockerTarget, container: string, file: string, maxBytes: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string | undefined> {
  const info = await inspectContainer(t, container, timeoutMs);
  const what = `read ${file} in ${info.Name.replace(/^\//, "")}`;
  let archive: NodeJS.ReadableStream;
  try {
    archive = await dockerCall(t, what, () => t.docker.getContainer(container).getArchive({ path: file }) as Promise<NodeJS.ReadableStream>, timeoutMs);
  } catch (e) {
    // The container exists (inspected above): a 404 here is the path.
    if (e instanceof OpsFailure && e.kind === "notFound") return undefined;
    throw e;
  }
  // The archive holds the one file (tar-stream, the maintained tar reader): its first entry, bounded.
  return dockerCall(
    t,
    what,
    () =>
      new Promise<string>((resolve, reject) => {
        const x = extract();
        let seen = false;
        x.on("entry", (header, body, next) => {
          if (seen) {
            body.resume();
            return next();
          }
          seen = true;
          if (header.type !== "file") return reject(new UnusableInput(`${container}:${file}`, `is a ${header.type}, not a regular file`));
          if ((header.size ?? 0) > maxBytes) return reject(new UnusableInput(`${container}:${file}`, `is ${header.size} bytes, more than ${maxBytes}`));
          const chunks: Buffer[] = [];
          body.on("data", (c: unknown) => chunks.push(c as Buffer));
          body.on("end", () => {
            resolve(Buffer.concat(chunks).toString("utf8"));
            next();
          });
        });
        x.on("finish", () => (seen ? undefined : reject(new UnusableInput(`${container}:${file}`, "came back as an empty archive"))));
        x.on("error", reject);
        archive.on("error", reject);
        archive.pipe(x);
      }),
    timeoutMs,
  );
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
