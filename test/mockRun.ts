import { envRecord } from "../platform/envEntries";
import * as pulumi from "@pulumi/pulumi";
import { keyFingerprint } from "../config/schema";
import { SERVICE_NAMES } from "../config/services";
import { setPulumiConfig } from "./settings";

// Runs the real program against Pulumi's mock monitor: every resource the
// program registers is recorded with its inputs, nothing reaches an engine.

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The provider reference it was registered with (`urn:…::pulumi:providers:docker::docker::<id>`), where explicit. */
  provider?: string;
}

export interface MockRunResult {
  resources: RecordedResource[];
  /** Every value a random password produced, so tests can look for leaks. */
  generatedSecrets: string[];
  /** Every input value that reached the engine marked as secret. */
  markedSecret: Set<string>;
  outputs: Record<string, unknown>;
}

let counter = 0;

// Pulumi's wire marker for a secret value.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Unwraps secret markers; `secrets` collects every plaintext that arrived marked secret. */
function unwrap(value: unknown, secrets: Set<string>, inSecret = false): unknown {
  if (Array.isArray(value)) return value.map((v) => unwrap(v, secrets, inSecret));
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return unwrap(o.value, secrets, true);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrap(v, secrets, inSecret)]));
  }
  if (inSecret && typeof value === "string") secrets.add(value);
  return value;
}

export async function mockRun(
  stack: string,
  settings: Record<string, unknown>,
  secretSettings: Record<string, string> = {},
  /** Receives every registration, also when the program fails. */
  resources: RecordedResource[] = [],
  /** A preview (`pulumi preview`) instead of an update. */
  /** `config`: more stack config outside the cdb namespace (`docker:host`). */
  opts: { preview?: boolean; config?: Record<string, string> } = {},
): Promise<MockRunResult> {
  const generatedSecrets: string[] = [];
  const markedSecret = new Set<string>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = unwrap(args.inputs, markedSecret) as Record<string, unknown>;
        resources.push({ type: args.type, name: args.name, inputs, ...(args.provider ? { provider: args.provider } : {}) });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          const value = `Gen${++counter}x${Math.random().toString(36).slice(2)}${"q".repeat(16)}`;
          generatedSecrets.push(value);
          state.result = value;
        }
        if (args.type === "docker:index/image:Image") state.imageName = args.inputs.imageName;
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    "cdb",
    stack,
    opts.preview ?? false,
  );
  setPulumiConfig(settings, secretSettings, opts.config);

  // Import after setMocks, as Pulumi's mocks require.
  const { program } = await import("../stacks/program");
  const outputs = program();
  const resolved = await new Promise<Record<string, unknown>>((resolve) =>
    pulumi.output(outputs as Record<string, unknown>).apply((o) => resolve(o as Record<string, unknown>)),
  );
  await pulumi.runtime.disconnect();
  return { resources, generatedSecrets, markedSecret, outputs: resolved };
}

const isCarrier = (x: RecordedResource) => ((x.inputs.labels as { label: string }[] | undefined) ?? []).some((l) => l.label === "cdb.secrets-for");
const allContainers = (r: MockRunResult) => r.resources.filter((x) => x.type === "docker:index/container:Container");
/** The service containers, without the stopped secrets carriers. */
export const containers = (r: MockRunResult) => allContainers(r).filter((x) => !isCarrier(x));
export const carriers = (r: MockRunResult) => allContainers(r).filter(isCarrier);

export const envOf = (c: RecordedResource): Record<string, string> =>
  envRecord(c.inputs.envs as string[] | undefined);

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

/** Complete, valid settings of a live stack (images pinned by made-up digests, nothing pulled). */
export function liveSettings(): Record<string, unknown> {
  return {
    mode: "live",
    allocation: { rules: { paper: { STEADY_BULLISH: 0.02, TREND: 0.02, VOLATILE_RANGE: 0.01, RANGE: 0.01, HIGH_VOL_CHAOTIC: 0.0, UNKNOWN: 0.0 } } },
    images: Object.fromEntries(SERVICE_NAMES.map((s, i) => [s, `registry.example/cdb/${s}@${digest(i + 1)}`])),
    mexcKeyFingerprint: keyFingerprint(LIVE_SECRETS.mexcApiKey),
  };
}

/** Live's pinned images (liveSettings), with `pins` (service → reference) in place of theirs. */
export function liveImages(pins: Record<string, string> = {}): Record<string, string> {
  return { ...(liveSettings().images as Record<string, string>), ...pins };
}

export const LIVE_SECRETS = { mexcApiKey: "mx0-live-key-AAAA1111", mexcApiSecret: "mx0-live-secret-BBBB2222" };
