import { SERVICES } from "../../config/services";
import { secretPath } from "../startCommand";
import type { ServiceModule } from "./module";

/**
 * Redis: the kill switch is a stream (stream.bot_shutdown). allkeys-lru (upstream) may evict
 * it under memory pressure, silently undoing a shutdown. volatile-lru evicts only keys with a
 * TTL, and streams have none, so the stream survives; when nothing is evictable Redis refuses
 * writes instead (an error the services see) rather than dropping data.
 */
export const REDIS_MAXMEMORY_POLICY = "volatile-lru";

export const redis: ServiceModule = {
  name: "redis",
  spec: SERVICES.redis,
  component: "cdb:infra:Redis",
  env: () => ({}),
  // --requirepass reads the secret file inside the container; docker inspect shows only this line.
  start: () => ({
    command: ["sh", "-c", `exec redis-server --appendonly yes --requirepass "$(cat ${secretPath("redis_password")})" --maxmemory 256mb --maxmemory-policy ${REDIS_MAXMEMORY_POLICY}`],
  }),
};
