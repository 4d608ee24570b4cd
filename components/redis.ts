import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

export class Redis extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:Redis", args, opts);
  }
}
