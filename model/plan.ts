import type { CdbConfig, TradingMode } from "../config/schema";
import { alertmanagerScript } from "../monitoring/alertmanagerCommand";
import {
  canonicalName,
  isAppService,
  SERVICE_NAMES,
  SERVICES,
  type HealthCheck,
  type SecretName,
  type ServiceName,
  type VolumeName,
} from "../config/services";

// What a stack declares, as plain data. Pulumi components turn it into
// resources; the readiness CLI reads the same plan without starting Pulumi.
// Keep this module free of @pulumi imports: the CLI's cold start depends on it.

export type ImageSource = { kind: "ref"; ref: string } | { kind: "build"; context: string };

export interface ContainerFile {
  path: string;
  content: string;
}

export interface ContainerPlan {
  service: ServiceName;
  /** Physical container name, unique per Docker host. */
  name: string;
  /** Name other services use to reach it: `cdb_<service>` in every stack. */
  alias: string;
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
  volumes: { volumeName: string; path: string; readOnly?: boolean }[];
  /**
   * Name of the stopped container that receives this container's secret
   * files, when the container itself cannot: Docker refuses every upload into
   * a read-only root ("container rootfs is marked read-only"), even into a
   * volume. The carrier writes them to a volume this container mounts read-only.
   */
  secretsCarrier?: string;
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
  /** Physical names of every named volume the containers mount. */
  volumes: string[];
  containers: ContainerPlan[];
}

export const HOST_BIND_ADDRESS = "127.0.0.1";
export const SECRETS_DIR = "/run/secrets";

/**
 * `live` keeps the reference's names (`cdb_execution`), so the runbook's
 * `docker logs cdb_execution` keeps working; every other stack gets its own
 * prefix so it can share a Docker host with live (paper: `cdbpaper_`).
 */
export function physicalPrefix(stack: string, mode: TradingMode): string {
  if (stack === "live" && mode === "live") return "cdb_";
  return `cdb${stack.toLowerCase().replace(/[^a-z0-9]/g, "")}_`;
}

/** The four flags the runbook switches by hand today; they follow the mode and nothing else. */
export function tradingFlags(mode: TradingMode): Record<string, string> {
  const live = mode === "live";
  return {
    MOCK_TRADING: live ? "false" : "true",
    DRY_RUN: live ? "false" : "true",
    USE_REAL_BALANCE: live ? "true" : "false",
    MEXC_TESTNET: live ? "false" : "true",
  };
}

/**
 * A container with these settings could move real money if it ran: any
 * trading flag that is present with anything but its exact paper value
 * ("False", "0", "no" included) counts as live.
 */
export const tradesForReal = (env: Readonly<Record<string, string>>): boolean =>
  ("MOCK_TRADING" in env && env.MOCK_TRADING !== "true") || ("USE_REAL_BALANCE" in env && env.USE_REAL_BALANCE !== "false");

export const secretPath = (name: SecretName): string => `${SECRETS_DIR}/${name}`;

function healthTest(service: ServiceName, check: HealthCheck, port: number | undefined): string[] {
  if (check.kind === "shell") return ["CMD-SHELL", check.command];
  const url = `http://localhost:${port}${check.path}`;
  // App images are Python; the infra images ship wget (busybox) instead.
  return isAppService(service)
    ? ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen("${url}", timeout=3)`]
    : ["CMD-SHELL", `wget -q -O /dev/null ${url} || exit 1`];
}

function serviceEnv(service: ServiceName, cfg: CdbConfig): Record<string, string> {
  const { risk, allocation } = cfg;
  const database = { POSTGRES_HOST: canonicalName("postgres"), POSTGRES_PORT: "5432", POSTGRES_DB: cfg.postgres.database, POSTGRES_USER: cfg.postgres.user };
  const redis = { REDIS_HOST: canonicalName("redis"), REDIS_PORT: "6379" };
  const flags = tradingFlags(cfg.mode);
  switch (service) {
    case "redis":
    case "prometheus":
    case "alertmanager":
      return {};
    case "postgres":
      return { POSTGRES_USER: cfg.postgres.user, POSTGRES_DB: cfg.postgres.database, POSTGRES_PASSWORD_FILE: secretPath("postgres_password") };
    case "grafana":
      return {
        GF_SECURITY_ADMIN_USER: "admin",
        GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath("grafana_password"),
        GF_USERS_ALLOW_SIGN_UP: "false",
        GF_SMTP_ENABLED: "true",
        GF_SMTP_USER__FILE: secretPath("smtp_user"),
        GF_SMTP_PASSWORD__FILE: secretPath("smtp_password"),
        GF_SMTP_FROM_ADDRESS__FILE: secretPath("smtp_from"),
      };
    case "postgres_exporter":
      return { DATA_SOURCE_NAME_FILE: secretPath("postgres_password_dsn") };
    case "redis_exporter":
      return { REDIS_ADDR: `redis://${canonicalName("redis")}:6379`, REDIS_PASSWORD_FILE: secretPath("redis_password") };
    case "ws":
      return { ...redis, ...database, WS_SOURCE: "mexc_pb", MEXC_SYMBOL: cfg.symbol };
    case "signal":
    case "db_writer":
      return { ...redis, ...database };
    case "candles":
      return { ...redis, CANDLE_INTERVAL_SECONDS: "60", CANDLE_OUTPUT_STREAM: "stream.candles_1m" };
    case "regime":
      return {
        ...redis,
        REGIME_ADX_PERIOD: "14",
        REGIME_ATR_PERIOD: "14",
        REGIME_ADX_TREND_THRESHOLD: "25.0",
        REGIME_ADX_RANGE_THRESHOLD: "20.0",
        REGIME_ATR_HIGH_VOL_THRESHOLD: "2.0",
        REGIME_CONFIRMATION_BARS: "3",
      };
    case "allocation":
      return {
        ...redis,
        ALLOCATION_RULES_JSON: JSON.stringify(allocation.rules),
        ALLOCATION_REGIME_MIN_STABLE_SECONDS: String(allocation.regimeMinStableSeconds),
      };
    case "risk":
      return {
        ...redis,
        ...database,
        USE_REAL_BALANCE: flags.USE_REAL_BALANCE!,
        MEXC_TESTNET: flags.MEXC_TESTNET!,
        MAX_POSITION_PCT: String(risk.maxPositionPct),
        MAX_TOTAL_EXPOSURE_PCT: String(risk.maxTotalExposurePct),
        MAX_DAILY_DRAWDOWN_PCT: String(risk.maxDailyDrawdownPct),
        STOP_LOSS_PCT: String(risk.stopLossPct),
        EARLY_LIVE_MAX_ALLOC: String(risk.earlyLiveMaxAlloc),
      };
    case "execution":
      return { ...redis, ...database, ...flags };
    case "paper_runner":
      return { ...redis, ...database, PAPER_TRADING_DURATION_DAYS: String(cfg.paperTradingDurationDays) };
    case "reports":
      return { ...database };
  }
}

function startCommand(service: ServiceName): { entrypoint?: string[]; command: string[] } | undefined {
  switch (service) {
    case "redis":
      // --requirepass reads the secret file inside the container; docker inspect shows only this line.
      return { command: ["sh", "-c", `exec redis-server --appendonly yes --requirepass "$(cat ${secretPath("redis_password")})"`] };
    case "alertmanager":
      // Alertmanager reads only the SMTP password from a file; the start script fills user, sender
      // and recipient in from theirs. The image's entrypoint is the alertmanager binary itself.
      return { entrypoint: ["/bin/sh", "-c"], command: [alertmanagerScript()] };
    default:
      return undefined;
  }
}

function imageSource(service: ServiceName, cfg: CdbConfig): ImageSource {
  const spec = SERVICES[service];
  const ref = cfg.images[service] ?? spec.image;
  if (ref !== undefined) return { kind: "ref", ref };
  // loadConfig guarantees sourceDir for app services without an image.
  return { kind: "build", context: `${cfg.sourceDir}/${spec.sourcePath}` };
}

function hostPorts(service: ServiceName, cfg: CdbConfig): { internal: number; external: number }[] {
  const port = SERVICES[service].port;
  if (port === undefined) return [];
  const configured = cfg.hostPorts?.[service];
  if (configured !== undefined) return [{ internal: port, external: configured }];
  if (cfg.hostPorts !== undefined || cfg.mode === "live") return [];
  return [{ internal: port, external: SERVICES[service].paperHostPort ?? port }];
}

export type FilesForService = (service: ServiceName, plan: Pick<StackPlan, "stack" | "mode" | "networkName">, cfg: CdbConfig) => ContainerFile[];

/** Declares every container of the stack from validated config. */
export function planStack(stack: string, cfg: CdbConfig, filesFor: FilesForService = () => []): StackPlan {
  const prefix = physicalPrefix(stack, cfg.mode);
  const live = cfg.mode === "live";
  const volumeName = (v: VolumeName | `${ServiceName}_secrets`) => `${prefix}${v}`;
  const base = { stack, mode: cfg.mode, networkName: `${prefix}network` };
  const containers = SERVICE_NAMES.map((service): ContainerPlan => {
    const spec = SERVICES[service];
    const app = isAppService(service);
    const readOnlyRoot = cfg.hardening && app;
    const volumes: ContainerPlan["volumes"] = spec.volumes.map((v) => ({ volumeName: volumeName(v.volume), path: v.path }));
    const carried = readOnlyRoot && spec.secrets.length > 0;
    if (carried) volumes.push({ volumeName: volumeName(`${service}_secrets`), path: SECRETS_DIR, readOnly: true });
    const env = serviceEnv(service, cfg);
    if (app) {
      env.ENV = live ? "production" : "development";
      env.LOG_LEVEL = live ? "WARNING" : cfg.logLevel;
    }
    const start = startCommand(service);
    return {
      service,
      name: `${prefix}${service}`,
      alias: canonicalName(service),
      image: imageSource(service, cfg),
      env,
      ...start,
      secrets: [...spec.secrets],
      files: filesFor(service, base, cfg),
      ports: hostPorts(service, cfg),
      ...(spec.health
        ? { health: { test: healthTest(service, spec.health, spec.port), interval: "15s", timeout: "5s", retries: 5, startPeriod: "20s" } }
        : {}),
      dependsOn: [...spec.dependsOn],
      volumes,
      ...(carried ? { secretsCarrier: `${prefix}${service}_secrets` } : {}),
      restart: live ? "on-failure" : "unless-stopped",
      // Infra images write outside their volumes (pid files, sockets), so only app services get a read-only root.
      ...(cfg.hardening ? { hardening: { readOnlyRoot, dropAllCapabilities: app, noNewPrivileges: true as const } } : {}),
      limits: { ...spec.limits, ...cfg.resources[service] },
    };
  });
  const volumes = [...new Set(containers.flatMap((c) => c.volumes.map((v) => v.volumeName)))];
  return { ...base, ...(cfg.mexcKeyFingerprint ? { mexcKeyFingerprint: cfg.mexcKeyFingerprint } : {}), volumes, containers };
}
