import { DEFAULT_DOCKER_HOST_PATHS, type DockerHostPath } from "./services";
// One rule for a Docker host URL, for the program (cdb:dockerHost) and the
// operations commands (cdb:dockerHost, --docker-host, DOCKER_HOST): a host
// that names no engine is refused, never replaced by the local default
// (dockerode falls back to /var/run/docker.sock when a URL has no host).

export type DockerHost =
  | { kind: "unix"; socketPath: string }
  | { kind: "npipe"; pipe: string }
  | { kind: "tcp"; host: string; port?: number; tls: boolean }
  | { kind: "ssh"; host: string; port?: number; user?: string };

const RULE = "must be unix:///<socket path>, npipe:////./pipe/<name>, tcp://<host>:<port> or ssh://[user@]<host>[:port]";

/** The parsed host, or a problem naming the rule (never the value: it may be something else pasted by mistake). */
export function parseDockerHost(url: string): DockerHost | { problem: string } {
  const m = /^([a-z]+):\/\/(.*)$/.exec(url);
  if (!m) return { problem: RULE };
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === "unix") return rest.startsWith("/") && rest.length > 1 && !/[\s\0]/.test(rest) ? { kind: "unix", socketPath: rest } : { problem: RULE };
  if (scheme === "npipe") return /^\/\/[./]*[\w.\\/-]*pipe[\\/][\w.-]+$/i.test(rest) ? { kind: "npipe", pipe: rest } : { problem: RULE };
  if (scheme !== "tcp" && scheme !== "ssh" && scheme !== "http" && scheme !== "https") return { problem: RULE };
  let u: URL;
  try {
    u = new URL(`${scheme === "ssh" ? "ssh" : "http"}://${rest}`);
  } catch {
    return { problem: RULE };
  }
  if (u.hostname === "" || (u.pathname !== "/" && u.pathname !== "") || u.search !== "" || u.hash !== "" || u.password !== "") return { problem: RULE };
  const port = u.port ? Number(u.port) : undefined;
  if (scheme === "ssh") return { kind: "ssh", host: u.hostname, ...(port ? { port } : {}), ...(u.username ? { user: decodeURIComponent(u.username) } : {}) };
  if (u.username !== "") return { problem: RULE };
  return { kind: "tcp", host: u.hostname, ...(port ? { port } : {}), tls: scheme === "https" || port === 2376 };
}

export const dockerHostProblem = (url: string): string | undefined => {
  const p = parseDockerHost(url);
  return "problem" in p ? p.problem : undefined;
};

/**
 * The daemon's own paths on its host, which Promtail and the witness mount:
 * cdb:dockerPaths, else (the socket) the one a `unix://` cdb:dockerHost names,
 * else a rootful daemon's defaults. Without this a rootless or second daemon
 * got a directory created at /var/run/docker.sock and no logs reached Loki.
 */
export function dockerHostPaths(cfg: { dockerHost?: string | undefined; dockerPaths?: { socket?: string | undefined; containers?: string | undefined } | undefined }): Record<DockerHostPath, string> {
  const host = cfg.dockerHost !== undefined ? parseDockerHost(cfg.dockerHost) : undefined;
  const socket = host && "kind" in host && host.kind === "unix" ? host.socketPath : undefined;
  return {
    socket: cfg.dockerPaths?.socket ?? socket ?? DEFAULT_DOCKER_HOST_PATHS.socket,
    containers: cfg.dockerPaths?.containers ?? DEFAULT_DOCKER_HOST_PATHS.containers,
  };
}

/** The engine a dockerode client without options reaches: DOCKER_HOST unset means this socket or pipe. */
export const LOCAL_ENGINE = process.platform === "win32" ? "npipe:////./pipe/docker_engine" : "unix:///var/run/docker.sock";

/** One spelling per engine: tcp's default ports filled in, so `tcp://h` and `tcp://h:2375` compare equal. */
function canonical(h: DockerHost): string {
  switch (h.kind) {
    case "unix":
      return `unix://${h.socketPath.replace(/\/+/g, "/")}`;
    case "npipe":
      return `npipe://${h.pipe.replace(/\\/g, "/").toLowerCase()}`;
    case "tcp":
      return `${h.tls ? "https" : "tcp"}://${h.host}:${h.port ?? (h.tls ? 2376 : 2375)}`;
    case "ssh":
      return `ssh://${h.user ? `${h.user}@` : ""}${h.host}:${h.port ?? 22}`;
  }
}

/**
 * Whether two host URLs name the same engine as far as their text can tell
 * (an unparseable one names none). Two spellings of one machine
 * (`ssh://h` and `tcp://h:2375`) count as different: cdb cannot prove them one engine.
 */
export function sameDockerHost(a: string, b: string): boolean {
  const pa = parseDockerHost(a);
  const pb = parseDockerHost(b);
  if ("problem" in pa || "problem" in pb) return false;
  return canonical(pa) === canonical(pb);
}
