import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

export class Postgres extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:Postgres", args, opts);
  }
}
