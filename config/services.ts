// The containers of the cdb trading stack as data: the facts of
// ../shared/reference/cdb-stack.md that every stack shares. Per-stack choices
// (images, ports, limits, trading mode) live in the config schema instead.

import { WITNESS_HOME, WITNESS_PUBLIC_KEY_FILE } from "./witness";

/** The Docker daemon's own paths on its host that services mount: its API socket and its containers' directory (json-file logs). */
export type DockerHostPath = "socket" | "containers";
/** A rootful daemon's defaults; a rootless or second daemon has others (cdb:dockerPaths). */
export const DEFAULT_DOCKER_HOST_PATHS: Readonly<Record<DockerHostPath, string>> = { socket: "/var/run/docker.sock", containers: "/var/lib/docker/containers" };

export const SECRET_NAMES = [
  "redis_password",
  "postgres_password",
  "postgres_password_dsn",
  /** redis_exporter's REDIS_PASSWORD_FILE: a JSON map {"redis://host:port": "password"}, not a plain password. */
  "redis_exporter_passwords",
  "grafana_password",
  "mexc_api_key",
  "mexc_api_secret",
  "smtp_user",
  "smtp_password",
  "smtp_from",
  "alert_email_to",
  /** Rehearsal stacks: the simulator's keys file, `<key> <secret>` of the stack's (rehearsal) MEXC key. */
  "simulator_keys",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export const VOLUME_NAMES = [
  "redis_data",
  "postgres_data",
  "prom_data",
  "grafana_data",
  "alertmanager_data",
  /** Loki's chunks and index (the trading system's logging.yml: loki_data). */
  "loki_data",
  "validation_data",
  /** Rehearsal stacks: the per-stack CA certificate (public), written by the simulator, read by risk and execution. */
  "rehearsal_ca",
  /** Rehearsal stacks: the simulator's own TLS key and certificate; mounted by the simulator only. */
  "exchange_simulator_tls",
  /** The witness's key pair (made there at first start; the private key never leaves it) and its journal (config/witness.ts). */
  "witness_data",
] as const;
export type VolumeName = (typeof VOLUME_NAMES)[number];

export const INFRA_SERVICES = [
  "redis",
  "postgres",
  "prometheus",
  "alertmanager",
  "grafana",
  "postgres_exporter",
  "redis_exporter",
  "loki",
  "promtail",
] as const;
/**
 * This project's own services, in every stack: built from this repository
 * (not from the trading system's checkout), never on the trading path. The
 * witness observes the stack and signs what it measured (config/witness.ts).
 */
export const OWN_SERVICES = ["witness"] as const;
export const APP_SERVICES = [
  "ws",
  "signal",
  "candles",
  "regime",
  "allocation",
  "risk",
  "execution",
  "db_writer",
  "paper_runner",
  "reports",
] as const;
/** The services of every stack (paper, live): the Compose setup's 16 plus alertmanager, loki and promtail (its logging.yml overlay), and this project's witness. */
export const SERVICE_NAMES = [...INFRA_SERVICES, ...OWN_SERVICES, ...APP_SERVICES] as const;
/**
 * The services a market event passes through before it becomes an order: every
 * input of these containers decides what the bot trades (readiness/digest.ts).
 */
export const TRADING_PATH = ["ws", "signal", "candles", "regime", "allocation", "risk", "execution"] as const satisfies readonly AppServiceName[];
/** Services only a rehearsal stack (`cdb:mode: rehearsal`) declares. */
export const REHEARSAL_SERVICES = ["exchange_simulator"] as const;
/** Every service any stack may declare (keys of `cdb:images`, `cdb:resources`, …). */
export const ALL_SERVICE_NAMES = [...SERVICE_NAMES, ...REHEARSAL_SERVICES] as const;
export type InfraServiceName = (typeof INFRA_SERVICES)[number];
export type OwnServiceName = (typeof OWN_SERVICES)[number];
export type AppServiceName = (typeof APP_SERVICES)[number];
export type RehearsalServiceName = (typeof REHEARSAL_SERVICES)[number];
export type ServiceName = InfraServiceName | OwnServiceName | AppServiceName | RehearsalServiceName;

export type HealthCheck =
  | { kind: "http"; path: string }
  | { kind: "shell"; command: string };

export interface ServiceSpec {
  /** Port the process listens on inside the container (also the default host port in paper). */
  port?: number;
  /** Host port in paper when it differs from `port` (Prometheus: 19090 on the host). */
  paperHostPort?: number;
  /** Infra services run a public image; app services are built from the trading system's sources. */
  image?: string;
  /**
   * App services: build context and Dockerfile, relative to the trading
   * system's checkout. The Dockerfiles copy `core/` and `services/<svc>/`, so
   * the context is the checkout root; only reports builds from its own folder.
   */
  build?: { context: string; dockerfile: string };
  /**
   * This project's own services: build context and Dockerfile relative to this
   * repository (the Pulumi project directory), used when `cdb:images` names no image.
   */
  projectBuild?: { context: string; dockerfile: string };
  /**
   * App services: the reference's start command. Given explicitly because the
   * plan replaces the image's entrypoint with the secret-exporting shell, and
   * Docker drops an image's CMD when its entrypoint is overridden.
   */
  start?: readonly string[];
  /**
   * Secrets the code reads from the environment only: exported as
   * `<NAME uppercased>` inside the process by the start wrapper.
   */
  exports?: readonly SecretName[];
  secrets: readonly SecretName[];
  health?: HealthCheck;
  /** Services that must exist first; "healthy" waits for their health check. */
  dependsOn: readonly { service: ServiceName; until: "started" | "healthy" }[];
  volumes: readonly { volume: VolumeName; path: string }[];
  /**
   * Never published on the host, whatever the stack: reached over the stack's network only
   * (Loki: the trading system's logging.yml binds no port for it).
   */
  internalOnly?: true;
  /**
   * Hardened in every stack, whatever cdb:hardening says: read-only root, all
   * capabilities dropped, no-new-privileges (the witness: it writes only its volume,
   * and what it signs is worth only as much as the container it runs in).
   */
  hardened?: true;
  /**
   * Paths of the Docker host mounted read-only (Promtail: the Docker socket and the
   * containers' log files, as logging.yml mounts them). Which host path is the
   * stack's setting (dockerHostPaths: cdb:dockerPaths, cdb:dockerHost); the path
   * inside the container is fixed.
   */
  hostMounts?: readonly { host: DockerHostPath; path: string }[];
  /** Port of a Prometheus /metrics endpoint, when the service exposes one. */
  metricsPort?: number;
  /** CPU and memory limits used when the stack config does not override them. */
  limits: { cpus: number; memoryMb: number };
}

/**
 * The MEXC simulator of a rehearsal stack (exchange/main.ts bundled with Node).
 * MEXC's hosts are its network aliases (see model/plan.ts), so the trading
 * system's hard-coded `https://api.mexc.com` reaches it over TLS on 443. At its
 * first start it makes the stack's CA and its server certificate (--tls-dir,
 * --ca-dir): no TLS provider plugin is needed, and the CA's private key is
 * discarded once the certificate is signed. The admin API (scenario, truth)
 * listens on 127.0.0.1:8080 inside the container only (`cdb rehearse` execs there).
 */
export const SIMULATOR = {
  /** The simulator's program in its image (exchange/Dockerfile; the bundle of exchange/main.ts). */
  program: "/sim/simulator.cjs",
  /** Where the simulator writes the CA certificate; risk and execution mount it read-only. */
  caDir: "/run/rehearsal-ca",
  tlsDir: "/run/rehearsal-tls",
  caFile: "/run/rehearsal-ca/ca.pem",
  hosts: ["api.mexc.com", "contract.mexc.com"],
  adminPort: 8080,
} as const;

const infraFirst = [
  { service: "redis", until: "healthy" },
  { service: "postgres", until: "healthy" },
] as const;

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  redis: {
    port: 6379,
    image: "redis:7.4-alpine",
    secrets: ["redis_password"],
    // The password comes from the file at run time, so `docker inspect` shows only the command.
    health: {
      kind: "shell",
      command: 'redis-cli -a "$(cat /run/secrets/redis_password)" --no-auth-warning ping | grep -q PONG',
    },
    dependsOn: [],
    volumes: [{ volume: "redis_data", path: "/data" }],
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  postgres: {
    port: 5432,
    image: "postgres:15-alpine",
    secrets: ["postgres_password"],
    // Over TCP: while the image runs the init scripts, its temporary server listens on the socket
    // only, and a socket check would report healthy before the services can connect.
    health: { kind: "shell", command: 'pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"' },
    dependsOn: [],
    volumes: [{ volume: "postgres_data", path: "/var/lib/postgresql/data" }],
    limits: { cpus: 1, memoryMb: 1024 },
  },
  prometheus: {
    port: 9090,
    paperHostPort: 19090,
    image: "prom/prometheus:v2.55.0",
    secrets: [],
    health: { kind: "http", path: "/-/healthy" },
    dependsOn: [],
    volumes: [{ volume: "prom_data", path: "/prometheus" }],
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  alertmanager: {
    port: 9093,
    image: "prom/alertmanager:v0.27.0",
    secrets: ["smtp_user", "smtp_password", "smtp_from", "alert_email_to"],
    health: { kind: "http", path: "/-/healthy" },
    dependsOn: [],
    volumes: [{ volume: "alertmanager_data", path: "/alertmanager" }],
    limits: { cpus: 0.25, memoryMb: 256 },
  },
  grafana: {
    port: 3000,
    image: "grafana/grafana:11.4.0",
    secrets: ["grafana_password", "postgres_password", "smtp_user", "smtp_password", "smtp_from", "alert_email_to"],
    health: { kind: "http", path: "/api/health" },
    dependsOn: [{ service: "prometheus", until: "started" }],
    volumes: [{ volume: "grafana_data", path: "/var/lib/grafana" }],
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  // Log aggregation as the trading system's infrastructure/compose/logging.yml declares it
  // (grafana/loki and grafana/promtail 2.9.3); configs generated by monitoring/logging.ts.
  loki: {
    port: 3100,
    image: "grafana/loki:2.9.3",
    internalOnly: true,
    secrets: [],
    health: { kind: "http", path: "/ready" },
    dependsOn: [],
    volumes: [{ volume: "loki_data", path: "/loki" }],
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  promtail: {
    image: "grafana/promtail:2.9.3",
    secrets: [],
    // logging.yml declares no health check for promtail (its image ships no wget).
    dependsOn: [{ service: "loki", until: "healthy" }],
    volumes: [],
    hostMounts: [
      { host: "containers", path: "/var/lib/docker/containers" },
      { host: "socket", path: "/var/run/docker.sock" },
    ],
    limits: { cpus: 0.25, memoryMb: 128 },
  },
  // This project's witness (config/witness.ts): watches the stack's containers through the
  // read-only Docker socket and Redis, journals what it saw and signs records with a key it
  // made itself in its volume. No port (reached by `docker exec` only), no /metrics.
  witness: {
    projectBuild: { context: ".", dockerfile: "witness/Dockerfile" },
    internalOnly: true,
    hardened: true,
    secrets: ["redis_password"],
    // Healthy once it has made its key (at first start, inside its volume).
    health: { kind: "shell", command: `test -s ${WITNESS_PUBLIC_KEY_FILE}` },
    dependsOn: [{ service: "redis", until: "healthy" }],
    volumes: [{ volume: "witness_data", path: WITNESS_HOME }],
    hostMounts: [{ host: "socket", path: "/var/run/docker.sock" }],
    limits: { cpus: 0.25, memoryMb: 128 },
  },
  postgres_exporter: {
    port: 9187,
    image: "prometheuscommunity/postgres-exporter:v0.16.0",
    // DATA_SOURCE_URI + USER + PASS_FILE: the exporter has no DATA_SOURCE_NAME_FILE.
    secrets: ["postgres_password"],
    health: { kind: "http", path: "/" },
    dependsOn: [{ service: "postgres", until: "healthy" }],
    volumes: [],
    metricsPort: 9187,
    limits: { cpus: 0.25, memoryMb: 128 },
  },
  redis_exporter: {
    port: 9121,
    image: "bitnami/redis-exporter:1.67.0",
    secrets: ["redis_exporter_passwords"],
    health: { kind: "http", path: "/health" },
    dependsOn: [{ service: "redis", until: "healthy" }],
    volumes: [],
    metricsPort: 9121,
    limits: { cpus: 0.25, memoryMb: 128 },
  },
  ws: {
    port: 8000,
    build: { context: ".", dockerfile: "services/ws/Dockerfile" },
    start: ["python", "-u", "service.py"],
    exports: ["redis_password", "postgres_password"],
    secrets: ["redis_password", "postgres_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: infraFirst,
    volumes: [],
    metricsPort: 8000,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  signal: {
    port: 8005,
    build: { context: ".", dockerfile: "services/signal/Dockerfile" },
    start: ["python", "-m", "services.signal.service"],
    exports: ["redis_password", "postgres_password"],
    secrets: ["redis_password", "postgres_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: infraFirst,
    volumes: [],
    metricsPort: 8005,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  candles: {
    port: 8007,
    build: { context: ".", dockerfile: "services/candles/Dockerfile" },
    start: ["python", "-u", "service.py"],
    exports: ["redis_password"],
    secrets: ["redis_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: [{ service: "redis", until: "healthy" }, { service: "ws", until: "started" }],
    volumes: [],
    metricsPort: 8007,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  regime: {
    port: 8008,
    build: { context: ".", dockerfile: "services/regime/Dockerfile" },
    start: ["python", "-u", "service.py"],
    exports: ["redis_password"],
    secrets: ["redis_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: [{ service: "redis", until: "healthy" }, { service: "candles", until: "started" }],
    volumes: [],
    metricsPort: 8008,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  allocation: {
    port: 8006,
    build: { context: ".", dockerfile: "services/allocation/Dockerfile" },
    start: ["python", "-u", "service.py"],
    exports: ["redis_password"],
    secrets: ["redis_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: [{ service: "redis", until: "healthy" }],
    volumes: [],
    metricsPort: 8006,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  risk: {
    port: 8002,
    build: { context: ".", dockerfile: "services/risk/Dockerfile" },
    start: ["python", "-m", "services.risk.service"],
    exports: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    secrets: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    health: { kind: "http", path: "/health" },
    dependsOn: infraFirst,
    volumes: [{ volume: "validation_data", path: "/app/data" }],
    metricsPort: 8002,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  execution: {
    port: 8003,
    build: { context: ".", dockerfile: "services/execution/Dockerfile" },
    start: ["python", "-u", "service.py"],
    exports: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    secrets: ["redis_password", "postgres_password", "mexc_api_key", "mexc_api_secret"],
    health: { kind: "http", path: "/health" },
    dependsOn: infraFirst,
    volumes: [],
    metricsPort: 8003,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  db_writer: {
    build: { context: ".", dockerfile: "services/db_writer/Dockerfile" },
    start: ["python", "-u", "db_writer.py"],
    exports: ["redis_password", "postgres_password"],
    secrets: ["redis_password", "postgres_password"],
    // The image's own check pings Redis without a password and can never pass.
    health: { kind: "shell", command: "kill -0 1" },
    dependsOn: infraFirst,
    volumes: [],
    metricsPort: 8010,
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  paper_runner: {
    port: 8004,
    build: { context: ".", dockerfile: "tools/paper_trading/Dockerfile" },
    start: ["python", "tools/paper_trading/service.py"],
    exports: ["redis_password", "postgres_password"],
    secrets: ["redis_password", "postgres_password"],
    health: { kind: "http", path: "/health" },
    dependsOn: infraFirst,
    volumes: [],
    limits: { cpus: 0.5, memoryMb: 512 },
  },
  reports: {
    build: { context: "services/reports", dockerfile: "services/reports/Dockerfile" },
    start: ["python", "daily_orders_summary.py"],
    exports: [],
    secrets: ["postgres_password_dsn", "postgres_password", "smtp_user", "smtp_password", "smtp_from", "alert_email_to"],
    health: { kind: "shell", command: "pgrep -f daily_orders_summary.py" },
    dependsOn: infraFirst,
    volumes: [],
    limits: { cpus: 0.25, memoryMb: 256 },
  },
  exchange_simulator: {
    port: 443,
    secrets: ["simulator_keys"],
    health: {
      kind: "shell",
      // The simulator's own admin client: a Node base image has no wget.
      command: `test -s ${SIMULATOR.caFile} && node ${SIMULATOR.program} admin GET http://127.0.0.1:${SIMULATOR.adminPort}/_simulator/truth >/dev/null`,
    },
    dependsOn: [],
    volumes: [
      { volume: "rehearsal_ca", path: SIMULATOR.caDir },
      { volume: "exchange_simulator_tls", path: SIMULATOR.tlsDir },
    ],
    limits: { cpus: 0.5, memoryMb: 256 },
  },
};

export const isAppService = (s: ServiceName): s is AppServiceName =>
  (APP_SERVICES as readonly string[]).includes(s);

/** The canonical name every service is reached by, in every stack (network alias). */
export const canonicalName = (s: ServiceName): string => `cdb_${s}`;
