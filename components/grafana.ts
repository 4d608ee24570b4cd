import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

export class Grafana extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:Grafana", args, opts);
  }
}
