import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceContainer";

/** The MEXC simulator of a rehearsal stack (`cdb:rehearsal:ExchangeSimulator`), reached as api.mexc.com. */
export class ExchangeSimulator extends ServiceComponent {
  constructor(args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:rehearsal:ExchangeSimulator", args, opts);
  }
}
