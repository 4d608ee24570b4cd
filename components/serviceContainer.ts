import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { carrierInputs, containerInputs } from "../model/containerArgs";
import type { ContainerPlan } from "../model/plan";
import type { Secrets } from "./secrets";

export interface ServiceContainerArgs {
  /** The component type of the service (its module's `component`): part of every URN of its resources. */
  type: string;
  plan: ContainerPlan;
  network: pulumi.Input<string>;
  secrets: Secrets;
  /** Image reference; built app images pass the built image's name. */
  image: pulumi.Input<string>;
  /** True when another container waits for this one to be healthy. */
  waitForHealthy: boolean;
}

/**
 * One cdb container, and the stopped carrier of its secret files where it has
 * one, as a component of the service's type: every service gets the same
 * mapping from plan to docker inputs (model/containerArgs.ts).
 */
export class ServiceContainer extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** Holds the secret files of a read-only container (see ContainerPlan.secretsCarrier). */
  readonly carrier?: docker.Container;

  constructor(name: string, args: ServiceContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(args.type, name, {}, opts);
    const secret = (file: Parameters<Secrets["content"]>[0]) => args.secrets.content(file);
    const carrier = carrierInputs(args.plan, { image: args.image, secret });
    if (carrier) this.carrier = new docker.Container(carrier.name, carrier, { parent: this, deleteBeforeReplace: true });
    this.container = new docker.Container(
      args.plan.name,
      containerInputs(args.plan, { image: args.image, network: args.network, secret, waitForHealthy: args.waitForHealthy }),
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
