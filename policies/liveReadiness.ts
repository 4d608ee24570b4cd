import { runGate } from "../readiness/gate";
import { envOf } from "../readiness/facts";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { tradesForReal } from "../config/safety";
import { isContainer } from "./containers";
import { knownProps } from "./knownProps";
import { stackPolicy } from "./guard";
import { stackContext } from "./stackContext";
import { reportGate } from "./verdictReport";

/**
 * The readiness gate on the whole live stack: facts from the resources the
 * engine registered, evidence from the evidence file, config digest from the
 * stack's config. Runs on preview and update; the resource-level twin
 * (live-trading-gate) covers `pulumi up --skip-preview`.
 *
 * Outputs not known in a preview (the real provider leaves every computed
 * output the inputs do not set unknown on a create or replace) are read as
 * absent, never as an exception that would refuse every fresh live stack.
 *
 * A live stack in which nothing can trade (mode paper, every container with
 * paper flags) passes without evidence: that is where `cdb rollback` returns
 * it, and a rollback refused by the gate it restores safety for would leave
 * the operator with no way back but by hand.
 */
export const liveReadiness = stackPolicy({
  name: "live-readiness",
  description: "A live stack passes only when every item of the live-trading checklist is satisfied.",
  validate: (args, report) => {
    const ctx = stackContext();
    if (!ctx.live) return;
    const known = args.resources.map((r) => ({ type: r.type, ...knownProps(r.props as Record<string, unknown>) }));
    const resources = known.map((r) => ({ type: r.type, props: r.props }));
    // A container whose environment is not known yet may trade: it is gated (fail closed). A container
    // created stopped (`start: false`, an input, so always known: the secrets carriers) never runs.
    const trades = known.some((r) => isContainer(r.type) && r.props.start !== false && (r.unknown.includes("envs") || tradesForReal(envOf(r.props))));
    if (ctx.loaded.config.mode !== "live" && !trades) return;
    const plan = planStackWithMonitoring(ctx.stack, ctx.loaded.config, ctx.loaded.secretsSet);
    reportGate(runGate({ stack: ctx.stack, target: { plan, resources } }), report, "live-readiness");
  },
});
