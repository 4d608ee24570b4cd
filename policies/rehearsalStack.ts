import { SIMULATOR, canonicalName } from "../config/services";
import { envOf } from "../readiness/facts";
import { tradesForReal } from "../config/safety";
import { isContainer } from "./containers";
import { stackPolicy } from "./guard";
import { knownProps } from "./knownProps";
import { mexcAliases, NETWORK_TYPE, networksOf, rehearsalConfigProblems } from "./rehearsalFacts";
import { stackContext } from "./stackContext";

/**
 * The whole rehearsal stack as declared: its settings say it is isolated
 * (readiness/rehearsalRule.ts: the rehearsal key, not the live one), every
 * network is internal, the simulator answers as MEXC's hosts on it with the
 * stack's keys file, and every container that may trade (or whose
 * environment is not known yet) is on internal networks only.
 */
export const rehearsalStack = stackPolicy({
  name: "rehearsal-stack",
  description: "A rehearsal stack is refused unless its network is internal, its key is the rehearsal key, and the simulator answers as MEXC.",
  validate: (args, report) => {
    const ctx = stackContext();
    if (!ctx.rehearsal) return;
    for (const p of rehearsalConfigProblems(ctx)) report(p);
    const known = args.resources.map((r) => ({ type: r.type, ...knownProps(r.props as Record<string, unknown>) }));
    const networks = known.filter((r) => r.type === NETWORK_TYPE);
    if (networks.length === 0) report("the stack declares no network: its containers would be on the default bridge, which has a route out");
    const internal = new Set<string>();
    for (const n of networks) {
      const name = String(n.props.name ?? "(name not known yet)");
      if (n.props.internal === true) internal.add(name);
      else report(`network ${name} is not internal (internal: ${JSON.stringify(n.props.internal ?? "unset")})`);
    }
    const containers = known.filter((r) => isContainer(r.type));
    const sims = containers.filter((c) => networksOf(c.props).some((n) => n.aliases.includes(canonicalName("exchange_simulator"))));
    if (sims.length === 0) report("the stack has no exchange_simulator: nothing answers as MEXC");
    for (const s of sims) {
      const aliases = mexcAliases(s.props);
      const missing = SIMULATOR.hosts.filter((h) => !aliases.includes(h));
      if (missing.length > 0) report(`${String(s.props.name)} does not answer as ${missing.join(", ")}`);
      const uploads = ((s.props.uploads as { file?: string }[] | undefined) ?? []).map((u) => u.file);
      if (!uploads.includes("/run/secrets/simulator_keys")) report(`${String(s.props.name)} gets no keys file (/run/secrets/simulator_keys): it would accept no key, or another`);
    }
    for (const c of containers) {
      if (sims.includes(c)) continue;
      if (mexcAliases(c.props).length > 0) report(`${String(c.props.name)} answers as MEXC (${mexcAliases(c.props).join(", ")}) but is not the simulator`);
      // A secrets carrier is created stopped (start: false, an input, always known) and never runs.
      if (c.props.start === false) continue;
      const mayTrade = c.unknown.includes("envs") || tradesForReal(envOf(c.props));
      if (!mayTrade) continue;
      const nets = networksOf(c.props);
      if (nets.length === 0) report(`${String(c.props.name)} may trade and is on no declared network (the default bridge has a route out)`);
      for (const n of nets) if (n.name === undefined || !internal.has(n.name)) report(`${String(c.props.name)} may trade and is on network ${n.name ?? "(not known yet)"}, which is not a declared internal network`);
    }
  },
});
