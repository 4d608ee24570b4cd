import { parseArgs } from "node:util";
import { UnusableInput } from "../platform/errors";
import { simulate, untilSignal } from "./simulate";

// Entry point of the simulator container (bundled into one file, run by node):
// the same options as `cdb exchange simulate`, without the rest of the CLI.

async function main(): Promise<number> {
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
