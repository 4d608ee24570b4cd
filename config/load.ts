import type { z } from "zod";
import { cdbConfigSchema, configWarnings, keyFingerprint, missingImageSources, type CdbConfig } from "./schema";
import { SECRET_SETTINGS, type SecretSetting } from "./safety";

export const NAMESPACE = "cdb";

/** One thing wrong with a stack config: the setting, what is wrong, and whether it is only absent. */
export interface ConfigProblem {
  /** The namespaced setting (`cdb:images.redis`). */
  key: string;
  text: string;
  /** Not set yet (an operator setting to come), rather than set to something wrong. */
  missing: boolean;
}

/** Invalid stack config: the message names every offending key and its rule, one per line. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(readonly issues: ConfigProblem[]) {
    super(issues.map((i) => i.text).join("\n"));
    this.problems = issues.map((i) => i.text);
    this.name = "ConfigError";
  }
}

export interface RawSetting {
  /** Parsed value (objects and numbers already decoded). */
  value: unknown;
  /**
   * True when the value was stored encrypted (`pulumi config set --secret`);
   * "unknown" where the engine does not say (a policy pack is never told).
   */
  secret: boolean | "unknown";
}

export interface LoadedConfig {
  stack: string;
  config: CdbConfig;
  /** Secret settings that are set (their values stay with Pulumi, never here). */
  secretsSet: ReadonlySet<SecretSetting>;
  /** Settings that load but will not act as written (see configWarnings). */
  warnings: string[];
}

const REQUIRED_SECRETS_LIVE: readonly SecretSetting[] = ["mexcApiKey", "mexcApiSecret"];

const show = (v: unknown): string => (v === undefined ? "nothing" : JSON.stringify(v));

const problem = (key: string, text: string, missing = false): ConfigProblem => ({ key: `${NAMESPACE}:${key}`, text: `${NAMESPACE}:${key} ${text}`, missing });

function describe(issue: z.core.$ZodIssue, storedSecret: ReadonlySet<string>): ConfigProblem[] {
  const key = [issue.path[0] === undefined ? "" : String(issue.path[0]), ...issue.path.slice(1).map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => problem(key === "" ? k : `${key}.${k}`, "is not a known setting"));
  }
  // A setting stored with --secret is never echoed, whatever it is.
  const input = (issue as { input?: unknown }).input;
  const secret = storedSecret.has(String(issue.path[0]));
  return [problem(key, `${issue.message}, got ${secret ? "[secret]" : show(input)}`, !secret && input === undefined)];
}

/**
 * The credentials a stack that trades must have, absent from `raw`. Missing
 * in live (the gate lists them as open operator settings); a rehearsal stack
 * without them is an unusable config.
 */
export function missingTradingSecrets(mode: unknown, set: ReadonlySet<string>): ConfigProblem[] {
  if (mode !== "live" && mode !== "rehearsal") return [];
  return REQUIRED_SECRETS_LIVE.filter((s) => !set.has(s)).map((s) => problem(s, `is required in ${mode} (pulumi config set --secret ${NAMESPACE}:${s})`, mode === "live"));
}

/**
 * Validates the `cdb:` settings of one stack. `raw` maps keys without the
 * namespace (`risk`, `mode`, `mexcApiKey`) to their decoded values.
 */
export function loadConfig(
  stack: string,
  raw: ReadonlyMap<string, RawSetting>,
  /** The plaintext MEXC key where the caller has it (program, policy pack), to check the fingerprint. */
  mexcApiKey?: string,
): LoadedConfig {
  const plain: Record<string, unknown> = {};
  const secretsSet = new Set<SecretSetting>();
  const problems: ConfigProblem[] = [];
  const storedSecret = new Set([...raw].filter(([, v]) => v.secret !== false).map(([k]) => k));
  for (const [key, { value, secret }] of raw) {
    if ((SECRET_SETTINGS as readonly string[]).includes(key)) {
      // Never echo the value: it is a credential. Where nobody knows how it was
      // stored, the program (which is told) has already refused a plaintext one.
      if (secret === false) problems.push(problem(key, "must be set with --secret (it is stored in plaintext)"));
      if (value !== "" && value !== undefined && value !== null) secretsSet.add(key as SecretSetting);
      continue;
    }
    plain[key] = value;
  }
  // Checked on the raw value: a live config in the paper stack must be named even when it is incomplete.
  if (stack === "paper" && plain.mode !== undefined && plain.mode !== "paper") {
    problems.push(problem("mode", `must be "paper" in the paper stack, got ${storedSecret.has("mode") ? "[secret]" : show(plain.mode)}`));
  }
  // The stack named live keeps real money's names (cdb_…) and counts as live whatever its mode:
  // a rehearsal there would be a live stack with the gate switched off.
  if (stack === "live" && plain.mode === "rehearsal") {
    problems.push(problem("mode", `must not be "rehearsal" in the live stack: rehearse in a stack of its own (e.g. rehearsal)`));
  }
  const parsed = cdbConfigSchema.safeParse(plain, { reportInput: true });
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => describe(i, storedSecret)));
  const config = parsed.success ? parsed.data : undefined;

  if (config) {
    problems.push(...missingTradingSecrets(config.mode, secretsSet));
    if (config.mode === "rehearsal" && config.mexcKeyFingerprint === undefined) {
      problems.push(problem("mexcKeyFingerprint", "is required in a rehearsal stack: it binds the stack to its rehearsal key (npx cdb fingerprint)"));
    }
    if (mexcApiKey !== undefined && config.mexcKeyFingerprint !== undefined && keyFingerprint(mexcApiKey) !== config.mexcKeyFingerprint) {
      problems.push(problem("mexcKeyFingerprint", `does not match ${NAMESPACE}:mexcApiKey: the key changed, so review the evidence and set the new fingerprint`));
    }
    for (const s of missingImageSources(config)) {
      problems.push(problem(`images.${s}`, `is required: set an image or ${NAMESPACE}:sourceDir to build from a checkout`, true));
    }
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { stack, config, secretsSet, warnings: configWarnings(config) };
}

/** Pulumi hands structured values over as JSON text and scalars as strings. */
export function decodeConfigValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
