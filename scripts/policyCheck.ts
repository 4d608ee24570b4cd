import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT, stackConfigFile } from "../platform/paths";
import { CONFIG_SECTION, runGate, type GateResult } from "../readiness/gate";
import { renderMarkdown } from "../readiness/report";
import { safetyViolations } from "../config/safety";
import { UnusableInput } from "../platform/errors";
import { rawStackConfigFile } from "../readiness/stackView";
import { baseCheckout, changedGateFiles, closureOf, judgeDirectory, resolveBase, runJudged } from "./baseJudge";
import { unowned } from "./codeowners";
import { gateClosure } from "./gateClosure";
import { runCorpus } from "./judgeCorpus";
import { deploy } from "./deploy";
import { withheldTraders } from "../readiness/deployRule";
import type { automation } from "@pulumi/pulumi";

// `npm run policy-check`: what the pull-request workflow checks, locally.
// Red (exit 1) when paper's preview fails, when any safety policy fires in
// either stack, or when an input is unusable. A live stack that is merely not
// ready (checklist items open, operator settings not yet added) is reported,
// not failed: it is the normal state of this repository between promotions.
// The safety rules (config/safety.ts) are checked on each stack file as well,
// so a live config that is not previewed (operator settings missing) is still
// judged. With --base <ref>, the PR is judged a second time by the gate of
// <ref> (scripts/baseJudge.ts); red if either judgement is red.

/** Policies whose violation means "not ready yet", not "unsafe". */
export const READINESS_POLICIES = new Set(["live-readiness", "live-trading-gate"]);

type Outcome = "ok" | "reported" | "failed";
interface Step {
  name: string;
  outcome: Outcome;
  detail: string;
}

interface Preview {
  error?: string;
  safety: string[];
  readiness: string[];
  /** Containers the program left out because they would trade for real (stacks/unreadyTraders.ts). */
  withheld: string[];
}

async function preview(stack: string, log: (l: string) => void): Promise<Preview> {
  const safety: string[] = [];
  const readiness: string[] = [];
  const withheld: string[] = [];
  const onDiagnostic = (e: automation.DiagnosticEvent) => withheld.push(...withheldTraders(e.message));
  try {
    await deploy({ stack, preview: true, confirmLive: false, onDiagnostic, onPolicyViolation: (e) => (READINESS_POLICIES.has(e.policyName) ? readiness : safety).push(`${e.policyName}: ${e.message.trim().split("\n")[0]}`) }, log);
    return { safety, readiness, withheld: [...new Set(withheld)] };
  } catch (e) {
    return { error: String((e as Error).message ?? e).trim().split("\n").at(-1), safety, readiness, withheld: [...new Set(withheld)] };
  }
}

async function paperStep(log: (l: string) => void): Promise<Step> {
  const r = await preview("paper", log);
  // A trader the program withholds is one no policy saw: paper must never have one.
  const dropped = r.withheld.length ? [`the program withheld ${r.withheld.join(", ")} from paper's plan: it would trade for real`] : [];
  if (r.error || r.safety.length || r.readiness.length || dropped.length) return { name: "preview paper with the policy pack", outcome: "failed", detail: [...dropped, ...r.safety, ...r.readiness, r.error].filter(Boolean).join("; ") };
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

/** The safety rules on each stack file as it is: red whatever the previews could see. */
function configSafetySteps(): Step[] {
  return ["paper", "live"].map((stack) => {
    const name = `safety rules of Pulumi.${stack}.yaml`;
    const problems = safetyViolations(stack, rawStackConfigFile(stackConfigFile(stack)));
    return problems.length ? { name, outcome: "failed", detail: problems.join("; ") } : { name, outcome: "ok", detail: "within the runbook's bounds" };
  });
}

function readinessStep(report: (l: string) => void, gate: GateResult): Step {
  report(renderMarkdown(gate.verdict, gate.catalog, gate.notes));
  return { name: "readiness of live", outcome: gate.verdict.ready ? "ok" : "reported", detail: gate.verdict.ready ? "ready" : "not ready" };
}

/** The PR judged by the gate of `ref`, and whether the PR changes that gate. */
function judgedByBase(ref: string, base: string, prClosure: readonly string[], progress: (l: string) => void, report: (l: string) => void): Step[] {
  const steps: Step[] = [];
  const checkout = baseCheckout(base);
  let dir: string | undefined;
  try {
    const baseClosure = closureOf(checkout);
    const changed = changedGateFiles(base, baseClosure, prClosure);
    if (changed.length > 0) steps.push({ name: `the gate itself changed against ${ref}`, outcome: "reported", detail: `needs review by the gate's owners (CODEOWNERS): ${changed.join(", ")}` });
    dir = judgeDirectory(checkout, baseClosure);
    const judged = runJudged(dir, baseClosure.includes("scripts/judgeCorpus.ts"), progress);
    report(`### Judged by the gate of ${ref} (${base.slice(0, 12)})\n\n${judged.report.trim()}\n`);
    steps.push({ name: `judged by the gate of ${ref}`, outcome: judged.code === 0 ? "ok" : "failed", detail: judged.code === 0 ? "green" : `red (exit ${judged.code}): ${failures(judged.report) || "see the report above"}` });
  } finally {
    rmSync(checkout, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}

/** The FAIL lines of a policy check's report, so that red names what failed. */
const failures = (report: string) =>
  report
    .split("\n")
    .filter((l) => l.startsWith("FAIL "))
    .map((l) => l.slice(5).trim())
    .join(" | ");

/** Every file of the gate's closure has an owner in .github/CODEOWNERS. */
function ownersStep(closure: readonly string[]): Step {
  const name = "CODEOWNERS covers the gate's closure";
  const file = path.join(REPO_ROOT, ".github", "CODEOWNERS");
  const missing = unowned(existsSync(file) ? readFileSync(file, "utf8") : "", closure);
  return missing.length ? { name, outcome: "failed", detail: `no owner for: ${missing.join(", ")}` } : { name, outcome: "ok", detail: `${closure.length} files owned` };
}

/** `progress` gets Pulumi's output; `report` the Markdown meant for a pull request's summary. */
/** The PR's own judging code against the corpus the base provides (scripts/judgeCorpus.ts). */
function corpusSteps(prRoot: string, progress: (l: string) => void): Step[] {
  return runCorpus(prRoot, progress).map((r) => ({ name: `corpus ${r.case}`, outcome: r.refused ? "ok" : "failed", detail: r.refused ? `the PR's code refuses it too (${r.detail})` : `the base refuses it, the PR's code accepts it: ${r.detail}` }));
}

export async function policyCheck(opts: { tests: boolean; base?: string; corpus?: string }, progress: (l: string) => void, report: (l: string) => void): Promise<Step[]> {
  const steps: Step[] = [];
  // Resolved first: a wrong ref is unusable input before anything runs.
  const base = opts.base === undefined ? undefined : resolveBase(opts.base);
  if (opts.tests) {
    const r = spawnSync("npm", ["test"], { stdio: "inherit", cwd: REPO_ROOT, shell: process.platform === "win32" });
    steps.push({ name: "tests", outcome: r.status === 0 ? "ok" : "failed", detail: `exit ${r.status}` });
  }
  // Run by the base's copy of this check inside the judge directory: the PR's code vs the base's cases.
  if (opts.corpus !== undefined) steps.push(...corpusSteps(opts.corpus, progress));
  const closure = gateClosure();
  steps.push(ownersStep(closure));
  if (base !== undefined) steps.push(...judgedByBase(opts.base!, base, closure, progress, report));
  try {
    steps.push(...configSafetySteps());
  } catch (e) {
    steps.push({ name: "safety rules of the stack files", outcome: "failed", detail: `unusable input: ${(e as Error).message.split("\n")[0]}` });
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
  const opts = new Command("policy-check")
    .option("--no-tests", "skip `npm test` (the workflow runs it as its own step)")
    .option("--base <ref>", "judge the PR a second time with the gate closure (scripts/gateClosure.ts) of this git ref")
    .option("--corpus <dir>", "also run the judging code of the working tree at <dir> against the corpus of cases this gate refuses (passed by --base)")
    .parse()
    .opts<{ tests: boolean; base?: string; corpus?: string }>();
  const out = (l: string) => process.stdout.write(l + "\n");
  policyCheck(opts, (l) => process.stderr.write(l + "\n"), out).then(
    (steps) => {
      const mark: Record<Outcome, string> = { ok: "ok      ", reported: "REPORTED", failed: "FAIL    " };
      out(`\n## Policy check\n\n\`\`\`\n${steps.map((s) => `${mark[s.outcome]} ${s.name}: ${s.detail}`).join("\n")}\n\`\`\``);
      process.exitCode = steps.some((s) => s.outcome === "failed") ? 1 : 0;
    },
    (e: unknown) => {
      process.stderr.write(`policy-check: ${e instanceof UnusableInput ? "unusable input" : "internal error"}: ${(e as Error).message}\n`);
      process.exitCode = e instanceof UnusableInput ? 2 : 3;
    },
  );
}
