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
import { EXIT, classify } from "../platform/exitCodes";
import { baseCheckout, changedGateFiles, closureOf, handOver, isPrData, judgeDirectory, judgesWhole, prTree, resolveBase, runJudged, runOwnCheck, type Run } from "./baseJudge";
import { unowned } from "./codeowners";
import { gateClosure } from "./gateClosure";
import { runCorpus } from "./judgeCorpus";
import { deploy } from "./deploy";
import { withheldTraders } from "../readiness/deployRule";
import type { automation } from "@pulumi/pulumi";

// The build (plain JavaScript, scripts/bin/build.cjs): a static require, so that it is in the gate's closure.
const { buildIfStale } = require("./bin/build.cjs") as { buildIfStale(root: string, onError?: (e: Error) => void): boolean };

// `npm run policy-check`: what the pull-request workflow checks, locally.
// Red (exit 1) when paper's preview fails, when any safety policy fires in
// either stack, or when an input is unusable. A live stack that is merely not
// ready (checklist items open, operator settings not yet added) is reported,
// not failed: it is the normal state of this repository between promotions.
// The safety rules (config/safety.ts) are checked on each stack file as well,
// so a live config that is not previewed (operator settings missing) is still
// judged.
//
// With --judge <pr>, run from a checkout of the base (the workflow does), this
// copy is the top-level judge of the PR's tree: the exit code and the report
// are the base's, whatever the PR's own check says (scripts/baseJudge.ts).
// --base <ref> (local use) makes that checkout and hands over to it at once;
// a base older than --judge is run the way it was then, by this copy.

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

/**
 * A base before `--judge` (its check cannot be the top-level judge): the PR's
 * check, this one, runs the base's in a judge directory, as it did then.
 */
function judgedByOldBase(ref: string, base: string, checkout: string, prClosure: readonly string[], progress: (l: string) => void, report: (l: string) => void): Step[] {
  const steps: Step[] = [];
  let dir: string | undefined;
  try {
    const baseClosure = closureOf(checkout);
    const changed = changedGateFiles(checkout, REPO_ROOT, baseClosure, prClosure);
    if (changed.length > 0) steps.push(gateChanged(ref, changed));
    dir = judgeDirectory(checkout, baseClosure, REPO_ROOT);
    const judged = runJudged(dir, baseClosure.includes("scripts/judgeCorpus.ts") ? REPO_ROOT : undefined, progress);
    report(`### Judged by the gate of ${ref} (${base.slice(0, 12)})\n\n${judged.report.trim()}\n`);
    steps.push(judgedStep(ref, judged));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return steps;
}

const gateChanged = (name: string, changed: readonly string[]): Step => ({ name: `the gate itself changed against ${name}`, outcome: "reported", detail: `needs review by the gate's owners (CODEOWNERS): ${changed.join(", ")}` });

const judgedStep = (name: string, judged: Run): Step => ({ name: `judged by the gate of ${name}`, outcome: judged.code === EXIT.ok ? "ok" : "failed", detail: judged.code === EXIT.ok ? "green" : `red (exit ${judged.code}): ${failures(judged.report) || "see the report above"}` });

/** A report of the PR's code, shown as a quotation: its lines can never pass for the judge's. */
const quoted = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");

/**
 * `--judge <pr>`: this check, run from a checkout of the base, is the
 * top-level judge of the PR's tree; its steps are the verdict. The PR's code
 * runs only as what is judged (its program, its judging code against the
 * corpus, its own check): a red there is red, nothing of it makes anything green.
 */
export async function judgePullRequest(opts: { tests: boolean; pr: string; name: string }, progress: (l: string) => void, report: (l: string) => void): Promise<Step[]> {
  const pr = prTree(opts.pr);
  const steps: Step[] = [];
  // The base's closure by its own code, and the PR's by the same code applied to the PR's tree.
  const baseClosure = gateClosure().filter((f) => !isPrData(f));
  const prClosure = gateClosure(pr);
  steps.push(ownersStep(pr, prClosure));
  const changed = changedGateFiles(REPO_ROOT, pr, baseClosure, prClosure);
  if (changed.length > 0) steps.push(gateChanged(opts.name, changed));
  const dir = judgeDirectory(REPO_ROOT, baseClosure, pr);
  try {
    const judged = runJudged(dir, pr, progress);
    report(`### Judged by the gate of ${opts.name}\n\n${judged.report.trim()}\n`);
    steps.push(judgedStep(opts.name, judged));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Last, the PR's code on its own (its tests, its check): after it the judge reads no file of its own, so PR code that rewrote them could not change this verdict.
  if (opts.tests) {
    // Its output is progress: the report (stdout) stays the judge's.
    const r = spawnSync("npm", ["test"], { stdio: ["ignore", process.stderr, process.stderr], cwd: pr, shell: process.platform === "win32" });
    steps.push({ name: "the PR's tests", outcome: r.status === 0 ? "ok" : "failed", detail: `exit ${r.status}` });
  }
  const own = runOwnCheck(pr, progress);
  const name = "the PR's own check (its code, its tree: can add red, never green)";
  if (own.report.trim()) report(`### The PR's own check (its code, quoted)\n\n${quoted(own.report)}\n`);
  if (own.problem !== undefined) steps.push({ name, outcome: "failed", detail: own.problem });
  else steps.push({ name, outcome: own.code === EXIT.ok ? "ok" : "failed", detail: own.code === EXIT.ok ? "green" : `red (exit ${own.code}): ${failures(own.report) || "see its report above"}` });
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
function ownersStep(root: string, closure: readonly string[]): Step {
  const name = "CODEOWNERS covers the gate's closure";
  const file = path.join(root, ".github", "CODEOWNERS");
  const missing = unowned(existsSync(file) ? readFileSync(file, "utf8") : "", closure);
  return missing.length ? { name, outcome: "failed", detail: `no owner for: ${missing.join(", ")}` } : { name, outcome: "ok", detail: `${closure.length} files owned` };
}

/** The PR's own judging code against the corpus the base provides (scripts/judgeCorpus.ts). */
function corpusSteps(prRoot: string, progress: (l: string) => void): Step[] {
  return runCorpus(prRoot, progress).map((r) => ({ name: `corpus ${r.case}`, outcome: r.refused ? "ok" : "failed", detail: r.refused ? `the PR's code refuses it too (${r.detail})` : `the base refuses it, the PR's code accepts it: ${r.detail}` }));
}

/**
 * The check of this tree by its own code; with `oldBase`, also judged by a
 * base that predates `--judge`. `progress` gets Pulumi's output; `report` the
 * Markdown meant for a pull request's summary.
 */
export async function policyCheck(opts: { tests: boolean; corpus?: string; oldBase?: { ref: string; commit: string; checkout: string } }, progress: (l: string) => void, report: (l: string) => void): Promise<Step[]> {
  const steps: Step[] = [];
  // The previews below run this tree's compiled program and pack: a tree fresh from git (a judge
  // directory, the base's checkout, a PR's checkout whose packages were installed without their
  // scripts) or just edited has no build of its sources, and through tsx a preview's program and pack
  // took 13.4 CPU-s instead of 6.6 (a build: ~3). Built by this tree's own build, as `npm ci` would:
  // in a judge directory the base's (scripts/bin/build.cjs is in the gate's closure).
  buildIfStale(REPO_ROOT, (e) => progress(`policy-check: no build of this tree (${String(e.message).split("\n")[0]}): its sources run through tsx`));
  if (opts.tests) {
    const r = spawnSync("npm", ["test"], { stdio: "inherit", cwd: REPO_ROOT, shell: process.platform === "win32" });
    steps.push({ name: "tests", outcome: r.status === 0 ? "ok" : "failed", detail: `exit ${r.status}` });
  }
  // Run by the base's copy of this check inside the judge directory: the PR's code vs the base's cases.
  if (opts.corpus !== undefined) steps.push(...corpusSteps(opts.corpus, progress));
  const closure = gateClosure();
  steps.push(ownersStep(REPO_ROOT, closure));
  if (opts.oldBase !== undefined) steps.push(...judgedByOldBase(opts.oldBase.ref, opts.oldBase.commit, opts.oldBase.checkout, closure, progress, report));
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

interface Options {
  tests: boolean;
  base?: string;
  corpus?: string;
  judge?: string;
  baseName?: string;
}

const printSteps = (steps: Step[], out: (l: string) => void): number => {
  const mark: Record<Outcome, string> = { ok: "ok      ", reported: "REPORTED", failed: "FAIL    " };
  out(`\n## Policy check\n\n\`\`\`\n${steps.map((s) => `${mark[s.outcome]} ${s.name}: ${s.detail}`).join("\n")}\n\`\`\``);
  return steps.some((s) => s.outcome === "failed") ? EXIT.notReady : EXIT.ok;
};

/** The command line: which mode, and the exit code (platform/exitCodes.ts: 0 green, 1 red, 2 unusable input, 3 internal error). */
export async function main(opts: Options, progress: (l: string) => void, out: (l: string) => void): Promise<number> {
  if (opts.judge !== undefined && (opts.base !== undefined || opts.corpus !== undefined)) throw new UnusableInput("--judge", "cannot be combined with --base or --corpus");
  if (opts.judge !== undefined) return printSteps(await judgePullRequest({ tests: opts.tests, pr: opts.judge, name: opts.baseName ?? "the base" }, progress, out), out);
  if (opts.base === undefined) return printSteps(await policyCheck(opts, progress, out), out);
  // Resolved first: a wrong ref is unusable input before anything runs.
  const commit = resolveBase(opts.base);
  const checkout = baseCheckout(commit);
  try {
    // The base judges: its check takes over at once, with this tree as the PR; its output and exit code are the verdict.
    if (judgesWhole(checkout)) return handOver(checkout, REPO_ROOT, ["--base-name", opts.base, ...(opts.tests ? [] : ["--no-tests"])]) ?? EXIT.internalError;
    return printSteps(await policyCheck({ tests: opts.tests, corpus: opts.corpus, oldBase: { ref: opts.base, commit, checkout } }, progress, out), out);
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

/** The command line (`npm run policy-check`, scripts/bin/policyCheck.cjs): parses `argv`, sets the exit code. */
export function cli(argv: string[]): void {
  const opts = new Command("policy-check")
    .option("--no-tests", "skip `npm test` (the workflow runs it as its own step)")
    .option("--base <ref>", "judge this working tree by the check of this git ref: a checkout of it takes over as the judge (--judge)")
    .option("--judge <dir>", "be the judge of the pull request's tree at <dir>: this checkout's check, pack and gate decide (the workflow runs this from a checkout of the base)")
    .option("--base-name <name>", "how the report names this checkout with --judge (default: the base)")
    .option("--corpus <dir>", "also run the judging code of the working tree at <dir> against the corpus of cases this gate refuses (passed by the judge)")
    .parse(argv)
    .opts<Options>();
  main(opts, (l) => process.stderr.write(l + "\n"), (l) => process.stdout.write(l + "\n")).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      const c = classify(e);
      process.stderr.write(`policy-check: ${c.code === EXIT.unusableInput ? "unusable input" : "internal error"}: ${c.lines[0]!.split("\n")[0]}\n`);
      process.exitCode = c.code === EXIT.unusableInput ? EXIT.unusableInput : EXIT.internalError;
    },
  );
}

// A tree's check run as `tsx scripts/policyCheck.ts` (how a judge before scripts/bin/policyCheck.cjs runs it).
if (require.main === module) cli(process.argv);
