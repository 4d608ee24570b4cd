import type { SecretName } from "../config/services";
import { HOST_BIND_ADDRESS, SECRETS_DIR, type ContainerPlan } from "./plan";
import { secretPath } from "./startCommand";

// The docker.Container inputs of one planned container, generic over how a
// secret's content is held: a Pulumi secret Output in the program, a marker
// in the readiness CLI. The policy pack sees these same inputs on the
// engine's side, so the CLI and the pack derive facts from one shape.

export const CONTAINER_TYPE = "docker:index/container:Container";
/** Label on a secrets carrier naming the service (alias) it delivers files to. */
export const CARRIER_LABEL = "cdb.secrets-for";

type Upload<S> = { file: string; content: S | string; permissions?: string };

/** `T`: how image and network are held (plain strings in the CLI, Pulumi inputs in the program). */
export interface ContainerInputs<S, T = string> {
  name: string;
  image: T;
  envs: string[];
  entrypoints?: string[];
  command?: string[];
  uploads: Upload<S>[];
  ports: { internal: number; external: number; ip: string; protocol: "tcp" }[];
  healthcheck?: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  networksAdvanced: { name: T; aliases: string[] }[];
  volumes: { volumeName?: string; hostPath?: string; containerPath: string; readOnly?: boolean }[];
  restart: string;
  maxRetryCount?: number;
  readOnly: boolean;
  capabilities?: { drops: string[] };
  securityOpts: string[];
  tmpfs?: Record<string, string>;
  cpus: string;
  memory: number;
  memorySwap: number;
  /** Wait for the health check on create, so dependents start after a healthy service. */
  wait: boolean;
  waitTimeout?: number;
}

export interface InputOptions<S, T = string> {
  image: T;
  network: T;
  secret: (name: SecretName) => S;
  waitForHealthy: boolean;
}

// 0444: app images run as a non-root user that must read them; the
// container boundary, not file mode, keeps them private.
const secretUploads = <S>(plan: ContainerPlan, secret: (name: SecretName) => S): Upload<S>[] =>
  plan.secrets.map((name) => ({ file: secretPath(name), content: secret(name), permissions: "0444" }));

/**
 * pulumi-docker 5.2.0 normalises on read: a whole CPU count comes back with a
 * decimal point ("1" is read as "1.0"; "0.5" and "0.25" unchanged). Written in
 * that form, the second `pulumi up` sees no diff (and does not replace).
 */
export const providerCpus = (cpus: number): string => (Number.isInteger(cpus) ? cpus.toFixed(1) : String(cpus));

/**
 * Docker sets swap to twice the memory limit when only memory is given, and
 * the provider reads that back as memorySwap: declaring it avoids a diff that
 * replaces the container on every update. 0 (unset) without a memory limit.
 */
export const providerMemorySwap = (memoryMb: number): number => (memoryMb > 0 ? 2 * memoryMb : 0);

export function containerInputs<S, T = string>(plan: ContainerPlan, opts: InputOptions<S, T>): ContainerInputs<S, T> {
  const h = plan.hardening;
  return {
    name: plan.name,
    image: opts.image,
    envs: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    ...(plan.entrypoint ? { entrypoints: plan.entrypoint } : {}),
    ...(plan.command ? { command: plan.command } : {}),
    uploads: [
      ...(plan.secretsCarrier ? [] : secretUploads(plan, opts.secret)),
      ...plan.files.map((f) => ({ file: f.path, content: f.content, permissions: "0444" })),
    ],
    ports: plan.ports.map((p) => ({ ...p, ip: HOST_BIND_ADDRESS, protocol: "tcp" as const })),
    ...(plan.health
      ? {
          healthcheck: {
            tests: plan.health.test,
            interval: plan.health.interval,
            timeout: plan.health.timeout,
            retries: plan.health.retries,
            startPeriod: plan.health.startPeriod,
          },
        }
      : {}),
    networksAdvanced: [{ name: opts.network, aliases: [plan.alias, ...(plan.extraAliases ?? [])] }],
    volumes: plan.volumes.map((v) => ({
      ...(v.hostPath !== undefined ? { hostPath: v.hostPath } : { volumeName: v.volumeName }),
      containerPath: v.path,
      ...(v.readOnly ? { readOnly: true } : {}),
    })),
    restart: plan.restart,
    ...(plan.restart === "on-failure" ? { maxRetryCount: 5 } : {}),
    readOnly: h?.readOnlyRoot ?? false,
    ...(h?.dropAllCapabilities ? { capabilities: { drops: ["ALL"] } } : {}),
    securityOpts: h?.noNewPrivileges ? ["no-new-privileges:true"] : [],
    ...(plan.tmpfs ? { tmpfs: plan.tmpfs } : {}),
    cpus: providerCpus(plan.limits.cpus),
    memory: plan.limits.memoryMb,
    memorySwap: providerMemorySwap(plan.limits.memoryMb),
    wait: opts.waitForHealthy && plan.health !== undefined,
    ...(opts.waitForHealthy && plan.health ? { waitTimeout: 180 } : {}),
  };
}

export interface CarrierInputs<S, T = string> {
  name: string;
  image: T;
  uploads: Upload<S>[];
  volumes: { volumeName: string; containerPath: string }[];
  labels: { label: string; value: string }[];
  /** Never started: it exists only so Docker accepts the uploads into the volume. */
  start: false;
  mustRun: false;
  restart: "no";
}

/** The stopped container that writes a read-only container's secrets to its volume. */
export function carrierInputs<S, T = string>(plan: ContainerPlan, opts: Pick<InputOptions<S, T>, "image" | "secret">): CarrierInputs<S, T> | undefined {
  if (!plan.secretsCarrier) return undefined;
  const volume = plan.volumes.find((v) => v.path === SECRETS_DIR && v.volumeName !== undefined)!;
  return {
    name: plan.secretsCarrier,
    image: opts.image,
    uploads: secretUploads(plan, opts.secret),
    volumes: [{ volumeName: volume.volumeName!, containerPath: SECRETS_DIR }],
    labels: [{ label: CARRIER_LABEL, value: plan.alias }],
    start: false,
    mustRun: false,
    restart: "no",
  };
}

/** Services some other container waits on until healthy. */
export function awaitedHealthy(plans: readonly ContainerPlan[]): Set<string> {
  return new Set(plans.flatMap((p) => p.dependsOn.filter((d) => d.until === "healthy").map((d) => d.service)));
}
