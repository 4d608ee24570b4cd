import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Builds an app image from a local checkout of the trading system (paper only). */
export class AppImage extends pulumi.ComponentResource {
  readonly imageName: pulumi.Output<string>;

  constructor(name: string, args: { context: string; tag: string }, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:app:Image", name, {}, opts);
    const image = new docker.Image(
      name,
      { build: { context: args.context }, imageName: args.tag, skipPush: true },
      { parent: this },
    );
    this.imageName = image.imageName;
    this.registerOutputs({ imageName: this.imageName });
  }
}
