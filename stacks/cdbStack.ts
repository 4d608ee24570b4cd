import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretSetting } from "../config/safety";
import { Alertmanager } from "../components/alertmanager";
import { AppImage } from "../components/appImage";
import { AppService } from "../components/appService";
import { ExchangeSimulator } from "../components/exchangeSimulator";
import { Grafana } from "../components/grafana";
import { NetworkAndVolumes } from "../components/networkAndVolumes";
import { Postgres } from "../components/postgres";
import { PostgresExporter } from "../components/postgresExporter";
import { Prometheus } from "../components/prometheus";
import { Redis } from "../components/redis";
import { RedisExporter } from "../components/redisExporter";
import { Secrets } from "../components/secrets";
import type { ServiceArgs, ServiceComponent } from "../components/serviceContainer";
import type { LoadedConfig } from "../config/load";
import { awaitedHealthy } from "../model/containerArgs";
import { settingOfSecret, type StackPlan } from "../model/plan";
import { SERVICES, type ServiceName } from "../config/services";

type ComponentCtor = new (args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) => ServiceComponent;
const INFRA_COMPONENTS: Partial<Record<ServiceName, ComponentCtor>> = {
  redis: Redis,
  postgres: Postgres,
  prometheus: Prometheus,
  alertmanager: Alertmanager,
  grafana: Grafana,
  postgres_exporter: PostgresExporter,
  redis_exporter: RedisExporter,
  exchange_simulator: ExchangeSimulator,
};

export interface DeclaredStack {
  containers: Record<string, ServiceComponent>;
  network: docker.Network;
}

/** Declares every resource of a stack from its plan. */
export function declareStack(loaded: LoadedConfig, plan: StackPlan, setting: (k: SecretSetting) => pulumi.Output<string> | undefined): DeclaredStack {
  const { config } = loaded;
  for (const w of loaded.warnings) pulumi.log.warn(w);
  // A service that lacks an optional secret says so in its own log; the deploy says it once up front.
  for (const c of plan.containers) {
    const missing = SERVICES[c.service].secrets.filter((s) => !c.secrets.includes(s));
    if (missing.length > 0) pulumi.log.info(`${c.name} runs without ${missing.map((m) => `cdb:${settingOfSecret(m)}`).join(", ")} (not configured)`);
  }
  const provider = config.dockerHost ? new docker.Provider("docker", { host: config.dockerHost }) : undefined;
  const opts = provider ? { providers: { docker: provider } } : {};
  const base = new NetworkAndVolumes("cdb", { networkName: plan.networkName, internal: plan.networkInternal, volumeNames: plan.volumes }, opts);
  const secrets = new Secrets("cdb", { postgresUser: config.postgres.user, postgresDatabase: config.postgres.database, setting }, opts);
  const awaited = awaitedHealthy(plan.containers);

  const containers: Record<string, ServiceComponent> = {};
  // plan.containers lists dependencies before their dependents.
  for (const c of plan.containers) {
    const image =
      c.image.kind === "ref"
        ? c.image.ref
        : new AppImage(c.service, { context: c.image.context, dockerfile: c.image.dockerfile, tag: `${c.name}:local` }, opts).imageName;
    const dependsOn = [...Object.values(base.volumes), ...c.dependsOn.map((d) => containers[d.service]!.container)];
    const Ctor = INFRA_COMPONENTS[c.service] ?? AppService;
    containers[c.service] = new Ctor(
      { plan: c, network: base.network.name, secrets, image, waitForHealthy: awaited.has(c.service) },
      { ...opts, dependsOn },
    );
  }
  return { containers, network: base.network };
}
