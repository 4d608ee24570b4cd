import path from "node:path";
import { SECRET_FILE_OF_SETTING, type CdbConfig, type TradingMode } from "../config/schema";
import { isLiveStack, runsLiveExecutor, type SecretSetting } from "../config/safety";
import { dockerHostPaths } from "../config/dockerHost";
import { SERVICE_MODULES, type ServiceContext, type ServiceModule } from "./services";
import type { ContainerFile } from "./services/module";
import { SECRETS_DIR, secretPath, startScript, WRAPPER_ENTRYPOINT } from "./startCommand";
import {
  canonicalName,
  isAppService,
  REHEARSAL_SERVICES,
  SERVICE_NAMES,
  SIMULATOR,
  type HealthCheck,
  type SecretName,
  type ServiceName,
  type ServiceSpec,
  type VolumeName,
} from "../config/services";

// What a stack declares, as plain data. Pulumi components turn it into
// resources; the readiness CLI reads the same plan without starting Pulumi.
// Keep this module free of @pulumi imports: the CLI's cold start depends on it.

/**
 * `build`: paths as pulumi-docker takes them. It resolves `dockerfile`
 * against the Pulumi project directory, not against the context, so both
 * are the checkout path joined with the upstream relative path.
 */
export type ImageSource =
  | { kind: "ref"; ref: string }
  /** `from`: the trading system's checkout (cdb:sourceDir), or this repository (the project's own services: the witness). */
  | { kind: "build"; context: string; dockerfile: string; from: "sourceDir" | "project" };

export interface ContainerPlan {
  service: ServiceName;
  /** Physical container name, unique per Docker host. */
  name: string;
  /** Name other services use to reach it: `cdb_<service>` in every stack. */
  alias: string;
  /** More names on the stack's network: MEXC's hosts for the simulator of a rehearsal stack. */
  extraAliases?: string[];
  image: ImageSource;
  env: Record<string, string>;
  /** Replaces the image's entrypoint (Alertmanager's would swallow a shell command). */
  entrypoint?: string[];
  command?: string[];
  /** Delivered as files under /run/secrets/<name>. */
  secrets: SecretName[];
  /** Non-secret files the program uploads (monitoring provisioning). */
  files: ContainerFile[];
  /** Host bindings, always on 127.0.0.1. */
  ports: { internal: number; external: number }[];
  health?: { test: string[]; interval: string; timeout: string; retries: number; startPeriod: string };
  dependsOn: { service: ServiceName; until: "started" | "healthy" }[];
  /** Named volumes (`volumeName`), or host paths (`hostPath`, always read-only: Promtail's Docker socket and log files). */
  volumes: ({ volumeName: string; hostPath?: undefined; path: string; readOnly?: boolean } | { volumeName?: undefined; hostPath: string; path: string; readOnly: true })[];
  /**
   * Name of the stopped container that receives this container's secret
   * files, when the container itself cannot: Docker refuses every upload into
   * a read-only root ("container rootfs is marked read-only"), even into a
   * volume. The carrier writes them to a volume this container mounts read-only.
   */
  secretsCarrier?: string;
  /** In-memory mounts (path → options): /tmp, and /app/logs where the code writes logs under a read-only root. */
  tmpfs?: Record<string, string>;
  restart: "unless-stopped" | "on-failure";
  hardening?: { readOnlyRoot: boolean; dropAllCapabilities: boolean; noNewPrivileges: true };
  limits: { cpus: number; memoryMb: number };
}

export interface StackPlan {
  stack: string;
  mode: TradingMode;
  /** cdb:mexcKeyFingerprint: part of the config digest. */
  mexcKeyFingerprint?: string;
  networkName: string;
  /**
   * Docker's `internal: true`: no route out of the network. Every rehearsal
   * stack's, so that its live-flagged executor cannot reach the real MEXC
   * (its hosts resolve to the simulator, and nothing else is reachable).
   */
  networkInternal: boolean;
  /** cdb:rehearsalKeyFingerprint (rehearsal stacks). */
  rehearsalKeyFingerprint?: string;
  /** Physical names of every named volume the containers mount. */
  volumes: string[];
  containers: ContainerPlan[];
}

export const HOST_BIND_ADDRESS = "127.0.0.1";
export { SECRETS_DIR };

/**
 * `live` keeps the reference's names (`cdb_execution`), so the runbook's
 * `docker logs cdb_execution` keeps working, also after `cdb rollback` has
 * returned it to paper flags (the runbook then expects `Mode: MOCK` there);
 * every other stack gets its own prefix so it can share a Docker host with
 * live (paper: `cdbpaper_`).
 */
export function physicalPrefix(stack: string): string {
  if (stack === "live") return "cdb_";
  return `cdb${stack.toLowerCase().replace(/[^a-z0-9]/g, "")}_`;
}

function healthTest(service: ServiceName, check: HealthCheck, port: number | undefined): string[] {
  if (check.kind === "shell") return ["CMD-SHELL", check.command];
  const url = `http://localhost:${port}${check.path}`;
  // App images are Python; the infra images ship wget (busybox) instead.
  return isAppService(service)
    ? ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen("${url}", timeout=3)`]
    : ["CMD-SHELL", `wget -q -O /dev/null ${url} || exit 1`];
}

const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"] as const;

/**
 * LOG_LEVEL per app service. Execution logs its `Mode: LIVE|MOCK` line at
 * INFO, which the runbook's verification greps for: it never logs above INFO.
 */
function logLevel(service: ServiceName, cfg: CdbConfig): string {
  const base = cfg.mode === "live" ? "WARNING" : cfg.logLevel;
  if (service !== "execution") return base;
  return LOG_LEVELS.indexOf(base) > LOG_LEVELS.indexOf("INFO") ? "INFO" : base;
}

/** Secret files a service receives: generated ones always, configured ones only when set (no empty upload). */
const SETTING_OF_FILE = new Map<SecretName, SecretSetting>(
  Object.entries(SECRET_FILE_OF_SETTING).map(([setting, file]) => [file, setting as SecretSetting]),
);
export const settingOfSecret = (file: SecretName): SecretSetting | undefined => SETTING_OF_FILE.get(file);

function deliveredSecrets(spec: ServiceSpec, configured: ReadonlySet<SecretSetting>): SecretName[] {
  return spec.secrets.filter((f) => {
    const setting = SETTING_OF_FILE.get(f);
    return setting === undefined || configured.has(setting);
  });
}

/** One line per secret setting a service wants but the stack does not configure. */
function notConfiguredNotices(service: ServiceName, spec: ServiceSpec, delivered: readonly SecretName[]): string[] {
  return spec.secrets
    .filter((f) => !delivered.includes(f))
    .map((f) => `${canonicalName(service)}: ${secretPath(f)} is not configured (cdb:${settingOfSecret(f)}), running without it`);
}

/** The service's own entrypoint and command, else the app services' start through the secrets wrapper. */
function startCommand(m: ServiceModule, ctx: ServiceContext): { entrypoint?: string[]; command: string[] } | undefined {
  if (m.spec.start !== undefined) {
    const exports = (m.spec.exports ?? []).filter((s) => ctx.secrets.includes(s));
    return { entrypoint: [...WRAPPER_ENTRYPOINT], command: [startScript({ exports, notices: notConfiguredNotices(m.name, m.spec, ctx.secrets), start: m.spec.start })] };
  }
  return m.start?.(ctx);
}

function imageSource(service: ServiceName, spec: ServiceSpec, cfg: CdbConfig): ImageSource {
  const ref = cfg.images[service] ?? spec.image;
  if (ref !== undefined) return { kind: "ref", ref };
  // Relative to the Pulumi project directory (this repository), so the state holds no checkout's absolute path.
  if (spec.projectBuild) return { kind: "build", context: spec.projectBuild.context, dockerfile: spec.projectBuild.dockerfile, from: "project" };
  // loadConfig guarantees sourceDir for app services without an image; every app service has a build.
  const source = cfg.sourceDir!;
  const build = spec.build!;
  return { kind: "build", context: path.join(source, build.context), dockerfile: path.join(source, build.dockerfile), from: "sourceDir" };
}

function hostPorts(service: ServiceName, spec: ServiceSpec, stack: string, cfg: CdbConfig): { internal: number; external: number }[] {
  const port = spec.port;
  if (port === undefined || spec.internalOnly) return [];
  const configured = cfg.hostPorts?.[service];
  if (configured !== undefined) return [{ internal: port, external: configured }];
  // The live stack publishes nothing by default in either mode: `cdb rollback` must not
  // replace Redis and PostgreSQL just to add ports (and would lose the armed kill switch
  // wherever Redis keeps no data on disk).
  // A rehearsal stack's network has no route out; it publishes nothing unless asked.
  if (cfg.hostPorts !== undefined || runsLiveExecutor(cfg.mode) || isLiveStack(stack, cfg.mode)) return [];
  return [{ internal: port, external: spec.paperHostPort ?? port }];
}

/** The services a stack of this mode declares, dependencies first: the simulator before the services that call it. */
export const stackServices = (mode: TradingMode): ServiceModule[] =>
  (mode === "rehearsal" ? [...REHEARSAL_SERVICES, ...SERVICE_NAMES] : [...SERVICE_NAMES]).map((s) => SERVICE_MODULES[s]);

export type FilesForService = (service: ServiceName, plan: Pick<StackPlan, "stack" | "mode" | "networkName">, cfg: CdbConfig) => ContainerFile[];

const TMPFS_OPTIONS = "rw,noexec,nosuid,size=64m";
/**
 * Every upstream app image runs as uid/gid 1000 and has /app/logs (root-owned, 755 after the
 * tmpfs copies the image directory's mode). Without the owner the service cannot write there:
 * paper_runner died with "Permission denied: '/app/logs/paper_trading_….log'" on a real dockerd.
 */
const APP_LOGS_TMPFS = `${TMPFS_OPTIONS},uid=1000,gid=1000`;

/**
 * Declares every container of the stack from validated config.
 * `configured`: the secret settings the stack sets; a service gets only
 * those files (the real provider refuses an empty upload).
 */
export function planStack(
  stack: string,
  cfg: CdbConfig,
  filesFor: FilesForService = () => [],
  configured: ReadonlySet<SecretSetting> = new Set(),
  /** The services, dependencies first (a test passes a fictitious one too). */
  services: readonly ServiceModule[] = stackServices(cfg.mode),
): StackPlan {
  const prefix = physicalPrefix(stack);
  const live = cfg.mode === "live";
  const rehearsal = cfg.mode === "rehearsal";
  const volumeName = (v: VolumeName | `${ServiceName}_secrets`) => `${prefix}${v}`;
  const base = { stack, mode: cfg.mode, networkName: `${prefix}network` };
  const hostPaths = dockerHostPaths(cfg);
  const containers = services.map((m): ContainerPlan => {
    const { name: service, spec } = m;
    const app = isAppService(service);
    const hardened = spec.hardened === true;
    const readOnlyRoot = (cfg.hardening && app) || hardened;
    const secrets = deliveredSecrets(spec, configured);
    const ctx: ServiceContext = { stack, mode: cfg.mode, cfg, prefix, secrets };
    const volumes: ContainerPlan["volumes"] = spec.volumes.map((v) => ({ volumeName: volumeName(v.volume), path: v.path }));
    for (const b of spec.hostMounts ?? []) volumes.push({ hostPath: hostPaths[b.host], path: b.path, readOnly: true });
    const callsMexc = rehearsal && m.callsMexc === true;
    if (callsMexc) volumes.push({ volumeName: volumeName("rehearsal_ca"), path: SIMULATOR.caDir, readOnly: true });
    const carried = readOnlyRoot && secrets.length > 0;
    if (carried) volumes.push({ volumeName: volumeName(`${service}_secrets`), path: SECRETS_DIR, readOnly: true });
    const env = m.env(ctx);
    if (app) {
      env.ENV = live || rehearsal ? "production" : "development";
      env.LOG_LEVEL = logLevel(service, cfg);
    }
    const start = startCommand(m, ctx);
    return {
      service,
      name: `${prefix}${service}`,
      alias: canonicalName(service),
      ...(m.extraAliases ? { extraAliases: [...m.extraAliases] } : {}),
      image: imageSource(service, spec, cfg),
      env,
      ...start,
      secrets,
      files: [...(m.files?.(ctx) ?? []), ...filesFor(service, base, cfg)],
      ports: hostPorts(service, spec, stack, cfg),
      ...(spec.health
        ? { health: { test: healthTest(service, spec.health, spec.port), interval: "15s", timeout: "5s", retries: 5, startPeriod: "20s" } }
        : {}),
      dependsOn: [...spec.dependsOn, ...(callsMexc ? [{ service: "exchange_simulator" as const, until: "healthy" as const }] : [])],
      volumes,
      ...(carried ? { secretsCarrier: `${prefix}${service}_secrets` } : {}),
      // The services write logs under /app/logs (paper_runner at import): writable, root still read-only.
      ...(readOnlyRoot ? { tmpfs: app ? { "/tmp": TMPFS_OPTIONS, "/app/logs": APP_LOGS_TMPFS } : { "/tmp": TMPFS_OPTIONS } } : {}),
      // The live stack keeps live-hardening's policy also in paper mode (after `cdb rollback`).
      restart: isLiveStack(stack, cfg.mode) ? "on-failure" : "unless-stopped",
      // Infra images write outside their volumes (pid files, sockets), so only app services get a read-only root.
      // A hardened service (the witness) keeps its hardening whatever cdb:hardening says.
      ...(cfg.hardening || hardened ? { hardening: { readOnlyRoot, dropAllCapabilities: app || hardened, noNewPrivileges: true as const } } : {}),
      limits: { ...spec.limits, ...cfg.resources[service] },
    };
  });
  const volumes = [...new Set(containers.flatMap((c) => c.volumes.flatMap((v) => (v.volumeName === undefined ? [] : [v.volumeName]))))];
  return {
    ...base,
    networkInternal: rehearsal,
    ...(cfg.mexcKeyFingerprint ? { mexcKeyFingerprint: cfg.mexcKeyFingerprint } : {}),
    ...(rehearsal && cfg.rehearsalKeyFingerprint ? { rehearsalKeyFingerprint: cfg.rehearsalKeyFingerprint } : {}),
    volumes,
    containers,
  };
}

