import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

/** Any of the Python services of the trading system (`cdb:app:Service`). */
export class AppService extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:app:Service", args, opts);
  }
}
