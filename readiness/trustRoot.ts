import { existsSync } from "node:fs";
import path from "node:path";
import { isLiveStack } from "../config/safety";
import { defaultEvidenceFile, stackConfigFile } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { DEFAULT_ALLOWED_SIGNERS } from "./allowedSigners";
import { DEFAULT_CATALOG } from "./catalog";
import { rawStackConfigFile } from "./stackView";

// The root of trust of a live gate: who may sign (readiness/allowed_signers),
// what must be proven (readiness/checklist.yaml) and the evidence
// (readiness/live.evidence.yaml) come from the repository, where a change is
// reviewed and stays in history. Nothing from the environment or the command
// line: a private allowed_signers listing one's own keys made live ready, and
// no record showed it. The one rule, used by `cdb readiness`, `cdb promote`,
// `cdb deploy`, the program and the policy pack (all through runGate).
//
// Stacks that are not live (paper, rehearsal) may still be pointed elsewhere:
// their verdict gates nothing (the deploy rule never asks the gate for them;
// readiness/deployRule.ts), and pipelines and tests use it to judge a file
// before it is committed.

/** Names another allowed_signers file: paper and rehearsal gates and the evidence writers only. */
export const ALLOWED_SIGNERS_ENV = "CDB_ALLOWED_SIGNERS";
/** Names another evidence file: paper and rehearsal gates only. */
export const EVIDENCE_ENV = "CDB_EVIDENCE_FILE";

/** A file a person named instead of the repository's, and the variable or flag that named it. */
export interface Override {
  via: string;
  file: string;
}

/** The overrides asked for at an entry point: its flags, then the environment. */
export interface AskedFiles {
  evidence?: Override;
  catalog?: Override;
  allowedSigners?: Override;
}

/** The three files a gate reads. */
export interface TrustFiles {
  allowedSigners: string;
  catalog: string;
  evidence: string;
  /** The evidence file was named (not the stack's default): a missing one is unusable input, not "no evidence yet". */
  evidenceNamed: boolean;
}

/** The overrides the environment asks for. A variable that is set counts, even empty: never silently ignored. */
export function envOverrides(env: NodeJS.ProcessEnv = process.env): AskedFiles {
  return {
    ...(env[EVIDENCE_ENV] !== undefined ? { evidence: { via: EVIDENCE_ENV, file: env[EVIDENCE_ENV] } } : {}),
    ...(env[ALLOWED_SIGNERS_ENV] !== undefined ? { allowedSigners: { via: ALLOWED_SIGNERS_ENV, file: env[ALLOWED_SIGNERS_ENV] } } : {}),
  };
}

/** Flags first (they are the more specific ask), then the environment. */
export const askedAt = (flags: AskedFiles = {}, env: NodeJS.ProcessEnv = process.env): AskedFiles => ({ ...envOverrides(env), ...flags });

/**
 * Whether a stack gates real money: the stack named live, or one whose mode is
 * live (config/safety.ts), its mode read from its stack file as the engine
 * would read it. For callers that have no loaded config (a config that lacks
 * operator settings, a command before the gate runs).
 */
export function gatesLive(stack: string, configFile: string = stackConfigFile(stack)): boolean {
  if (isLiveStack(stack, undefined)) return true;
  // No stack file (a stack deployed from the engine's config alone): the gate, which gets that config, decides.
  return existsSync(configFile) && isLiveStack(stack, rawStackConfigFile(configFile).get("mode")?.value);
}

/** The overrides a live stack refuses, named; undefined when the stack is not live or nothing is asked. */
export function liveOverrides(live: boolean, asked: AskedFiles): string | undefined {
  if (!live) return undefined;
  const named = [asked.allowedSigners, asked.catalog, asked.evidence].filter((o): o is Override => o !== undefined);
  return named.length === 0 ? undefined : named.map((o) => o.via).join(", ");
}

const ROOT_OF_TRUST = (stack: string) => `a live gate reads only the repository's readiness/allowed_signers, readiness/checklist.yaml and readiness/${stack}.evidence.yaml`;

/**
 * Refuses (exit 2, one line naming each variable and flag) any override of the
 * root of trust for a live stack. For other stacks it does nothing.
 */
export function refuseLiveOverrides(stack: string, live: boolean, asked: AskedFiles): void {
  const named = liveOverrides(live, asked);
  if (named !== undefined) throw new UnusableInput(named, `refused for ${stack}: ${ROOT_OF_TRUST(stack)} (commit a change there); unset or drop it`);
}

/** Said where a live stack ran no gate (nothing in it trades) while an override was set: not used, and not silently. */
export function unusedLiveOverrides(stack: string, live: boolean, asked: AskedFiles = askedAt()): string | undefined {
  const named = liveOverrides(live, asked);
  return named === undefined ? undefined : `${named}: not read for ${stack}: ${ROOT_OF_TRUST(stack)}; nothing in it trades, so no gate ran`;
}

/**
 * For a command about to start Pulumi on `stack` (`cdb deploy`, `cdb promote`):
 * the same refusal before anything else runs, the stack's mode read from its
 * file only when something is asked.
 */
export function refuseLiveOverridesOfStackFile(stack: string, asked: AskedFiles = askedAt()): void {
  if (Object.keys(asked).length === 0) return;
  refuseLiveOverrides(stack, gatesLive(stack), asked);
}

/**
 * The files a gate reads. `testFiles`: files a unit test of the evaluation
 * names directly (GateRequest); no entry point a person runs passes them.
 */
export function trustFiles(stack: string, live: boolean, asked: AskedFiles, testFiles: { evidence?: string; catalog?: string; allowedSigners?: string } = {}): TrustFiles {
  refuseLiveOverrides(stack, live, asked);
  const evidence = testFiles.evidence ?? asked.evidence?.file;
  return {
    allowedSigners: path.resolve(testFiles.allowedSigners ?? asked.allowedSigners?.file ?? DEFAULT_ALLOWED_SIGNERS),
    catalog: path.resolve(testFiles.catalog ?? asked.catalog?.file ?? DEFAULT_CATALOG),
    evidence: path.resolve(evidence ?? defaultEvidenceFile(stack)),
    evidenceNamed: evidence !== undefined,
  };
}

/**
 * The evidence file the writers (`cdb evidence init|bind|add|approve`) write: --evidence, else
 * CDB_EVIDENCE_FILE, else the stack's default: the file `cdb readiness` reads for the same
 * stack and environment. CDB_EVIDENCE_FILE is refused for a live stack as the gate refuses it
 * (exit 2, the same line): an entry written there would never count for live, unseen.
 */
export function writerEvidenceFile(stack: string, flag?: string, env: NodeJS.ProcessEnv = process.env, configFile?: string): string {
  if (flag !== undefined) return path.resolve(flag);
  const asked = envOverrides(env).evidence;
  if (!asked) return defaultEvidenceFile(stack);
  refuseLiveOverrides(stack, gatesLive(stack, configFile ?? stackConfigFile(stack)), { evidence: asked });
  return path.resolve(asked.file);
}

/** The allowed_signers file the evidence writers (`cdb evidence add|approve`, collectors) check a key against before signing. */
export const writerAllowedSigners = (explicit?: string): string => explicit ?? process.env[ALLOWED_SIGNERS_ENV] ?? DEFAULT_ALLOWED_SIGNERS;
