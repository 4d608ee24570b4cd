import type { SecretName } from "../config/services";
import { HOST_BIND_ADDRESS, secretPath, type ContainerPlan } from "./plan";

// The docker.Container inputs of one planned container, generic over how a
// secret's content is held: a Pulumi secret Output in the program, a marker
// in the readiness CLI. The policy pack sees these same inputs on the
// engine's side, so the CLI and the pack derive facts from one shape.

export const CONTAINER_TYPE = "docker:index/container:Container";

export interface ContainerInputs<S> {
  name: string;
  image: string;
  envs: string[];
  command?: string[];
  uploads: { file: string; content: S | string; permissions?: string }[];
  ports: { internal: number; external: number; ip: string; protocol: "tcp" }[];
  healthcheck?: { tests: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  networksAdvanced: { name: string; aliases: string[] }[];
  volumes: { volumeName: string; containerPath: string }[];
  restart: string;
  maxRetryCount?: number;
  readOnly: boolean;
  capabilities?: { drops: string[] };
  securityOpts: string[];
  tmpfs?: Record<string, string>;
  cpus: string;
  memory: number;
  /** Wait for the health check on create, so dependents start after a healthy service. */
  wait: boolean;
  waitTimeout?: number;
}

export function containerInputs<S>(
  plan: ContainerPlan,
  opts: { image: string; network: string; secret: (name: SecretName) => S; waitForHealthy: boolean },
): ContainerInputs<S> {
  const h = plan.hardening;
  return {
    name: plan.name,
    image: opts.image,
    envs: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    ...(plan.command ? { command: plan.command } : {}),
    uploads: [
      // 0444: app images run as a non-root user that must read them; the
      // container boundary, not file mode, keeps them private.
      ...plan.secrets.map((name) => ({ file: secretPath(name), content: opts.secret(name), permissions: "0444" })),
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
    networksAdvanced: [{ name: opts.network, aliases: [plan.alias] }],
    volumes: plan.volumes.map((v) => ({ volumeName: v.volumeName, containerPath: v.path })),
    restart: plan.restart,
    ...(plan.restart === "on-failure" ? { maxRetryCount: 5 } : {}),
    readOnly: h?.readOnlyRoot ?? false,
    ...(h?.dropAllCapabilities ? { capabilities: { drops: ["ALL"] } } : {}),
    securityOpts: h?.noNewPrivileges ? ["no-new-privileges:true"] : [],
    ...(h?.readOnlyRoot ? { tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" } } : {}),
    cpus: String(plan.limits.cpus),
    memory: plan.limits.memoryMb,
    wait: opts.waitForHealthy && plan.health !== undefined,
    ...(opts.waitForHealthy && plan.health ? { waitTimeout: 180 } : {}),
  };
}

/** Services some other container waits on until healthy. */
export function awaitedHealthy(plans: readonly ContainerPlan[]): Set<string> {
  return new Set(plans.flatMap((p) => p.dependsOn.filter((d) => d.until === "healthy").map((d) => d.service)));
}
