import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkAndVolumesArgs {
  networkName: string;
  volumeNames: readonly string[];
}

/** The stack's bridge network and its named volumes (`cdb:infra:NetworkAndVolumes`). */
export class NetworkAndVolumes extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly volumes: Record<string, docker.Volume>;

  constructor(name: string, args: NetworkAndVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:NetworkAndVolumes", name, {}, opts);
    const child = { parent: this };
    this.network = new docker.Network(args.networkName, { name: args.networkName, driver: "bridge" }, child);
    this.volumes = Object.fromEntries(args.volumeNames.map((v) => [v, new docker.Volume(v, { name: v }, child)]));
    this.registerOutputs({ network: this.network.name });
  }
}
