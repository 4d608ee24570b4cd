import { parseArgs } from "node:util";
import { UnusableInput } from "../platform/errors";
import { simulate, untilSignal } from "./simulate";

// Entry point of the simulator container (bundled into one file, run by node):
// the same options as `cdb exchange simulate`, without the rest of the CLI.
// `admin GET|POST <url> [json]` is the container's own client of its admin API
// (health check, `cdb rehearse` through exec): a Node base image has no wget.

/** `admin GET <url>` / `admin POST <url> <json>`: the answer's body on stdout; exit 1 unless 2xx. */
async function admin(args: string[]): Promise<number> {
  const [method, url, body] = args;
  if ((method !== "GET" && method !== "POST") || !url || !/^http:\/\/127\.0\.0\.1:\d+\/_simulator\//.test(url) || (method === "POST") !== (body !== undefined)) {
    throw new UnusableInput("admin", "usage: admin GET <http://127.0.0.1:<port>/_simulator/…> | admin POST <url> <json>");
  }
  const r = await fetch(url, { method, ...(body !== undefined ? { body, headers: { "Content-Type": "application/json" } } : {}), signal: AbortSignal.timeout(10_000) });
  process.stdout.write(await r.text());
  return r.ok ? 0 : 1;
}

async function main(): Promise<number> {
  if (process.argv[2] === "admin") return admin(process.argv.slice(3));
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      keys: { type: "string" },
      scenario: { type: "string" },
      host: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "admin-port": { type: "string" },
      "tls-dir": { type: "string" },
      "ca-dir": { type: "string" },
      "tls-host": { type: "string", multiple: true },
    },
  });
  if (!values.port || !/^\d+$/.test(values.port)) throw new UnusableInput("--port", "a TCP port is required");
  if (!values.keys) throw new UnusableInput("--keys", "a keys file is required");
  const sim = await simulate(
    {
      port: Number(values.port),
      keys: values.keys,
      ...(values.scenario ? { scenario: values.scenario } : {}),
      ...(values.host ? { host: values.host } : {}),
      ...(values["tls-cert"] ? { tlsCert: values["tls-cert"] } : {}),
      ...(values["tls-key"] ? { tlsKey: values["tls-key"] } : {}),
      ...(values["admin-port"] ? { adminPort: Number(values["admin-port"]) } : {}),
      ...(values["tls-dir"] ? { tlsDir: values["tls-dir"] } : {}),
      ...(values["ca-dir"] ? { caDir: values["ca-dir"] } : {}),
      ...(values["tls-host"] ? { tlsHosts: values["tls-host"] } : {}),
    },
    (l) => process.stdout.write(l + "\n"),
  );
  return untilSignal(sim);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(e instanceof UnusableInput ? `simulator: unusable input: ${e.message}\n` : `simulator: internal error: ${(e as Error).message}\n`);
    process.exit(e instanceof UnusableInput ? 2 : 3);
  },
);
