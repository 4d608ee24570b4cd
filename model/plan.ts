import path from "node:path";
import { SECRET_FILE_OF_SETTING, type CdbConfig, type TradingMode } from "../config/schema";
import { isLiveStack, LIVE_CONFIRMATION, runsLiveExecutor, tradesForReal, tradingFlags, type SecretSetting } from "../config/safety";
import { alertmanagerNoMailScript, alertmanagerScript } from "../monitoring/alertmanagerCommand";
import { postgresInitFiles } from "./postgresInit";
import { SECRETS_DIR, startScript, WRAPPER_ENTRYPOINT } from "./startCommand";
import {
  canonicalName,
  isAppService,
  REHEARSAL_SERVICES,
  SERVICE_NAMES,
  SERVICES,
  SIMULATOR,
  type HealthCheck,
  type SecretName,
  type ServiceName,
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
export type ImageSource = { kind: "ref"; ref: string } | { kind: "build"; context: string; dockerfile: string };

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
  volumes: { volumeName: string; path: string; readOnly?: boolean }[];
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

export const secretPath = (name: SecretName): string => `${SECRETS_DIR}/${name}`;

function healthTest(service: ServiceName, check: HealthCheck, port: number | undefined): string[] {
  if (check.kind === "shell") return ["CMD-SHELL", check.command];
  const url = `http://localhost:${port}${check.path}`;
  // App images are Python; the infra images ship wget (busybox) instead.
  return isAppService(service)
    ? ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen("${url}", timeout=3)`]
    : ["CMD-SHELL", `wget -q -O /dev/null ${url} || exit 1`];
}

/** Python reads these as floats; dev.yml writes them with a decimal point ("25.0"). */
const floatText = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

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

function deliveredSecrets(service: ServiceName, configured: ReadonlySet<SecretSetting>): SecretName[] {
  return SERVICES[service].secrets.filter((f) => {
    const setting = SETTING_OF_FILE.get(f);
    return setting === undefined || configured.has(setting);
  });
}

const SMTP_FOR_GRAFANA: readonly SecretName[] = ["smtp_user", "smtp_password", "smtp_from"];
const SMTP_FOR_ALERTMANAGER: readonly SecretName[] = ["smtp_user", "smtp_password", "smtp_from", "alert_email_to"];
const hasAll = (have: readonly SecretName[], want: readonly SecretName[]) => want.every((w) => have.includes(w));

/**
 * Rehearsal: the services that call MEXC (risk for the balance, execution for
 * orders) trust the stack's CA, which the simulator made at its first start.
 * `requests` reads REQUESTS_CA_BUNDLE instead of its own bundle, so the real
 * MEXC's certificate would not even be trusted there.
 */
const rehearsalTrust = (cfg: CdbConfig): Record<string, string> => (cfg.mode === "rehearsal" ? { REQUESTS_CA_BUNDLE: SIMULATOR.caFile } : {});

/** Services that call MEXC: in a rehearsal stack they mount the CA and wait for the simulator. */
export const MEXC_CALLERS: readonly ServiceName[] = ["risk", "execution"];

function serviceEnv(service: ServiceName, cfg: CdbConfig, secrets: readonly SecretName[]): Record<string, string> {
  const { risk, allocation } = cfg;
  const database = { POSTGRES_HOST: canonicalName("postgres"), POSTGRES_PORT: "5432", POSTGRES_DB: cfg.postgres.database, POSTGRES_USER: cfg.postgres.user };
  const redis = { REDIS_HOST: canonicalName("redis"), REDIS_PORT: "6379" };
  // Every app service gets the connection settings, as in dev.yml.
  const app = { ...redis, ...database };
  const flags = tradingFlags(cfg.mode);
  const port = (s: ServiceName) => String(SERVICES[s].port);
  switch (service) {
    case "redis":
    case "prometheus":
    case "alertmanager":
    case "exchange_simulator":
      return {};
    case "postgres":
      return { POSTGRES_USER: cfg.postgres.user, POSTGRES_DB: cfg.postgres.database, POSTGRES_PASSWORD_FILE: secretPath("postgres_password") };
    case "grafana":
      return {
        GF_SECURITY_ADMIN_USER: "admin",
        GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath("grafana_password"),
        GF_USERS_ALLOW_SIGN_UP: "false",
        // Grafana refuses to start when a __FILE points at nothing: mail only when every SMTP file exists.
        ...(hasAll(secrets, SMTP_FOR_GRAFANA)
          ? {
              GF_SMTP_ENABLED: "true",
              GF_SMTP_HOST: cfg.smtpHost,
              GF_SMTP_USER__FILE: secretPath("smtp_user"),
              GF_SMTP_PASSWORD__FILE: secretPath("smtp_password"),
              GF_SMTP_FROM_ADDRESS__FILE: secretPath("smtp_from"),
              GF_SMTP_FROM_NAME: "CDB Alerts",
              GF_SMTP_STARTTLS_POLICY: "MandatoryStartTLS",
            }
          : { GF_SMTP_ENABLED: "false" }),
      };
    case "postgres_exporter":
      // The exporter has no DATA_SOURCE_NAME_FILE; URI + user + password file is its file-based form.
      return {
        DATA_SOURCE_URI: `${canonicalName("postgres")}:5432/${cfg.postgres.database}?sslmode=disable`,
        DATA_SOURCE_USER: cfg.postgres.user,
        DATA_SOURCE_PASS_FILE: secretPath("postgres_password"),
      };
    case "redis_exporter":
      return { REDIS_ADDR: `redis://${canonicalName("redis")}:6379`, REDIS_PASSWORD_FILE: secretPath("redis_exporter_passwords") };
    case "ws":
      return { ...app, WS_SOURCE: "mexc_pb", MEXC_SYMBOL: cfg.symbol };
    case "signal":
      return {
        ...app,
        SIGNAL_STRATEGY_ID: cfg.signal.strategyId,
        // Wiring: the code's default is 8001, Prometheus and the health check use the reference's port.
        SIGNAL_PORT: port("signal"),
        SIGNAL_THRESHOLD_PCT: String(cfg.signal.thresholdPct),
        SIGNAL_MIN_VOLUME: String(cfg.signal.minVolume),
      };
    case "db_writer":
      return { ...app };
    case "candles":
      // 60 s belongs to the stream's name (candles_1m) and to regime's input: wiring, not a setting.
      return { ...app, CANDLE_PORT: port("candles"), CANDLE_INTERVAL_SECONDS: "60", CANDLE_OUTPUT_STREAM: "stream.candles_1m" };
    case "regime":
      return {
        ...app,
        REGIME_PORT: port("regime"),
        REGIME_ADX_PERIOD: String(cfg.regime.adxPeriod),
        REGIME_ATR_PERIOD: String(cfg.regime.atrPeriod),
        REGIME_ADX_TREND_THRESHOLD: floatText(cfg.regime.adxTrendThreshold),
        REGIME_ADX_RANGE_THRESHOLD: floatText(cfg.regime.adxRangeThreshold),
        REGIME_ATR_HIGH_VOL_THRESHOLD: floatText(cfg.regime.atrHighVolThreshold),
        REGIME_CONFIRMATION_BARS: String(cfg.regime.confirmationBars),
      };
    case "allocation":
      return {
        ...app,
        // Code and Dockerfile default to 8005, which is signal's port.
        ALLOCATION_PORT: port("allocation"),
        ALLOCATION_RULES_JSON: JSON.stringify(allocation.rules),
        ALLOCATION_REGIME_MIN_STABLE_SECONDS: String(allocation.regimeMinStableSeconds),
      };
    case "risk":
      return {
        ...app,
        ...rehearsalTrust(cfg),
        USE_REAL_BALANCE: flags.USE_REAL_BALANCE!,
        MEXC_TESTNET: flags.MEXC_TESTNET!,
        MAX_POSITION_PCT: String(risk.maxPositionPct),
        MAX_TOTAL_EXPOSURE_PCT: String(risk.maxTotalExposurePct),
        MAX_DAILY_DRAWDOWN_PCT: String(risk.maxDailyDrawdownPct),
        STOP_LOSS_PCT: String(risk.stopLossPct),
        EARLY_LIVE_MAX_ALLOC: String(risk.earlyLiveMaxAlloc),
      };
    case "execution":
      // Unless DRY_RUN and MOCK_TRADING are both true, execution exits at start without CONFIRM_LIVE_TRADING=true.
      return { ...app, ...flags, ...rehearsalTrust(cfg), ...(tradesForReal(flags) ? { [LIVE_CONFIRMATION]: "true" } : {}) };
    case "paper_runner":
      return { ...app, PAPER_TRADING_DURATION_DAYS: String(cfg.paperTradingDurationDays) };
    case "reports":
      // It prints without flushing: unbuffered, or `docker logs` stays empty.
      return { ...app, TZ: "UTC", PYTHONUNBUFFERED: "1", POSTGRES_DSN_FILE: secretPath("postgres_password_dsn") };
  }
}

/** One line per secret setting a service wants but the stack does not configure. */
function notConfiguredNotices(service: ServiceName, delivered: readonly SecretName[]): string[] {
  return SERVICES[service].secrets
    .filter((f) => !delivered.includes(f))
    .map((f) => `${canonicalName(service)}: ${secretPath(f)} is not configured (cdb:${settingOfSecret(f)}), running without it`);
}

/**
 * Redis: the kill switch is a stream (stream.bot_shutdown). allkeys-lru (upstream) may evict
 * it under memory pressure, silently undoing a shutdown. volatile-lru evicts only keys with a
 * TTL, and streams have none, so the stream survives; when nothing is evictable Redis refuses
 * writes instead (an error the services see) rather than dropping data.
 */
export const REDIS_MAXMEMORY_POLICY = "volatile-lru";

function startCommand(service: ServiceName, delivered: readonly SecretName[]): { entrypoint?: string[]; command: string[] } | undefined {
  const spec = SERVICES[service];
  if (spec.start !== undefined) {
    const exports = (spec.exports ?? []).filter((s) => delivered.includes(s));
    return { entrypoint: [...WRAPPER_ENTRYPOINT], command: [startScript({ exports, notices: notConfiguredNotices(service, delivered), start: spec.start })] };
  }
  switch (service) {
    case "redis":
      // --requirepass reads the secret file inside the container; docker inspect shows only this line.
      return {
        command: [
          "sh",
          "-c",
          `exec redis-server --appendonly yes --requirepass "$(cat ${secretPath("redis_password")})" --maxmemory 256mb --maxmemory-policy ${REDIS_MAXMEMORY_POLICY}`,
        ],
      };
    case "exchange_simulator":
      // The image holds Node and the simulator bundle (exchange/main.ts); MEXC's port is 443.
      return {
        command: [
          "node", "/sim/simulator.cjs",
          "--port", String(SERVICES.exchange_simulator.port), "--host", "0.0.0.0",
          "--keys", secretPath("simulator_keys"),
          "--tls-dir", SIMULATOR.tlsDir, "--ca-dir", SIMULATOR.caDir,
          ...SIMULATOR.hosts.flatMap((h) => ["--tls-host", h]),
          "--admin-port", String(SIMULATOR.adminPort),
        ],
      };
    case "alertmanager":
      // Alertmanager reads only the SMTP password from a file; the start script fills user, sender
      // and recipient in from theirs. The image's entrypoint is the alertmanager binary itself.
      return { entrypoint: ["/bin/sh", "-c"], command: [hasAll(delivered, SMTP_FOR_ALERTMANAGER) ? alertmanagerScript() : alertmanagerNoMailScript()] };
    default:
      return undefined;
  }
}

function imageSource(service: ServiceName, cfg: CdbConfig): ImageSource {
  const spec = SERVICES[service];
  const ref = cfg.images[service] ?? spec.image;
  if (ref !== undefined) return { kind: "ref", ref };
  // loadConfig guarantees sourceDir for app services without an image; every app service has a build.
  const source = cfg.sourceDir!;
  const build = spec.build!;
  return { kind: "build", context: path.join(source, build.context), dockerfile: path.join(source, build.dockerfile) };
}

function hostPorts(service: ServiceName, stack: string, cfg: CdbConfig): { internal: number; external: number }[] {
  const port = SERVICES[service].port;
  if (port === undefined) return [];
  const configured = cfg.hostPorts?.[service];
  if (configured !== undefined) return [{ internal: port, external: configured }];
  // The live stack publishes nothing by default in either mode: `cdb rollback` must not
  // replace Redis and PostgreSQL just to add ports (and would lose the armed kill switch
  // wherever Redis keeps no data on disk).
  // A rehearsal stack's network has no route out; it publishes nothing unless asked.
  if (cfg.hostPorts !== undefined || runsLiveExecutor(cfg.mode) || isLiveStack(stack, cfg.mode)) return [];
  return [{ internal: port, external: SERVICES[service].paperHostPort ?? port }];
}

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
): StackPlan {
  const prefix = physicalPrefix(stack);
  const live = cfg.mode === "live";
  const rehearsal = cfg.mode === "rehearsal";
  const volumeName = (v: VolumeName | `${ServiceName}_secrets`) => `${prefix}${v}`;
  const base = { stack, mode: cfg.mode, networkName: `${prefix}network` };
  // Dependencies first: the simulator before the services that call it.
  const services: ServiceName[] = rehearsal ? [...REHEARSAL_SERVICES, ...SERVICE_NAMES] : [...SERVICE_NAMES];
  const containers = services.map((service): ContainerPlan => {
    const spec = SERVICES[service];
    const app = isAppService(service);
    const readOnlyRoot = cfg.hardening && app;
    const secrets = deliveredSecrets(service, configured);
    const volumes: ContainerPlan["volumes"] = spec.volumes.map((v) => ({ volumeName: volumeName(v.volume), path: v.path }));
    const callsMexc = rehearsal && MEXC_CALLERS.includes(service);
    if (callsMexc) volumes.push({ volumeName: volumeName("rehearsal_ca"), path: SIMULATOR.caDir, readOnly: true });
    const carried = readOnlyRoot && secrets.length > 0;
    if (carried) volumes.push({ volumeName: volumeName(`${service}_secrets`), path: SECRETS_DIR, readOnly: true });
    const env = serviceEnv(service, cfg, secrets);
    if (app) {
      env.ENV = live || rehearsal ? "production" : "development";
      env.LOG_LEVEL = logLevel(service, cfg);
    }
    const start = startCommand(service, secrets);
    return {
      service,
      name: `${prefix}${service}`,
      alias: canonicalName(service),
      ...(service === "exchange_simulator" ? { extraAliases: [...SIMULATOR.hosts] } : {}),
      image: imageSource(service, cfg),
      env,
      ...start,
      secrets,
      files: [...(service === "postgres" ? postgresInitFiles() : []), ...filesFor(service, base, cfg)],
      ports: hostPorts(service, stack, cfg),
      ...(spec.health
        ? { health: { test: healthTest(service, spec.health, spec.port), interval: "15s", timeout: "5s", retries: 5, startPeriod: "20s" } }
        : {}),
      dependsOn: [...spec.dependsOn, ...(callsMexc ? [{ service: "exchange_simulator" as const, until: "healthy" as const }] : [])],
      volumes,
      ...(carried ? { secretsCarrier: `${prefix}${service}_secrets` } : {}),
      // The services write logs under /app/logs (paper_runner at import): writable, root still read-only.
      ...(readOnlyRoot ? { tmpfs: { "/tmp": TMPFS_OPTIONS, "/app/logs": APP_LOGS_TMPFS } } : {}),
      // The live stack keeps live-hardening's policy also in paper mode (after `cdb rollback`).
      restart: isLiveStack(stack, cfg.mode) ? "on-failure" : "unless-stopped",
      // Infra images write outside their volumes (pid files, sockets), so only app services get a read-only root.
      ...(cfg.hardening ? { hardening: { readOnlyRoot, dropAllCapabilities: app, noNewPrivileges: true as const } } : {}),
      limits: { ...spec.limits, ...cfg.resources[service] },
    };
  });
  const volumes = [...new Set(containers.flatMap((c) => c.volumes.map((v) => v.volumeName)))];
  return {
    ...base,
    networkInternal: rehearsal,
    ...(cfg.mexcKeyFingerprint ? { mexcKeyFingerprint: cfg.mexcKeyFingerprint } : {}),
    ...(rehearsal && cfg.rehearsalKeyFingerprint ? { rehearsalKeyFingerprint: cfg.rehearsalKeyFingerprint } : {}),
    volumes,
    containers,
  };
}

