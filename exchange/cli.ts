import type { Command } from "commander";
import { UnusableInput } from "../readiness/errors";
import { action, type Exit } from "../ops/cli";

// `cdb exchange simulate|check` and `cdb rehearse`. Everything of the
// simulator, ccxt and the rehearsal loads inside the actions: other commands
// never pay for them.

const out = (s: string) => process.stdout.write(s + "\n");

const port = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new UnusableInput(flag, `${JSON.stringify(v)} is not a TCP port`);
  return Number(v);
};

export function registerExchangeCommands(program: Command, exit: Exit, fail: (e: unknown) => never): void {
  const run = <A extends unknown[]>(f: (...args: A) => Promise<number>) => action(exit, fail, f);
  const exchange = program.command("exchange").description("The simulated MEXC spot API, and the check of a stack's MEXC key");

  exchange
    .command("simulate")
    .description("Run the MEXC spot API simulator on this host; prints `listening on <url>` when ready")
    .requiredOption("--port <port>", "TCP port (0: any free one)", port("--port"))
    .requiredOption("--keys <file>", "API keys it accepts: one `<key> <secret>` pair a line")
    .option("--scenario <file>", "scenario (YAML; default: every order fills in full at its ticker price, 1,000 USDT)")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--tls-cert <file>", "PEM certificate (chain): serve HTTPS")
    .option("--tls-key <file>", "PEM key of --tls-cert")
    .option("--admin-port <port>", "serve /_simulator/ on 127.0.0.1:<port> only, not on the API port", port("--admin-port"))
    .action(
      run(async (opts: { port: number; keys: string; scenario?: string; host: string; tlsCert?: string; tlsKey?: string; adminPort?: number }) => {
        const { simulate, untilSignal } = (require("./simulate") as typeof import("./simulate"));
        const sim = await simulate(opts, out);
        return untilSignal(sim);
      }),
    );
}
