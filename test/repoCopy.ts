import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT } from "../platform/paths";
import { configDigest } from "../readiness/digest";
import type { Evidence } from "../readiness/evidence";
import { loadStackConfigFile, viewOf } from "../readiness/stackView";
import { npxCdb, npxCdbSync, type CliRun } from "./npxCdb";
import { completeEvidence, fixtureKeys, liveConfigYaml, soakedSubjects, writeFixtureSigners } from "./readinessFixture";

// A copy of the repository for tests whose subject is the repository's own
// files: a live gate reads readiness/allowed_signers, readiness/checklist.yaml
// and readiness/live.evidence.yaml from the repository only
// (readiness/trustRoot.ts), so a test that needs other ones writes them into
// a copy and runs `npx cdb` there, exactly as in a checkout.

/** What the CLI, the Pulumi program and the policy pack need at run time. */
export const PROJECT_FILES = [".gitignore", ".github", ".dependency-cruiser.cjs", "README.md", "Pulumi.yaml", "Pulumi.paper.yaml", "Pulumi.live.yaml", "Pulumi.rehearsal.yaml", "package.json", "package-lock.json", ".npmrc", "packages", "tsconfig.json", "stacks", "model", "platform", "config", "components", "monitoring", "readiness", "policies", "scripts", "ops", "exchange", "vendor", "docs", "dist", "witness"];

/**
 * Copies the project into `dest` without tests, scratch folders and evidence
 * files, node_modules linked. Timestamps kept: the build's freshness check
 * (scripts/bin/buildStamp.cjs) compares them, so the copy runs the compiled
 * CLI, program and pack while its sources are unchanged.
 */
export function copyProject(dest: string): void {
  for (const f of PROJECT_FILES.filter((f) => existsSync(path.join(REPO_ROOT, f)))) {
    cpSync(path.join(REPO_ROOT, f), path.join(dest, f), { recursive: true, preserveTimestamps: true, filter: (src) => !/\.test\.ts$/.test(src) && !src.includes(`${path.sep}.tmp`) && !/\.evidence\.yaml$/.test(src) });
  }
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dest, "node_modules"), "junction");
}

export interface RepoCopy {
  /** The copy's root: its REPO_ROOT. */
  root: string;
  /** A path inside the copy. */
  file(...rel: string[]): string;
  /** `npx cdb …` in the copy (the copy's own bin), with `env` added to this process's environment. */
  cdb(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  cdbSync(args: string[], env?: NodeJS.ProcessEnv): CliRun;
  dispose(): void;
}

/** A throwaway copy of the repository. */
export function repoCopy(prefix = "cdb-repo-"): RepoCopy {
  const base = mkdtempSync(path.join(os.tmpdir(), prefix));
  const root = path.join(base, "cdb-deploy");
  mkdirSync(root);
  copyProject(root);
  return {
    root,
    file: (...rel) => path.join(root, ...rel),
    cdb: (args, env = {}) => npxCdb(args, { cwd: root, env }),
    cdbSync: (args, env = {}) => npxCdbSync(args, { cwd: root, env }),
    dispose: () => rmSync(base, { recursive: true, force: true }),
  };
}

export interface ReadyLive {
  /** The evidence as written to the copy's readiness/live.evidence.yaml. */
  evidence: Omit<Evidence, "file">;
  /** readiness/live.evidence.yaml of the copy. */
  evidenceFile: string;
  /** Writes `e` (default: the complete evidence) as the copy's evidence file. */
  write(e?: unknown): string;
}

/**
 * The readiness fixture's complete live case, as the repository's own files
 * of the copy: Pulumi.live.yaml (the fixture's settings), readiness/allowed_signers
 * (janne and mara), readiness/live.evidence.yaml (every item, signed), its
 * artifacts under readiness/artifacts/fixture/. `npx cdb readiness --stack live` there is ready.
 */
/** `settings`: live settings over the fixture's (e.g. images pinned to what a test's paper ran). */
export function writeReadyLive(repo: RepoCopy, now = new Date(), settings: Record<string, unknown> = {}): ReadyLive {
  writeFileSync(repo.file("Pulumi.live.yaml"), liveConfigYaml(settings));
  const plan = viewOf(loadStackConfigFile("live", repo.file("Pulumi.live.yaml"))).plan;
  const dir = repo.file("readiness", "artifacts", "fixture");
  mkdirSync(dir, { recursive: true });
  writeFixtureSigners(repo.file("readiness", "allowed_signers"));
  const evidence = completeEvidence(dir, configDigest(plan), now, repo.root, soakedSubjects(plan), fixtureKeys());
  const evidenceFile = repo.file("readiness", "live.evidence.yaml");
  const write = (e: unknown = evidence) => {
    writeFileSync(evidenceFile, typeof e === "string" ? e : stringify(e));
    return evidenceFile;
  };
  write();
  return { evidence, evidenceFile, write };
}
