import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/**
 * Builds an app image from a local checkout of the trading system (paper only),
 * as upstream's compose does: the checkout root as context and the service's
 * Dockerfile (both already resolved against the Pulumi project directory).
 * This project's own services (the witness) are built the same way from this
 * repository, under their own component type (`cdb:own:Image`).
 */
export class AppImage extends pulumi.ComponentResource {
  readonly imageName: pulumi.Output<string>;

  constructor(name: string, args: { context: string; dockerfile: string; tag: string; own?: boolean }, opts?: pulumi.ComponentResourceOptions) {
    super(args.own ? "cdb:own:Image" : "cdb:app:Image", name, {}, opts);
    const image = new docker.Image(
      name,
      { build: { context: args.context, dockerfile: args.dockerfile }, imageName: args.tag, skipPush: true },
      { parent: this },
    );
    this.imageName = image.imageName;
    this.registerOutputs({ imageName: this.imageName });
  }
}
