import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseDocument } from "yaml";
import { keyFingerprint } from "../config/schema";
import { LIVE_CONFIRMATION, tradesForReal, tradingFlags } from "../config/safety";
import { SERVICE_NAMES, TRADING_PATH } from "../config/services";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { physicalPrefix } from "../model/plan";
import { pulumiBinary } from "../platform/toolchain";
import { loadStackConfigFile } from "../readiness/stackView";
import { REPO_ROOT } from "../platform/paths";

// "A PR may tighten the judge, never loosen it unseen": the PR's own judging
// code (its program's live gate, its runbook, its deploy rule, the code that
// attaches its pack) ships when it merges, so the base's check runs it, in a
// throwaway copy of the PR's working tree, against cases the base refuses.
// Anything the base refuses and the PR's code accepts is red, naming the case;
// a PR that refuses more passes. This module is part of the gate's closure
// (scripts/gateClosure.ts): with --base, it is the base's copy that runs.
//
// Cost, each case on its own (CI, two cores): live-traders ~1 engine preview of
// live (30-60 s); runbook-stops-traders and paper-executor-live-flags one tsx
// process each (~3 s); pack-attached one preview of paper through the PR's
// `cdb deploy` (30-60 s).

export interface CorpusResult {
  case: string;
  refused: boolean;
  detail: string;
}

/** Throwaway operator settings: never a real key, digests no registry serves. */
const THROWAWAY_KEY = "mx0-corpus-throwaway-key";
const THROWAWAY_PASSPHRASE = "cdb-corpus-throwaway";
const digestOf = (i: number) => `sha256:${(i + 1).toString(16).padStart(64, "0")}`;

const TSX = (root: string) => path.join(root, "node_modules", "tsx", "dist", "cli.mjs");

/** A copy of the PR's working tree (tracked and new files) beside a state directory; its relative cdb:sourceDir anchored to the PR's. */
function prCopy(prRoot: string): { dir: string; project: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-corpus-"));
  const project = path.join(dir, "project");
  const ls = spawnSync("git", ["-C", prRoot, "ls-files", "--cached", "--others", "--exclude-standard"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (ls.status !== 0) throw new Error(`git ls-files in ${prRoot}: ${ls.stderr.trim()}`);
  for (const f of ls.stdout.split("\n").filter(Boolean)) {
    if (f === "node_modules" || f.startsWith("node_modules/")) continue;
    try {
      mkdirSync(path.dirname(path.join(project, f)), { recursive: true });
      cpSync(path.join(prRoot, f), path.join(project, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  // The PR's packages when its tree has them installed, else the judge's (CI installs the PR's without running its scripts, or not at all).
  const own = path.join(prRoot, "node_modules");
  symlinkSync(existsSync(own) ? own : path.join(REPO_ROOT, "node_modules"), path.join(project, "node_modules"), "junction");
  anchorSourceDir(project, prRoot);
  // The copy's stacks live in their own state under a throwaway passphrase: a salt made for another one would refuse it.
  for (const stack of ["paper", "live", "rehearsal"]) {
    const file = path.join(project, `Pulumi.${stack}.yaml`);
    if (existsSync(file)) editStackFile(file, () => {}, (doc) => doc.delete("encryptionsalt"));
  }
  mkdirSync(path.join(dir, "state"));
  return { dir, project };
}

/** A relative cdb:sourceDir in the copy's stack files points where the PR's points (the checkout paper builds from). */
export function anchorSourceDir(project: string, from: string): void {
  for (const stack of ["paper", "live", "rehearsal"]) {
    const file = path.join(project, `Pulumi.${stack}.yaml`);
    if (!existsSync(file)) continue;
    editStackFile(file, (c) => {
      const v = c["cdb:sourceDir"];
      if (typeof v === "string" && !path.isAbsolute(v)) c["cdb:sourceDir"] = path.resolve(from, v);
    });
  }
}

function editStackFile(file: string, edit: (config: Record<string, unknown>) => void, top?: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, "utf8"));
  const config = ((doc.get("config") as { toJSON(): Record<string, unknown> } | undefined)?.toJSON() ?? {}) as Record<string, unknown>;
  edit(config);
  doc.set("config", config);
  top?.(doc);
  writeFileSync(file, doc.toString());
}

/** The environment of the copy's Pulumi commands: its own state, a throwaway passphrase, no evidence file from outside. */
function copyEnv(dir: string): NodeJS.ProcessEnv {
  const bin = path.dirname(pulumiBinary());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [bin, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    PULUMI_BACKEND_URL: pathToFileURL(path.join(dir, "state")).href,
    PULUMI_CONFIG_PASSPHRASE: THROWAWAY_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  // A stack's own passphrase file (config/stackPassphrase.ts) would win over the throwaway one.
  for (const k of Object.keys(env)) if (k.startsWith("CDB_PASSPHRASE_FILE_")) delete env[k];
  delete env.CDB_EVIDENCE_FILE;
  return env;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input = ""): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd, env, input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 600_000 });
  return { code: r.status ?? -1, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";

/**
 * The copy's dist/ by the PR's own build (scripts/bin/build.cjs), as `npm ci`
 * builds it after the merge: its previews run what would ship, compiled
 * (through tsx a preview's program and pack cost twice the CPU). A PR whose
 * build fails is still judged: its entries then run its sources.
 */
function buildCopy(project: string, env: NodeJS.ProcessEnv): void {
  const build = path.join(project, "scripts", "bin", "build.cjs");
  if (existsSync(build)) run(process.execPath, [build], project, env);
}

/** Runs `code` (TypeScript importing the PR's modules from the copy's root) and parses the JSON it prints. */
function probe<T>(project: string, env: NodeJS.ProcessEnv, code: string): T {
  const dir = path.join(project, ".corpus-probe");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `probe${Date.now()}.ts`);
  writeFileSync(file, code);
  const r = run(process.execPath, [TSX(project), file], project, env);
  if (r.code !== 0) throw new Error(`the PR's code did not run (exit ${r.code}): ${lastLine(r.err)}`);
  return JSON.parse(lastLine(r.out)) as T;
}

/** The PR's program, previewed WITHOUT the pack on a not-ready live stack completed with throwaway operator settings, declares no container that would trade for real. */
function liveTradersCase(project: string, env: NodeJS.ProcessEnv): CorpusResult {
  const name = "live-traders: a not-ready live stack's traders, previewed without the pack";
  const pulumi = pulumiBinary();
  const live = path.join(project, "Pulumi.live.yaml");
  rmSync(path.join(project, "readiness", "live.evidence.yaml"), { force: true });
  for (const args of [
    ["stack", "init", "live"],
    ["config", "set", "-s", "live", "--secret", "cdb:mexcApiKey", THROWAWAY_KEY],
    ["config", "set", "-s", "live", "--secret", "cdb:mexcApiSecret", "mx0-corpus-throwaway-secret"],
  ]) {
    const r = run(pulumi, [...args, "--non-interactive"], project, env);
    if (r.code !== 0) return { case: name, refused: false, detail: `could not set up the throwaway live stack: pulumi ${args.slice(0, 2).join(" ")}: ${lastLine(r.err)}` };
  }
  editStackFile(live, (c) => {
    c["cdb:mexcKeyFingerprint"] = keyFingerprint(THROWAWAY_KEY);
    c["cdb:images"] = Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, `registry.example/cdb/${s}@${digestOf(i)}`]));
  });
  buildCopy(project, env);
  // The base says which containers of this stack trade for real.
  const loaded = loadStackConfigFile("live", live);
  const traders = planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet)
    .containers.filter((c) => tradesForReal(c.env))
    .map((c) => c.name);
  const r = run(pulumi, ["preview", "-s", "live", "--json", "--non-interactive"], project, env);
  let steps: { newState?: { type?: string; inputs?: { name?: unknown } } }[] = [];
  try {
    steps = (JSON.parse(r.out) as { steps?: typeof steps }).steps ?? [];
  } catch {
    // A program that stops (an update's refusal, a config error) prints no plan: it declares nothing.
  }
  const declared = steps.filter((s) => s.newState?.type === "docker:index/container:Container").map((s) => String(s.newState?.inputs?.name));
  const leaked = traders.filter((t) => declared.includes(t));
  if (leaked.length > 0) return { case: name, refused: false, detail: `the PR's program declares ${leaked.join(", ")} (trading for real) on a live stack whose gate is not ready, with no pack to stop it` };
  if (r.code === 0 && declared.length === 0) return { case: name, refused: false, detail: "the preview declared no container at all: the case could not be judged" };
  if (r.code === 0) return { case: name, refused: true, detail: `preview without ${traders.join(", ")}` };
  // A failed preview refuses only when the program itself stopped it (its error on the stack), not a missing plugin.
  const stopped = programErrors(r.out);
  if (stopped.length === 0) return { case: name, refused: false, detail: `the preview failed before the program could be judged: ${lastLine(r.err || r.out)}` };
  return { case: name, refused: true, detail: `the program stopped: ${stopped[0]}` };
}

/** Errors the program reported on its stack in a `pulumi preview --json`. */
function programErrors(json: string): string[] {
  try {
    const diags = (JSON.parse(json) as { diagnostics?: { urn?: string; severity?: string; message?: string }[] }).diagnostics ?? [];
    return diags.filter((d) => d.severity === "error" && (d.urn ?? "").includes("pulumi:pulumi:Stack")).map((d) => (d.message ?? "").trim().split("\n")[0]!);
  } catch {
    return [];
  }
}

/** The PR's emergency runbook for live stops every container of the base's trading path. */
function runbookCase(project: string, env: NodeJS.ProcessEnv): CorpusResult {
  const name = "runbook-stops-traders: the emergency runbook stops the whole trading path";
  const text = probe<string>(project, env, `import { renderEmergencyRunbook } from "../readiness/emergencyRunbook";\nconsole.log(JSON.stringify(renderEmergencyRunbook("live")));\n`);
  const stopped = new Set(
    text
      .split("\n")
      .filter((l) => l.startsWith("docker stop "))
      .flatMap((l) => l.slice("docker stop ".length).trim().split(/\s+/)),
  );
  const missing = TRADING_PATH.map((s) => `${physicalPrefix("live")}${s}`).filter((c) => !stopped.has(c));
  return missing.length ? { case: name, refused: false, detail: `the PR's emergency runbook does not stop ${missing.join(", ")}` } : { case: name, refused: true, detail: "stops every container of the trading path" };
}

/** The PR's deploy rule counts a paper executor with live flags as a trader and refuses it. */
function paperExecutorCase(project: string, env: NodeJS.ProcessEnv): CorpusResult {
  const name = "paper-executor-live-flags: a paper executor with live flags";
  const liveEnv = { ...tradingFlags("live"), [LIVE_CONFIRMATION]: "true" };
  const v = probe<{ traders: string[]; refused?: string }>(
    project,
    env,
    `import { planStackWithMonitoring } from "../model/monitoredPlan";
import { deployVerdict } from "../readiness/deployRule";
import { loadStackConfigFile } from "../readiness/stackView";
const loaded = loadStackConfigFile("paper");
const plan = planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet);
for (const c of plan.containers) if (c.service === "execution") c.env = { ...c.env, ...${JSON.stringify(liveEnv)} };
const v = deployVerdict(loaded, plan);
console.log(JSON.stringify({ traders: v.traders, refused: v.refused }));
`,
  );
  const executor = `${physicalPrefix("paper")}execution`;
  if (!v.traders.includes(executor)) return { case: name, refused: false, detail: `the PR's deploy rule does not count ${executor} with ${Object.keys(liveEnv).join(", ")} live as a trader` };
  if (v.refused === undefined) return { case: name, refused: false, detail: `the PR's deploy rule lets paper deploy ${executor} trading for real` };
  return { case: name, refused: true, detail: v.refused };
}

/** The PR's `cdb deploy --preview` attaches a pack that refuses paper with a risk limit outside the base's bound. */
function packAttachedCase(project: string, env: NodeJS.ProcessEnv): CorpusResult {
  const name = "pack-attached: a paper preview with a policy violation (cdb:risk.maxPositionPct 0.5)";
  editStackFile(path.join(project, "Pulumi.paper.yaml"), (c) => {
    c["cdb:risk"] = { ...((c["cdb:risk"] as object | undefined) ?? {}), maxPositionPct: 0.5 };
  });
  buildCopy(project, env);
  // As an operator runs it (`npx cdb`: the package's bin, the compiled CLI); a PR without that bin, its CLI's sources.
  const bin = path.join(project, "scripts", "bin", "cdb.cjs");
  const cli = existsSync(bin) ? [bin] : [TSX(project), path.join("scripts", "cdb.ts")];
  const r = run(process.execPath, [...cli, "deploy", "--stack", "paper", "--preview"], project, env);
  const out = r.out + r.err;
  if (r.code === 0) return { case: name, refused: false, detail: "the PR's preview accepts it: no policy refused the risk limit (is the pack attached?)" };
  // Refused by a policy, not by something unrelated (a missing checkout would prove nothing).
  if (!/risk-limits/.test(out)) return { case: name, refused: false, detail: `the PR's preview failed, but not on the policy: ${lastLine(r.err || r.out)}` };
  return { case: name, refused: true, detail: "refused by risk-limits" };
}

const CASES = [
  { id: "runbook-stops-traders", run: runbookCase },
  { id: "paper-executor-live-flags", run: paperExecutorCase },
  { id: "pack-attached", run: packAttachedCase },
  { id: "live-traders", run: liveTradersCase },
] as const;

export type CaseId = (typeof CASES)[number]["id"];

/** Every case of the corpus (or those of `only`) against the PR's working tree at `prRoot`. */
export function runCorpus(prRoot: string, progress: (l: string) => void = () => {}, only?: readonly CaseId[]): CorpusResult[] {
  return CASES.filter((c) => only === undefined || only.includes(c.id)).map((c) => {
    const { dir, project } = prCopy(prRoot);
    const t0 = Date.now();
    try {
      return c.run(project, copyEnv(dir));
    } catch (e) {
      // Fail closed: a case the PR's code cannot even run is not refused by it.
      return { case: c.id, refused: false, detail: `could not be judged: ${(e as Error).message.split("\n")[0]}` };
    } finally {
      progress(`[corpus] ${c.id}: ${Math.round((Date.now() - t0) / 1000)} s`);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
