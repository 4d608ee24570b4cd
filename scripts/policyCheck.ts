import { spawnSync } from "node:child_process";
import { Command } from "commander";
import { REPO_ROOT } from "../readiness/catalog";
import { CONFIG_SECTION, runGate, type GateResult } from "../readiness/gate";
import { renderMarkdown } from "../readiness/report";
import { deploy } from "./deploy";

// `npm run policy-check`: what the pull-request workflow checks, locally.
// Red (exit 1) when paper's preview fails, when any safety policy fires in
// either stack, or when an input is unusable. A live stack that is merely not
// ready (checklist items open, operator settings not yet added) is reported,
// not failed: it is the normal state of this repository between promotions.

/** Policies whose violation means "not ready yet", not "unsafe". */
export const READINESS_POLICIES = new Set(["live-readiness", "live-trading-gate"]);

type Outcome = "ok" | "reported" | "failed";
interface Step {
  name: string;
  outcome: Outcome;
  detail: string;
}

async function preview(stack: string, log: (l: string) => void): Promise<{ error?: string; safety: string[]; readiness: string[] }> {
  const safety: string[] = [];
  const readiness: string[] = [];
  try {
    await deploy({ stack, preview: true, confirmLive: false, onPolicyViolation: (e) => (READINESS_POLICIES.has(e.policyName) ? readiness : safety).push(`${e.policyName}: ${e.message.trim().split("\n")[0]}`) }, log);
    return { safety, readiness };
  } catch (e) {
    return { error: String((e as Error).message ?? e).trim().split("\n").at(-1), safety, readiness };
  }
}

async function paperStep(log: (l: string) => void): Promise<Step> {
  const r = await preview("paper", log);
  if (r.error || r.safety.length || r.readiness.length) return { name: "preview paper with the policy pack", outcome: "failed", detail: [...r.safety, ...r.readiness, r.error].filter(Boolean).join("; ") };
  return { name: "preview paper with the policy pack", outcome: "ok", detail: "every policy passed" };
}

/** The live gate, once: its config items name the operator settings still missing. */
function liveGate(): { gate?: GateResult; problem?: string } {
  try {
    return { gate: runGate({ stack: "live" }) };
  } catch (e) {
    return { problem: e instanceof Error ? e.message.split("\n")[0]! : String(e) };
  }
}

async function liveStep(log: (l: string) => void, gate: GateResult): Promise<Step> {
  const name = "preview live with the policy pack";
  const missing = gate.verdict.items.filter((i) => i.section === CONFIG_SECTION).map((i) => `cdb:${i.id.slice(CONFIG_SECTION.length + 1)}`);
  if (missing.length) return { name, outcome: "reported", detail: `not ready, not previewed: operator settings missing: ${missing.join(", ")}` };
  const r = await preview("live", log);
  if (r.safety.length) return { name, outcome: "failed", detail: `safety policies fired: ${r.safety.join("; ")}` };
  if (r.readiness.length) return { name, outcome: "reported", detail: `not ready: ${r.readiness.length} readiness violations` };
  if (r.error) return { name, outcome: "failed", detail: r.error };
  return { name, outcome: "ok", detail: "ready, every policy passed" };
}

function readinessStep(report: (l: string) => void, gate: GateResult): Step {
  report(renderMarkdown(gate.verdict, gate.catalog, gate.notes));
  return { name: "readiness of live", outcome: gate.verdict.ready ? "ok" : "reported", detail: gate.verdict.ready ? "ready" : "not ready" };
}

/** `progress` gets Pulumi's output; `report` the Markdown meant for a pull request's summary. */
export async function policyCheck(opts: { tests: boolean }, progress: (l: string) => void, report: (l: string) => void): Promise<Step[]> {
  const steps: Step[] = [];
  if (opts.tests) {
    const r = spawnSync("npm", ["test"], { stdio: "inherit", cwd: REPO_ROOT, shell: process.platform === "win32" });
    steps.push({ name: "tests", outcome: r.status === 0 ? "ok" : "failed", detail: `exit ${r.status}` });
  }
  steps.push(await paperStep(progress));
  const { gate, problem } = liveGate();
  if (!gate) {
    steps.push({ name: "live", outcome: "failed", detail: `unusable input: ${problem}` });
    return steps;
  }
  steps.push(await liveStep(progress, gate));
  steps.push(readinessStep(report, gate));
  return steps;
}

if (require.main === module) {
  const opts = new Command("policy-check").option("--no-tests", "skip `npm test` (the workflow runs it as its own step)").parse().opts<{ tests: boolean }>();
  const out = (l: string) => process.stdout.write(l + "\n");
  void policyCheck(opts, (l) => process.stderr.write(l + "\n"), out).then((steps) => {
    const mark: Record<Outcome, string> = { ok: "ok      ", reported: "REPORTED", failed: "FAIL    " };
    out(`\n## Policy check\n\n\`\`\`\n${steps.map((s) => `${mark[s.outcome]} ${s.name}: ${s.detail}`).join("\n")}\n\`\`\``);
    process.exitCode = steps.some((s) => s.outcome === "failed") ? 1 : 0;
  });
}
