import { planStackWithMonitoring } from "../model/monitoredPlan";
import { SIMULATOR } from "../config/services";
import { rehearsalProblems } from "../readiness/rehearsalRule";
import type { StackContext } from "./stackContext";

// What the rehearsal policies read from the declared resources: shared by
// live-trading-gate (a trader, before it is created), rehearsal-network-internal
// and rehearsal-stack. Values not known in a preview are absent here
// (policies/knownProps.ts), and an absent value never counts as isolated.

export const NETWORK_TYPE = "docker:index/network:Network";

/** The plan of the stack from its config (always known) judged by the rehearsal rule. */
export function rehearsalConfigProblems(ctx: StackContext): string[] {
  return rehearsalProblems(planStackWithMonitoring(ctx.stack, ctx.loaded.config, ctx.loaded.secretsSet));
}

export const networksOf = (props: Record<string, unknown>): { name?: string; aliases: string[] }[] =>
  ((props.networksAdvanced as { name?: unknown; aliases?: unknown }[] | undefined) ?? []).map((n) => ({
    ...(typeof n.name === "string" ? { name: n.name } : {}),
    aliases: Array.isArray(n.aliases) ? n.aliases.filter((a): a is string => typeof a === "string") : [],
  }));

/** A container of a rehearsal stack that trades: the stack must be isolated, and the container on its network only. */
export function rehearsalTraderProblems(ctx: StackContext, props: Record<string, unknown>): string[] {
  const problems = rehearsalConfigProblems(ctx);
  const want = planStackWithMonitoring(ctx.stack, ctx.loaded.config, ctx.loaded.secretsSet).networkName;
  const networks = networksOf(props);
  if (networks.length === 0) problems.push("it is on no declared network (the default bridge has a route out)");
  for (const n of networks) if (n.name !== want) problems.push(`it is on network ${n.name ?? "(not known yet)"}, not the stack's internal network ${want}`);
  if (typeof props.networkMode === "string" && props.networkMode !== "" && props.networkMode !== "bridge" && props.networkMode !== want) problems.push(`its network mode is ${props.networkMode}`);
  return problems;
}

/** The simulator's aliases that a container answers as. */
export const mexcAliases = (props: Record<string, unknown>): string[] => networksOf(props).flatMap((n) => n.aliases).filter((a) => (SIMULATOR.hosts as readonly string[]).includes(a));
