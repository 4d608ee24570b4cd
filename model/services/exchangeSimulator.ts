import { SERVICES, SIMULATOR } from "../../config/services";
import { secretPath } from "../startCommand";
import type { ServiceModule } from "./module";

/** The MEXC simulator of a rehearsal stack, reached as MEXC's hosts (its network aliases). */
export const exchangeSimulator: ServiceModule = {
  name: "exchange_simulator",
  spec: SERVICES.exchange_simulator,
  component: "cdb:rehearsal:ExchangeSimulator",
  extraAliases: SIMULATOR.hosts,
  env: () => ({}),
  // The image holds Node and the simulator bundle (exchange/main.ts); MEXC's port is 443.
  start: () => ({
    command: [
      "node", SIMULATOR.program,
      "--port", String(SERVICES.exchange_simulator.port), "--host", "0.0.0.0",
      "--keys", secretPath("simulator_keys"),
      "--tls-dir", SIMULATOR.tlsDir, "--ca-dir", SIMULATOR.caDir,
      ...SIMULATOR.hosts.flatMap((h) => ["--tls-host", h]),
      "--admin-port", String(SIMULATOR.adminPort),
    ],
  }),
};
