import { createHash } from "node:crypto";
import type Docker from "dockerode";
import { SECRET_NAME, URL_WITH_PASSWORD } from "../config/secretPatterns";
import { TRADING_PATH, type ServiceName } from "../config/services";
import { HOST_BIND_ADDRESS, type ContainerPlan, type StackPlan } from "../model/plan";
import { envRecord } from "../platform/envEntries";
import { OpsFailure } from "../platform/errors";
import { dockerCall, type DockerTarget, inspectContainer } from "./docker";

// Drift: what runs on a stack's Docker host against what the stack declares
// (its plan, the one verify and kill read). The comparison is pure and judges
// each field against the running image's defaults, because the engine merges
// them in: an image's ENV into Config.Env, its LABELs into Config.Labels, its
// CMD where the stack declares none, its VOLUMEs as anonymous volumes. Only
// what the stack could have declared differently is drift.

export type DriftField = "state" | "image" | "environment" | "entrypoint" | "command" | "mounts" | "ports" | "labels" | "network" | "container";

export interface Drift {
  container: string;
  /** The declared service, when the container is one the stack declares. */
  service?: ServiceName;
  /** On the trading path (config/services.ts TRADING_PATH): alerting, not only a line. */
  tradingPath: boolean;
  field: DriftField;
  /** Which item of the field (an environment variable, a mount's target, a port, a label). */
  item?: string;
  declared: string;
  running: string;
}

export interface DriftReport {
  stack: string;
  host: string;
  network: string;
  checked: number;
  drifts: Drift[];
}

/** The one-line form: `<container>: <field>[ <item>]: declared … running …`. */
export const driftLine = (d: Drift): string => `${d.container}: ${d.field}${d.item === undefined ? "" : ` ${d.item}`}: declared ${d.declared} running ${d.running}`;

/** What the image gives every container made from it (ImageInspectInfo.Config). */
export interface ImageDefaults {
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  labels: Record<string, string>;
  volumes: string[];
}

export const NO_IMAGE_DEFAULTS: ImageDefaults = { env: {}, entrypoint: [], cmd: [], labels: {}, volumes: [] };

export function imageDefaults(image: Pick<Docker.ImageInspectInfo, "Config"> | undefined): ImageDefaults {
  const c = image?.Config;
  if (!c) return NO_IMAGE_DEFAULTS;
  return {
    env: envRecord(c.Env),
    entrypoint: ([] as string[]).concat(c.Entrypoint ?? []),
    cmd: c.Cmd ?? [],
    labels: c.Labels ?? {},
    volumes: Object.keys(c.Volumes ?? {}),
  };
}

/** The image a declared container runs: its ref, or the tag the program gives a built image (stacks/cdbStack.ts). */
export const declaredImageRef = (c: ContainerPlan): string => (c.image.kind === "ref" ? c.image.ref : `${c.name}:local`);

/** How the declared image ref resolved on the engine. */
export type ImageResolution = { id: string } | { unresolved: string };

const DIGEST_OF = /@(sha256:[0-9a-f]{64})$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** Values that are or may hold a credential: printed as fingerprints, never as they are. */
export const isSecretLike = (key: string, ...values: string[]): boolean => SECRET_NAME.test(key) || values.some((v) => URL_WITH_PASSWORD.test(v));
/** sha256 of the exact value, first 16 hex: enough to tell two values apart, nothing to read back. */
export const fingerprint = (value: string): string => `sha256:${createHash("sha256").update(value, "utf8").digest("hex").slice(0, 16)}`;

const UNSET = "unset";
const shown = (v: string | undefined, secret: boolean): string => (v === undefined ? UNSET : secret ? fingerprint(v) : JSON.stringify(v));

/** The image line: by id where the ref resolved on the engine; a pinned digest by the running image's RepoDigests. */
export function imageDrift(ref: string, resolved: ImageResolution, running: { id: string; repoDigests: string[]; repoTags: string[] }): { declared: string; running: string } | undefined {
  const runningText = `${running.id.slice(0, 19)}${running.repoTags.length > 0 ? ` (${running.repoTags.join(", ")})` : ""}`;
  if (IMAGE_ID.test(ref)) return ref === running.id ? undefined : { declared: ref, running: runningText };
  const digest = DIGEST_OF.exec(ref)?.[1];
  if (digest !== undefined) {
    // A registry digest is a manifest digest, not an image id: it is in RepoDigests (`repo@sha256:…`).
    return running.repoDigests.some((d) => d.endsWith(`@${digest}`)) ? undefined : { declared: ref, running: `${runningText}${running.repoDigests.length > 0 ? ` digests ${running.repoDigests.join(", ")}` : ""}` };
  }
  if ("id" in resolved) return resolved.id === running.id ? undefined : { declared: `${ref} (${resolved.id.slice(0, 19)})`, running: runningText };
  return { declared: `${ref} (${resolved.unresolved}: cannot compare)`, running: runningText };
}

interface Found {
  field: DriftField;
  item?: string;
  declared: string;
  running: string;
}

function envDrifts(declared: Record<string, string>, running: Record<string, string>, image: Record<string, string>): Found[] {
  const out: Found[] = [];
  const keys = [...new Set([...Object.keys(declared), ...Object.keys(running)])].sort();
  for (const key of keys) {
    const d = declared[key];
    const r = running[key];
    // Undeclared: the image's default is what the engine puts there.
    const want = d ?? image[key];
    if (want === r) continue;
    const secret = isSecretLike(key, ...[d, r, image[key]].filter((v): v is string => v !== undefined));
    const declaredText = d === undefined && image[key] !== undefined ? `${shown(image[key], secret)} (image default)` : shown(d, secret);
    out.push({ field: "environment", item: key, declared: declaredText, running: shown(r, secret) });
  }
  return out;
}

const argv = (a: readonly string[]) => JSON.stringify(a);
function argvDrift(field: "entrypoint" | "command", declared: readonly string[], running: readonly string[]): Found[] {
  if (argv(declared) === argv(running)) return [];
  // A credential's name in an argument (`--password=…`, `API_KEY=…`, the start wrapper's
  // `REDIS_PASSWORD="$(cat …)"`) or a URL with a password: the whole argv by fingerprint.
  const secret = [...declared, ...running].some((x) => SECRET_NAME.test(x) || URL_WITH_PASSWORD.test(x));
  return [{ field, declared: secret ? fingerprint(argv(declared)) : argv(declared), running: secret ? fingerprint(argv(running)) : argv(running) }];
}

/** A mount as one comparable text, keyed by its target. */
function declaredMounts(c: ContainerPlan): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of c.volumes) m.set(v.path, v.hostPath !== undefined ? `bind ${v.hostPath} ro` : `volume ${v.volumeName} ${v.readOnly ? "ro" : "rw"}`);
  for (const p of Object.keys(c.tmpfs ?? {})) m.set(p, "tmpfs");
  return m;
}

function runningMounts(info: Docker.ContainerInspectInfo, imageVolumes: readonly string[], declared: ReadonlyMap<string, string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of info.Mounts ?? []) {
    const rw = x.RW ? "rw" : "ro";
    // An anonymous volume the engine made for an image VOLUME the stack does not mount: the image's, not drift.
    if (x.Type === "volume" && /^[0-9a-f]{64}$/.test(x.Name ?? "") && imageVolumes.includes(x.Destination) && !declared.has(x.Destination)) continue;
    if (x.Type === "volume") m.set(x.Destination, `volume ${x.Name} ${rw}`);
    else if (x.Type === "bind") m.set(x.Destination, `bind ${x.Source} ${rw}`);
    else m.set(x.Destination, String(x.Type));
  }
  for (const p of Object.keys(info.HostConfig.Tmpfs ?? {})) m.set(p, "tmpfs");
  return m;
}

function keyedDrifts(field: DriftField, declared: ReadonlyMap<string, string>, running: ReadonlyMap<string, string>): Found[] {
  const out: Found[] = [];
  for (const key of [...new Set([...declared.keys(), ...running.keys()])].sort()) {
    const d = declared.get(key);
    const r = running.get(key);
    if (d !== r) out.push({ field, item: key, declared: d ?? "none", running: r ?? "none" });
  }
  return out;
}

function ports(c: ContainerPlan): Map<string, string> {
  return new Map(c.ports.map((p) => [`${p.internal}/tcp`, `${HOST_BIND_ADDRESS}:${p.external}`]));
}

function runningPorts(info: Docker.ContainerInspectInfo): Map<string, string> {
  const m = new Map<string, string>();
  // HostConfig, not NetworkSettings: what the container was created with, also while it is stopped.
  const bindings = (info.HostConfig.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  for (const [port, list] of Object.entries(bindings)) {
    const text = (list ?? []).map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort ?? ""}`).sort().join(", ");
    if (text !== "") m.set(port, text);
  }
  return m;
}

function labelDrifts(declared: Record<string, string>, running: Record<string, string>, image: Record<string, string>): Found[] {
  const out: Found[] = [];
  for (const key of [...new Set([...Object.keys(declared), ...Object.keys(running)])].sort()) {
    const want = declared[key] ?? image[key];
    const r = running[key];
    if (want === r) continue;
    const secret = isSecretLike(key, ...[want, r].filter((v): v is string => v !== undefined));
    out.push({ field: "labels", item: key, declared: shown(declared[key], secret), running: shown(r, secret) });
  }
  return out;
}

export function stateText(s: Docker.ContainerInspectInfo["State"]): string | undefined {
  if (s.Restarting) return `restarting (last exit code ${s.ExitCode})`;
  if (!s.Running) return `${s.Status} (exit code ${s.ExitCode}${s.OOMKilled ? ", OOM-killed" : ""})`;
  if (s.Paused) return "paused";
  return undefined;
}

export interface RunningContainer {
  info: Docker.ContainerInspectInfo;
  image: ImageDefaults;
  imageRepoDigests: string[];
  imageRepoTags: string[];
  resolved: ImageResolution;
}

/**
 * The drifts of one declared container against what runs under its name
 * (undefined: no such container). Pure: every engine fact is passed in.
 */
export function containerDrifts(c: ContainerPlan, networkName: string, running: RunningContainer | undefined): Found[] {
  if (!running) return [{ field: "state", declared: "running", running: "missing" }];
  const { info, image } = running;
  const out: Found[] = [];
  const state = stateText(info.State);
  if (state !== undefined) out.push({ field: "state", declared: "running", running: state });
  const img = imageDrift(declaredImageRef(c), running.resolved, { id: info.Image, repoDigests: running.imageRepoDigests, repoTags: running.imageRepoTags });
  if (img) out.push({ field: "image", ...img });
  out.push(...envDrifts(c.env, envRecord(info.Config.Env), image.env));
  // Docker's merge: a declared entrypoint drops the image's CMD; without one, the image's CMD fills an empty command.
  const entrypoint = c.entrypoint ?? image.entrypoint;
  const command = c.command ?? (c.entrypoint ? [] : image.cmd);
  out.push(...argvDrift("entrypoint", entrypoint, ([] as string[]).concat(info.Config.Entrypoint ?? [])));
  out.push(...argvDrift("command", command, info.Config.Cmd ?? []));
  const mounts = declaredMounts(c);
  out.push(...keyedDrifts("mounts", mounts, runningMounts(info, image.volumes, mounts)));
  out.push(...keyedDrifts("ports", ports(c), runningPorts(info)));
  // The program puts no label on a service container: every label is the image's or drift.
  out.push(...labelDrifts({}, info.Config.Labels ?? {}, image.labels));
  const networks = Object.keys(info.NetworkSettings?.Networks ?? {}).sort();
  if (!networks.includes(networkName)) out.push({ field: "network", declared: networkName, running: networks.join(", ") || "none" });
  return out;
}

/** Containers on the stack's network that it does not declare, running or not. */
export function undeclaredOnNetwork(plan: Pick<StackPlan, "containers" | "networkName">, attached: readonly { name: string; image?: string; state?: string }[]): (Found & { name: string })[] {
  const declared = new Set(plan.containers.map((c) => c.name));
  return attached
    .filter((a) => !declared.has(a.name))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((a) => ({ name: a.name, field: "container" as const, declared: "none", running: `on ${plan.networkName}${a.image ? ` (image ${a.image}${a.state && a.state !== "running" ? `, ${a.state}` : ""})` : ""}` }));
}

const TRADING = new Set<string>(TRADING_PATH);
export const isTradingPath = (service: ServiceName | undefined): boolean => service !== undefined && TRADING.has(service);

async function resolveImage(t: DockerTarget, ref: string, cache: Map<string, Promise<ImageResolution>>): Promise<ImageResolution> {
  let p = cache.get(ref);
  if (!p) {
    p = dockerCall(t, `inspect image ${ref}`, () => t.docker.getImage(ref).inspect()).then(
      (i): ImageResolution => ({ id: i.Id }),
      (e: unknown): ImageResolution => {
        if (e instanceof OpsFailure && e.kind === "notFound") return { unresolved: `not on ${t.host}` };
        throw e;
      },
    );
    cache.set(ref, p);
  }
  return p;
}

async function runningOf(t: DockerTarget, c: ContainerPlan, cache: Map<string, Promise<ImageResolution>>): Promise<RunningContainer | undefined> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await inspectContainer(t, c.name);
  } catch (e) {
    if (e instanceof OpsFailure && e.kind === "notFound") return undefined;
    throw e;
  }
  let image: Docker.ImageInspectInfo | undefined;
  try {
    image = await dockerCall(t, `inspect image ${info.Image}`, () => t.docker.getImage(info.Image).inspect());
  } catch (e) {
    // An image removed under a running container: no defaults to judge against, everything declared is compared as is.
    if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
  }
  return {
    info,
    image: imageDefaults(image),
    imageRepoDigests: image?.RepoDigests ?? [],
    imageRepoTags: image?.RepoTags ?? [],
    resolved: await resolveImage(t, declaredImageRef(c), cache),
  };
}

/**
 * The drift of a stack on its Docker host: every declared container against
 * what runs under its name, then every container on the stack's network that
 * the stack does not declare. An unreachable engine fails (exit 7), never
 * reports "no drift".
 */
export async function stackDrift(req: { plan: StackPlan; docker: DockerTarget }): Promise<DriftReport> {
  const { plan, docker: t } = req;
  const cache = new Map<string, Promise<ImageResolution>>();
  const drifts: Drift[] = [];
  // All at once (an ssh:// engine answers each call after a round trip), reported in the plan's order.
  const running = await Promise.all(plan.containers.map((c) => runningOf(t, c, cache)));
  plan.containers.forEach((c, i) => {
    const found = containerDrifts(c, plan.networkName, running[i]);
    drifts.push(...found.map((f) => ({ container: c.name, service: c.service, tradingPath: isTradingPath(c.service), ...f })));
  });
  let attached: { name: string; image?: string; state?: string }[] = [];
  try {
    await dockerCall(t, `inspect network ${plan.networkName}`, () => t.docker.getNetwork(plan.networkName).inspect() as Promise<unknown>);
    // Every container configured on the network, stopped ones too (the network's own list has running endpoints only).
    const list = await dockerCall(t, `list containers on ${plan.networkName}`, () => t.docker.listContainers({ all: true, filters: { network: [plan.networkName] } }));
    attached = list.map((x) => ({ name: (x.Names[0] ?? x.Id).replace(/^\//, ""), image: x.Image, state: x.State }));
  } catch (e) {
    if (!(e instanceof OpsFailure && e.kind === "notFound")) throw e;
    drifts.push({ container: plan.networkName, tradingPath: false, field: "network", declared: "present", running: "missing" });
  }
  // An undeclared container on the network reaches every trading container: it counts as trading-path drift.
  for (const { name, ...f } of undeclaredOnNetwork(plan, attached)) drifts.push({ container: name, tradingPath: true, ...f });
  return { stack: plan.stack, host: t.host, network: plan.networkName, checked: plan.containers.length, drifts };
}
