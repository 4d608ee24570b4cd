import type { ServiceName } from "../../config/services";
import { allocation } from "./allocation";
import { alertmanager } from "./alertmanager";
import { candles } from "./candles";
import { dbWriter } from "./dbWriter";
import { exchangeSimulator } from "./exchangeSimulator";
import { execution } from "./execution";
import { grafana } from "./grafana";
import { loki } from "./loki";
import type { ServiceModule } from "./module";
import { paperRunner } from "./paperRunner";
import { postgres } from "./postgres";
import { postgresExporter } from "./postgresExporter";
import { prometheus } from "./prometheus";
import { promtail } from "./promtail";
import { redis } from "./redis";
import { redisExporter } from "./redisExporter";
import { regime } from "./regime";
import { reports } from "./reports";
import { risk } from "./risk";
import { signal } from "./signal";
import { witness } from "./witness";
import { ws } from "./ws";

// The list: every service's module by name. A new service is a module of its
// own (./<service>.ts) and a line here (and its name in config/services.ts,
// whose lists the config schema validates against).
export const SERVICE_MODULES: Readonly<Record<ServiceName, ServiceModule>> = {
  redis,
  postgres,
  prometheus,
  alertmanager,
  grafana,
  postgres_exporter: postgresExporter,
  redis_exporter: redisExporter,
  loki,
  promtail,
  witness,
  ws,
  signal,
  candles,
  regime,
  allocation,
  risk,
  execution,
  db_writer: dbWriter,
  paper_runner: paperRunner,
  reports,
  exchange_simulator: exchangeSimulator,
};

export type { ServiceContext, ServiceModule } from "./module";
