import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue, loadConfig, NAMESPACE, type LoadedConfig, type RawSetting } from "../config/load";

// The engine hands the program its config as `cdb:key` → text, and the list
// of keys that were stored encrypted in a separate variable.
const SECRET_KEYS_VAR = "PULUMI_CONFIG_SECRET_KEYS";

function secretKeys(): Set<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const store = require("@pulumi/pulumi/runtime/state").getStore() as { config: Record<string, string | undefined> };
  const text = store.config[SECRET_KEYS_VAR] ?? process.env[SECRET_KEYS_VAR] ?? "[]";
  return new Set(JSON.parse(text) as string[]);
}

/** The stack's `cdb:` settings, validated; throws ConfigError naming every bad key. */
export function loadStackConfig(): LoadedConfig {
  const secret = secretKeys();
  const raw = new Map<string, RawSetting>();
  const all = pulumi.runtime.allConfig();
  for (const [key, text] of Object.entries(all)) {
    if (!key.startsWith(NAMESPACE + ":")) continue;
    raw.set(key.slice(NAMESPACE.length + 1), { value: decodeConfigValue(text), secret: secret.has(key) });
  }
  return loadConfig(pulumi.getStack(), raw, all[`${NAMESPACE}:mexcApiKey`]);
}
