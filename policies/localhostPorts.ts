import { isContainer } from "./containers";
import { resourcePolicy } from "./guard";

export const localhostPorts = resourcePolicy({
  name: "localhost-ports",
  description: "Host ports are bound to 127.0.0.1 only (Docker binds 0.0.0.0 when no address is given).",
  validate: (args, report) => {
    if (!isContainer(args.type)) return;
    for (const p of (args.props.ports as { external?: number; internal: number; ip?: string }[] | undefined) ?? []) {
      if (p.ip !== "127.0.0.1") report(`${args.name}: port ${p.external ?? "?"}->${p.internal} is bound to ${p.ip ?? "all addresses (0.0.0.0)"}, must be 127.0.0.1`);
    }
  },
});
