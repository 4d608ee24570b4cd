import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue, loadConfig, NAMESPACE, type LoadedConfig, type RawSetting } from "./load";

// The engine hands the program its config as `cdb:key` → text, and the list
// of keys that were stored encrypted in a separate variable. A policy pack
// gets the config but not that list: the language host passes it to programs
// only, and inside a pack the runtime store holds it as an empty string.
const SECRET_KEYS_VAR = "PULUMI_CONFIG_SECRET_KEYS";

/** The keys stored with --secret, as the engine tells a program (unset when there are none). */
function secretKeys(): Set<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const store = require("@pulumi/pulumi/runtime/state").getStore() as { config: Record<string, string | undefined> };
  const text = store.config[SECRET_KEYS_VAR] || process.env[SECRET_KEYS_VAR] || "[]";
  return new Set(JSON.parse(text) as string[]);
}

/**
 * The stack's `cdb:` settings, validated; throws ConfigError naming every bad
 * key. `where` says who asks: the program is told which keys are secret and
 * must refuse a credential stored in plaintext; a policy pack is not told, so
 * for it that one check is left to the program (which runs in every preview
 * and update before the pack sees a resource).
 */
export function loadStackConfig(where: "program" | "policy-pack"): LoadedConfig {
  return loadConfig(pulumi.getStack(), rawStackConfig(where), pulumi.runtime.allConfig()[`${NAMESPACE}:mexcApiKey`]);
}

/** The stack's `cdb:` settings as the engine hands them over, decoded but not validated. */
export function rawStackConfig(where: "program" | "policy-pack"): Map<string, RawSetting> {
  const secret = where === "program" ? secretKeys() : undefined;
  const raw = new Map<string, RawSetting>();
  for (const [key, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!key.startsWith(NAMESPACE + ":")) continue;
    raw.set(key.slice(NAMESPACE.length + 1), { value: decodeConfigValue(text), secret: secret === undefined ? "unknown" : secret.has(key) });
  }
  return raw;
}
