import { readInputText } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";
import path from "node:path";
import { loadKeys } from "./keys";
import { ensureStackTls } from "./tlsCa";
import { DEFAULT_SCENARIO, loadScenario } from "./scenario";
import { startSimulator, type Simulator } from "./server";

// `cdb exchange simulate`: the simulator on this host (development), and the
// entry point of the simulator container (exchange/main.ts). Prints exactly
// one line when ready, runs until SIGINT/SIGTERM.

export interface SimulateArgs {
  port: number;
  keys: string;
  scenario?: string;
  host?: string;
  tlsCert?: string;
  tlsKey?: string;
  adminPort?: number;
  /**
   * A rehearsal stack's TLS, instead of --tls-cert/--tls-key: the server's key
   * and certificate in `tlsDir`, the CA certificate in `caDir`; made at the
   * first start for `tlsHosts` (exchange/tlsCa.ts), reused after.
   */
  tlsDir?: string;
  caDir?: string;
  tlsHosts?: string[];
}

const readPem = (file: string, flag: string) => {
  try {
    return readInputText(file, { maxBytes: 64 * 1024 });
  } catch (e) {
    if (e instanceof UnusableInput) throw e;
    throw new UnusableInput(file, `cannot read ${flag} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
};

export async function simulate(a: SimulateArgs, out: (line: string) => void): Promise<Simulator> {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UnusableInput("--port", `${a.port} is not a TCP port`);
  if (Boolean(a.tlsCert) !== Boolean(a.tlsKey)) throw new UnusableInput(a.tlsCert ? "--tls-key" : "--tls-cert", "--tls-cert and --tls-key go together");
  const keys = loadKeys(a.keys);
  const scenario = a.scenario ? loadScenario(a.scenario) : DEFAULT_SCENARIO;
  if (Boolean(a.tlsDir) !== Boolean(a.caDir)) throw new UnusableInput(a.tlsDir ? "--ca-dir" : "--tls-dir", "--tls-dir and --ca-dir go together");
  if (a.tlsDir && a.tlsCert) throw new UnusableInput("--tls-dir", "use either --tls-dir/--ca-dir or --tls-cert/--tls-key");
  if (a.tlsDir && (a.tlsHosts ?? []).length === 0) throw new UnusableInput("--tls-host", "--tls-dir needs at least one --tls-host (the names the certificate is for)");
  let tls = a.tlsCert && a.tlsKey ? { cert: readPem(a.tlsCert, "--tls-cert"), key: readPem(a.tlsKey, "--tls-key") } : undefined;
  if (a.tlsDir && a.caDir) {
    let made;
    try {
      made = ensureStackTls(a.tlsDir, a.caDir, a.tlsHosts!);
    } catch (e) {
      throw new UnusableInput(a.tlsDir, `cannot make or read the stack's TLS (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    tls = { cert: made.cert, key: made.key };
    out(`${made.made ? "made a new CA" : "reusing the CA"} for ${a.tlsHosts!.join(", ")}: ${path.join(a.caDir, "ca.pem")}`);
  }
  let sim: Simulator;
  try {
    sim = await startSimulator({ keys, scenario, port: a.port, ...(a.host ? { host: a.host } : {}), ...(tls ? { tls } : {}), ...(a.adminPort !== undefined ? { adminPort: a.adminPort } : {}) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") throw new UnusableInput("--port", `cannot listen on ${a.host ?? "127.0.0.1"}:${a.port} (${code})`);
    if (tls) throw new UnusableInput(a.tlsCert!, `not a usable certificate and key (${(e as Error).message})`);
    throw e;
  }
  out(`listening on ${sim.url}`);
  return sim;
}

/** Resolves with the exit code after SIGINT or SIGTERM closed the simulator. */
export function untilSignal(sim: Simulator): Promise<number> {
  return new Promise((resolve) => {
    const stop = () => void sim.close().then(() => resolve(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
