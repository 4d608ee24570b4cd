import { runGate } from "../readiness/gate";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { stackPolicy } from "./guard";
import { stackContext } from "./stackContext";
import { reportGate } from "./verdictReport";

/**
 * The readiness gate on the whole live stack: facts from the resources the
 * engine registered, evidence from the evidence file, config digest from the
 * stack's config. Runs on preview and update; the resource-level twin
 * (live-trading-gate) covers `pulumi up --skip-preview`.
 */
export const liveReadiness = stackPolicy({
  name: "live-readiness",
  description: "A live stack passes only when every item of the live-trading checklist is satisfied.",
  validate: (args, report) => {
    const ctx = stackContext();
    if (!ctx.live) return;
    const resources = args.resources.map((r) => ({ type: r.type, props: r.props as Record<string, unknown> }));
    const plan = planStackWithMonitoring(ctx.stack, ctx.loaded.config, ctx.loaded.secretsSet);
    reportGate(runGate({ stack: ctx.stack, target: { plan, resources } }), report, "live-readiness");
  },
});
