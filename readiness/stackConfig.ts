import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { readYamlFile } from "./yamlFile";

// A stack's config as the Pulumi engine resolves it for the program, from the
// files alone (no Pulumi, no passphrase: stopping trading must not need them):
// the stack file's `config:` (YAML merge keys resolved by readYamlFile), then
// every project-level setting of Pulumi.yaml the stack file does not set: its
// `value`, or its `default` (a plain value there is a default). That is
// pkg/workspace mergeConfig of Pulumi 3.259. ESC environments are not
// resolvable from files: a stack file that imports one is named by
// `environment` so callers that need an exact value can refuse it.

export interface EffectiveStackConfig {
  file: string;
  /** Namespaced keys (`cdb:dockerHost`) to values as the YAML files hold them. */
  config: Record<string, unknown>;
  /** Where each key came from, for messages. */
  sourceOf(key: string): { file: string; line?: number };
  /** ESC environments the stack file imports (their values are invisible here). */
  environment: unknown[];
}

/** The project file the engine pairs with a stack file: the Pulumi.yaml beside it, else the repository's. */
export function projectFileFor(stackFile: string): string | undefined {
  for (const candidate of [path.join(path.dirname(stackFile), "Pulumi.yaml"), path.join(REPO_ROOT, "Pulumi.yaml")]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function effectiveStackConfig(file: string): EffectiveStackConfig {
  const y = readYamlFile(file);
  const doc = y.value ?? {};
  if (!isMap(doc)) throw new UnusableInput(file, "a stack file is a YAML mapping (config: …)", 1);
  const stackConfig = doc.config ?? {};
  if (!isMap(stackConfig)) throw new UnusableInput(file, "config: must be a mapping of settings", y.lineOf(["config"]));
  const config: Record<string, unknown> = { ...stackConfig };
  // Where each project default came from; its line is looked up only when a message asks (lineOf parses the file again).
  const sources = new Map<string, { file: string; line: () => number | undefined }>();
  const sourceOf = (key: string) => {
    const s = sources.get(key);
    return s ? { file: s.file, line: s.line() } : { file, line: y.lineOf(["config", key]) };
  };

  const projectFile = projectFileFor(file);
  if (projectFile) {
    const p = readYamlFile(projectFile);
    const project = isMap(p.value) ? p.value : {};
    const name = typeof project.name === "string" ? project.name : "cdb";
    const declared = project.config ?? {};
    if (!isMap(declared)) throw new UnusableInput(projectFile, "config: must be a mapping", p.lineOf(["config"]));
    for (const [rawKey, decl] of Object.entries(declared)) {
      const key = rawKey.includes(":") ? rawKey : `${name}:${rawKey}`;
      if (key in config) continue;
      // A mapping is the typed form {type, default, value, …}; anything else is the shorthand for a default.
      const value = isMap(decl) ? (decl.default !== undefined ? decl.default : decl.value) : decl;
      if (value === undefined || value === null) continue;
      config[key] = value;
      sources.set(key, { file: projectFile, line: () => p.lineOf(["config", rawKey]) });
    }
  }
  const env = doc.environment;
  const environment = env === undefined || env === null ? [] : Array.isArray(env) ? env : [env];
  return { file, config, sourceOf, environment };
}
