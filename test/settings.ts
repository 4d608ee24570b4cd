import * as pulumi from "@pulumi/pulumi";
import type { RawSetting } from "../config/load";

// Test settings in the two shapes the code receives them: as the engine's
// config map (for programs and policies under Pulumi's runtime) and as the
// loader's raw map.

export type Settings = Record<string, unknown>;
export type Secrets = Record<string, string>;

/** Hands settings to Pulumi's runtime as the engine would: `cdb:key` → text, secret keys listed. */
export function setPulumiConfig(settings: Settings, secrets: Secrets = {}, other: Record<string, string> = {}): void {
  const all: Record<string, string> = { ...other };
  for (const [k, v] of Object.entries(settings)) all[`cdb:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(secrets)) all[`cdb:${k}`] = v;
  pulumi.runtime.setAllConfig(all, Object.keys(secrets).map((k) => `cdb:${k}`));
}

/** The loader's input for these settings. */
export const rawSettings = (settings: Settings, secrets: Secrets = {}): Map<string, RawSetting> =>
  new Map<string, RawSetting>([
    ...Object.entries(settings).map(([k, value]) => [k, { value, secret: false }] as const),
    ...Object.entries(secrets).map(([k, value]) => [k, { value, secret: true }] as const),
  ]);
