import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

export class PostgresExporter extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:PostgresExporter", args, opts);
  }
}
