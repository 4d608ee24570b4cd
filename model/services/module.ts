import type { CdbConfig, TradingMode } from "../../config/schema";
import { canonicalName, type SecretName, type ServiceName, type ServiceSpec } from "../../config/services";

// What one service is in a stack, in one module per service (./<service>.ts):
// its catalog entry (config/services.ts: ports, image, health check, secrets,
// volumes, metrics port, limits, which the config schema and monitoring read
// too), its environment, its start command, the files it gets, and the
// Pulumi component type its container is declared under. The plan
// (../plan.ts) iterates the list in ./index.ts; it switches on no name.

/** A file uploaded into a container. */
export interface ContainerFile {
  path: string;
  content: string;
}

/** What a service module may read about the stack it is planned into. */
export interface ServiceContext {
  stack: string;
  mode: TradingMode;
  cfg: CdbConfig;
  /** The stack's physical container prefix (`cdb_` live, `cdbpaper_` paper). */
  prefix: string;
  /** The secret files the stack delivers to this service (configured ones only when set). */
  secrets: readonly SecretName[];
}

export interface ServiceModule {
  name: ServiceName;
  /** The catalog entry. */
  spec: ServiceSpec;
  /**
   * The Pulumi component type its container is declared under. Part of every
   * URN of the service's resources: renaming it replaces the running containers.
   */
  component: string;
  env(ctx: ServiceContext): Record<string, string>;
  /** Entrypoint and command; app services without one run spec.start through the secrets wrapper. */
  start?(ctx: ServiceContext): { entrypoint?: string[]; command: string[] };
  /** Files it gets besides monitoring provisioning. */
  files?(ctx: ServiceContext): ContainerFile[];
  /** More names on the stack's network. */
  extraAliases?: readonly string[];
  /** Calls MEXC: in a rehearsal stack it trusts the stack's CA and waits for the simulator. */
  callsMexc?: boolean;
}

/** The component type of every app service (the Python services of the trading system). */
export const APP_COMPONENT = "cdb:app:Service";

/** Every app service gets the connection settings, as in dev.yml. */
export function appEnv(cfg: CdbConfig): Record<string, string> {
  const redis = { REDIS_HOST: canonicalName("redis"), REDIS_PORT: "6379" };
  const database = { POSTGRES_HOST: canonicalName("postgres"), POSTGRES_PORT: "5432", POSTGRES_DB: cfg.postgres.database, POSTGRES_USER: cfg.postgres.user };
  return { ...redis, ...database };
}

/** A port of the catalog as the environment holds it. */
export const portText = (spec: ServiceSpec): string => String(spec.port);

export const hasAll = (have: readonly SecretName[], want: readonly SecretName[]) => want.every((w) => have.includes(w));
