import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { carrierInputs, containerInputs } from "../model/containerArgs";
import type { ContainerPlan } from "../model/plan";
import type { Secrets } from "./secrets";

export interface ServiceArgs {
  plan: ContainerPlan;
  network: pulumi.Input<string>;
  secrets: Secrets;
  /** Image reference; built app images pass the built image's name. */
  image: pulumi.Input<string>;
  /** True when another container waits for this one to be healthy. */
  waitForHealthy: boolean;
}

/**
 * One cdb container inside a component. Subclasses only name the component
 * type, so every service gets the same mapping from plan to docker inputs.
 */
export abstract class ServiceComponent extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Holds the secret files of a read-only container (see ContainerPlan.secretsCarrier). */
  readonly carrier?: docker.Container;

  protected constructor(type: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, args.plan.service, {}, opts);
    // containerInputs takes plain strings (the readiness CLI has no Outputs);
    // image and network are Outputs here and are set below.
    const inputs = containerInputs(args.plan, {
      image: "",
      network: "",
      secret: (name) => args.secrets.content(name),
      waitForHealthy: args.waitForHealthy,
    });
    const carrier = carrierInputs(args.plan, { image: "", secret: (name) => args.secrets.content(name) });
    if (carrier) {
      this.carrier = new docker.Container(carrier.name, { ...carrier, image: args.image }, { parent: this, deleteBeforeReplace: true });
    }
    this.container = new docker.Container(
      args.plan.name,
      {
        ...inputs,
        image: args.image,
        networksAdvanced: [{ name: args.network, aliases: [args.plan.alias, ...(args.plan.extraAliases ?? [])] }],
      },
      {
        parent: this,
        // Replacing a trading container must never leave two running at once.
        deleteBeforeReplace: true,
        // New secret files (a new carrier) must restart the service that reads them at start.
        // An option, not a label holding the carrier's id: that id is unknown during a
        // first preview, and the policy pack must not have to read unknown values.
        ...(this.carrier ? { dependsOn: [this.carrier], replaceWith: [this.carrier] } : {}),
      },
    );
    this.registerOutputs({ name: this.container.name });
  }
}
