import { fileURLToPath, pathToFileURL } from "node:url";
import { STATE_DIR } from "./paths";

// Which Pulumi state backend a command uses, said without its secret: the
// audit names it (scheme, host, database; a file backend by its folder), and
// every text that may carry the URL (Pulumi's errors quote it whole, e.g.
// `unable to open state database "postgres://user:PASSWORD@…"`) goes through
// redactBackend before it is printed, logged or audited. Parsed with the WHATWG
// URL parser (Node's), not by hand: it knows percent-encoding and IPv6 hosts.

/** The backend URL every Pulumi command of the project gets (platform/pulumiEnv.ts): PULUMI_BACKEND_URL, else the repository's file backend. */
export const backendUrl = (env: NodeJS.ProcessEnv = process.env): string => env.PULUMI_BACKEND_URL || pathToFileURL(STATE_DIR).href;

export interface BackendDescription {
  /** "file", "postgres", "s3", … (the URL's scheme without the colon). */
  scheme: string;
  /** host[:port] of a network backend. */
  host?: string;
  /** The database (postgres) or bucket path. */
  database?: string;
  /** The folder of a file backend. */
  path?: string;
  /** The user name, when the URL names one (never the password). */
  user?: string;
}

/** Scheme, host, database (or folder), user: never the password, nor query parameters (a token may hide there). */
export function describeBackend(url = backendUrl()): BackendDescription {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL (e.g. a bare path Pulumi would read as a file backend): nothing in it is parsed as a secret, but nothing is echoed either.
    return { scheme: "unparsable" };
  }
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme === "file") return { scheme, path: fileURLToPath(u) };
  const database = decodeURIComponent(u.pathname.replace(/^\/+/, ""));
  return { scheme, ...(u.host ? { host: u.host } : {}), ...(database ? { database } : {}), ...(u.username ? { user: decodeURIComponent(u.username) } : {}) };
}

/** "postgres://127.0.0.1:5432/state (user cdb)": one line for messages. */
export function backendText(d: BackendDescription = describeBackend()): string {
  if (d.path) return `${d.scheme}://${d.path}`;
  return `${d.scheme}://${d.host ?? ""}${d.database ? `/${d.database}` : ""}${d.user ? ` (user ${d.user})` : ""}`;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The password of the backend URL in every spelling a text may hold it (as written, percent-decoded). */
function passwordsOf(url: string): string[] {
  try {
    const raw = new URL(url).password;
    if (!raw) return [];
    let decoded = raw;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      // A malformed escape: the raw spelling is what a text would hold.
    }
    return [...new Set([raw, decoded])].filter((p) => p.length > 0);
  } catch {
    return [];
  }
}

/**
 * `text` with the backend's password replaced by `****`, and the password of
 * any other `scheme://user:password@` URL in it too (a second backend URL,
 * one from a config file). Applied to whatever leaves the process.
 */
export function redactBackend(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'`]*):([^\s@/"'`]*)@/gi, "$1:****@");
  // Longest first: a decoded spelling may contain the raw one or the reverse.
  for (const p of passwordsOf(backendUrl(env)).sort((a, b) => b.length - a.length)) out = out.replace(new RegExp(escapeRe(p), "g"), "****");
  return out;
}
