import { createHash } from "node:crypto";
import { TRADING_PATH, type SecretName } from "../config/services";
import type { ContainerPlan, StackPlan } from "../model/plan";

// Binds evidence to one configuration: every input of every container on the
// trading path (config/services.ts TRADING_PATH), as the plan declares it. The
// digest is derived from the plan, not from a list of settings: a container
// field, an environment variable, a command argument or an uploaded file added
// later is covered without anyone remembering to add it here. Only the
// container fields named below are left out, each with its reason, and the
// compiler makes every new field of ContainerPlan choose a side.
//
// Plan-based on purpose: the CLI, the program and the policy pack (in a
// preview, where generated values and provider outputs are unknown) compute
// the same digest from the same plan.

/** Container fields that do not change what the bot trades, and why. Everything else goes in. */
const LEFT_OUT = {
  name: "physical name: follows the stack, which is digested",
  alias: "network alias: cdb_<service> in every stack",
  ports: "host port bindings: reachability from the host, not behaviour",
  health: "health check: how Docker probes the service",
  dependsOn: "start order",
  volumes: "mounts: data locations, not settings",
  secretsCarrier: "how secret files reach a read-only container",
  tmpfs: "in-memory scratch mounts",
  restart: "restart policy",
  hardening: "container hardening (live-hardening proves it)",
  limits: "CPU and memory limits",
} as const satisfies Partial<Record<keyof ContainerPlan, string>>;

type LeftOut = keyof typeof LEFT_OUT;
/** The container fields that are digested; a new ContainerPlan field lands here unless it is added to LEFT_OUT. */
type Digested = Exclude<keyof ContainerPlan, LeftOut>;

/** How a secret file enters the digest: never its value. */
export type SecretInput = { fingerprint: string } | { kind: "generated" | "configured"; why: string };

export interface ContainerInputs {
  image: string;
  entrypoint: string[] | null;
  command: string[] | null;
  /** Values as the container receives them; `…_JSON` values by meaning (parsed), not spelling. */
  env: Record<string, unknown>;
  /** Secret file path → its fingerprint or what it is. */
  secrets: Record<string, SecretInput>;
  /** Uploaded non-secret file path → sha256 of its content. */
  files: Record<string, string>;
}

export interface DigestInputs {
  /** Version of this derivation: a new one voids evidence bound to an older one. */
  version: 2;
  stack: string;
  mode: string;
  mexcKeyFingerprint: string | null;
  containers: Record<string, ContainerInputs>;
}

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/** JSON with sorted keys, so the digest does not depend on declaration order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** JSON settings (ALLOCATION_RULES_JSON) by meaning: key order and spacing do not void evidence. */
function envValue(key: string, value: string): unknown {
  if (!key.endsWith("_JSON")) return value;
  try {
    return { json: JSON.parse(value) as unknown };
  } catch {
    return value;
  }
}

/**
 * The plan holds secret names, never values. The MEXC key is bound through its
 * fingerprint (cdb:mexcKeyFingerprint, sha256-based, checked against the key by
 * the program and the pack); generated passwords are stable random values that
 * change no trading behaviour; other configured secrets are bound by presence.
 */
function secretInput(name: SecretName, plan: StackPlan): SecretInput {
  if (name === "mexc_api_key" && plan.mexcKeyFingerprint) return { fingerprint: `sha256:${plan.mexcKeyFingerprint}` };
  if (name.startsWith("mexc_") || name.startsWith("smtp_") || name === "alert_email_to") return { kind: "configured", why: "set with --secret; bound by presence (the account through the key's fingerprint)" };
  return { kind: "generated", why: "@pulumi/random, stable across updates" };
}

function digestedFields(c: ContainerPlan): Pick<ContainerPlan, Digested> {
  const fields = { ...c } as Partial<ContainerPlan>;
  for (const k of Object.keys(LEFT_OUT) as LeftOut[]) delete fields[k];
  return fields as Pick<ContainerPlan, Digested>;
}

function containerInputs(c: ContainerPlan, plan: StackPlan): ContainerInputs & Record<string, unknown> {
  const { service: _service, image, env, entrypoint, command, secrets, files, ...rest } = digestedFields(c);
  return {
    // Any field added to ContainerPlan later, verbatim.
    ...(rest as Record<string, unknown>),
    image: image.kind === "ref" ? image.ref : `build:${image.context}#${image.dockerfile}`,
    entrypoint: entrypoint ?? null,
    command: command ?? null,
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, envValue(k, v)])),
    secrets: Object.fromEntries(secrets.map((s) => [`/run/secrets/${s}`, secretInput(s, plan)])),
    files: Object.fromEntries(files.map((f) => [f.path, sha256Hex(f.content)])),
  };
}

const onTradingPath = (service: string) => (TRADING_PATH as readonly string[]).includes(service);

/** Everything that goes into the digest: what `cdb digest --explain` shows. */
export function digestInputs(plan: StackPlan): DigestInputs {
  return {
    version: 2,
    stack: plan.stack,
    mode: plan.mode,
    // Another API key is another account or other permissions, whichever container mounts it.
    mexcKeyFingerprint: plan.mexcKeyFingerprint ?? null,
    containers: Object.fromEntries(plan.containers.filter((c) => onTradingPath(c.service)).map((c) => [c.service, containerInputs(c, plan)])),
  };
}

export function configDigest(plan: StackPlan): string {
  return sha256Hex(canonical(digestInputs(plan)));
}

/** The explanation of a digest, for people: one line per input; secrets by fingerprint only. */
export function explainDigest(plan: StackPlan): string[] {
  const inputs = digestInputs(plan);
  const lines = [
    `configDigest ${configDigest(plan)} (derivation v${inputs.version})`,
    `stack ${inputs.stack}, mode ${inputs.mode}, mexcKeyFingerprint ${inputs.mexcKeyFingerprint ?? "(not set)"}`,
    `containers on the trading path: ${Object.keys(inputs.containers).join(", ")}`,
  ];
  const show = (v: unknown) => (typeof v === "string" ? v : canonical(v));
  for (const [service, c] of Object.entries(inputs.containers)) {
    lines.push(`${service}:`, `  image ${c.image}`);
    if (c.entrypoint) lines.push(`  entrypoint ${JSON.stringify(c.entrypoint)}`);
    if (c.command) lines.push(`  command ${JSON.stringify(c.command)}`);
    for (const [k, v] of Object.entries(c.env).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  env ${k}=${show(v)}`);
    for (const [p, s] of Object.entries(c.secrets)) lines.push(`  secret ${p} ${"fingerprint" in s ? `<secret fingerprint ${s.fingerprint}>` : `<secret ${s.kind}: ${s.why}>`}`);
    for (const [p, h] of Object.entries(c.files)) lines.push(`  file ${p} sha256:${h}`);
    for (const [k, v] of Object.entries(c).filter(([k]) => !["image", "entrypoint", "command", "env", "secrets", "files"].includes(k))) lines.push(`  ${k} ${show(v)}`);
  }
  const others = plan.containers.filter((c) => !onTradingPath(c.service)).map((c) => c.service);
  lines.push(`left out, not on the trading path: ${others.join(", ")}`);
  lines.push(`left out of every container: ${Object.entries(LEFT_OUT).map(([k, why]) => `${k} (${why})`).join("; ")}`);
  return lines;
}
