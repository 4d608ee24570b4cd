import { isAppService, SERVICES, type ServiceName } from "../config/services";
import { cdbContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { stackContext } from "./stackContext";

export const liveHardening = resourcePolicy({
  name: "live-hardening",
  description: "Live app containers and the witness run hardened: no-new-privileges, all capabilities dropped, read-only root, CPU and memory limits, restart on-failure.",
  validate: (args, report) => {
    const c = cdbContainer(args.type, args.props);
    if (!c || !stackContext().live) return;
    const service = c.service as ServiceName;
    // The witness too: what it signs is worth only as much as the container it runs in.
    if (!isAppService(service) && SERVICES[service]?.hardened !== true) return;
    const p = args.props as {
      securityOpts?: string[];
      capabilities?: { drops?: string[] };
      readOnly?: boolean;
      memory?: number;
      cpus?: string;
      restart?: string;
    };
    const problems: string[] = [];
    if (!(p.securityOpts ?? []).includes("no-new-privileges:true")) problems.push("securityOpts lacks no-new-privileges:true");
    if (!(p.capabilities?.drops ?? []).map((d) => d.toUpperCase()).includes("ALL")) problems.push("capabilities do not drop ALL");
    if (p.readOnly !== true) problems.push("root filesystem is not read-only");
    if (!(Number(p.memory) > 0)) problems.push("no memory limit");
    if (!(Number(p.cpus) > 0)) problems.push("no CPU limit");
    if (p.restart !== "on-failure") problems.push(`restart is ${p.restart ?? "unset"}, must be on-failure`);
    for (const problem of problems) report(`${c.name}: ${problem}`);
  },
});
