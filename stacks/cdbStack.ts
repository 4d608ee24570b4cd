import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SecretSetting } from "../config/safety";
import { AppImage } from "../components/appImage";
import { NetworkAndVolumes } from "../components/networkAndVolumes";
import { Secrets } from "../components/secrets";
import { ServiceContainer } from "../components/serviceContainer";
import type { LoadedConfig } from "../config/load";
import { awaitedHealthy } from "../model/containerArgs";
import { settingOfSecret, type StackPlan } from "../model/plan";
import { SERVICE_MODULES } from "../model/services";

export interface DeclaredStack {
  containers: Record<string, ServiceContainer>;
  network: docker.Network;
}

/** Declares every resource of a stack from its plan. */
export function declareStack(loaded: LoadedConfig, plan: StackPlan, setting: (k: SecretSetting) => pulumi.Output<string> | undefined): DeclaredStack {
  const { config } = loaded;
  for (const w of loaded.warnings) pulumi.log.warn(w);
  // A service that lacks an optional secret says so in its own log; the deploy says it once up front.
  for (const c of plan.containers) {
    const missing = SERVICE_MODULES[c.service].spec.secrets.filter((s) => !c.secrets.includes(s));
    if (missing.length > 0) pulumi.log.info(`${c.name} runs without ${missing.map((m) => `cdb:${settingOfSecret(m)}`).join(", ")} (not configured)`);
  }
  const provider = config.dockerHost ? new docker.Provider("docker", { host: config.dockerHost }) : undefined;
  const opts = provider ? { providers: { docker: provider } } : {};
  const base = new NetworkAndVolumes("cdb", { networkName: plan.networkName, internal: plan.networkInternal, volumeNames: plan.volumes }, opts);
  const secrets = new Secrets("cdb", { postgresUser: config.postgres.user, postgresDatabase: config.postgres.database, setting }, opts);
  const awaited = awaitedHealthy(plan.containers);

  const containers: Record<string, ServiceContainer> = {};
  // plan.containers lists dependencies before their dependents.
  for (const c of plan.containers) {
    const image =
      c.image.kind === "ref"
        ? c.image.ref
        : new AppImage(c.service, { context: c.image.context, dockerfile: c.image.dockerfile, tag: `${c.name}:local`, own: c.image.from === "project" }, opts).imageName;
    const dependsOn = [...Object.values(base.volumes), ...c.dependsOn.map((d) => containers[d.service]!.container)];
    containers[c.service] = new ServiceContainer(
      c.service,
      { type: SERVICE_MODULES[c.service].component, plan: c, network: base.network.name, secrets, image, waitForHealthy: awaited.has(c.service) },
      { ...opts, dependsOn },
    );
  }
  return { containers, network: base.network };
}
