import { readFileSync } from "node:fs";
import { UnusableInput } from "../readiness/errors";
import { loadKeys } from "./keys";
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
}

const readPem = (file: string, flag: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UnusableInput(file, `cannot read ${flag} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
};

export async function simulate(a: SimulateArgs, out: (line: string) => void): Promise<Simulator> {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UnusableInput("--port", `${a.port} is not a TCP port`);
  if (Boolean(a.tlsCert) !== Boolean(a.tlsKey)) throw new UnusableInput(a.tlsCert ? "--tls-key" : "--tls-cert", "--tls-cert and --tls-key go together");
  const keys = loadKeys(a.keys);
  const scenario = a.scenario ? loadScenario(a.scenario) : DEFAULT_SCENARIO;
  const tls = a.tlsCert && a.tlsKey ? { cert: readPem(a.tlsCert, "--tls-cert"), key: readPem(a.tlsKey, "--tls-key") } : undefined;
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
