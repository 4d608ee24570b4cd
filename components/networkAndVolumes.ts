import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface NetworkAndVolumesArgs {
  networkName: string;
  /** No route out (`internal: true`): every rehearsal stack's network. */
  internal: boolean;
  volumeNames: readonly string[];
}

/**
 * The stack's bridge network and its named volumes (`cdb:infra:NetworkAndVolumes`).
 * `internal` is always written out, true or false: an unset value is a computed
 * output the provider leaves unknown in a preview, which the rehearsal policies
 * would have to refuse.
 */
export class NetworkAndVolumes extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly volumes: Record<string, docker.Volume>;

  constructor(name: string, args: NetworkAndVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:NetworkAndVolumes", name, {}, opts);
    const child = { parent: this };
    this.network = new docker.Network(args.networkName, { name: args.networkName, driver: "bridge", internal: args.internal }, child);
    this.volumes = Object.fromEntries(args.volumeNames.map((v) => [v, new docker.Volume(v, { name: v }, child)]));
    this.registerOutputs({ network: this.network.name });
  }
}
