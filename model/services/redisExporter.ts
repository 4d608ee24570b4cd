import { canonicalName, SERVICES } from "../../config/services";
import { secretPath } from "../startCommand";
import type { ServiceModule } from "./module";

export const redisExporter: ServiceModule = {
  name: "redis_exporter",
  spec: SERVICES.redis_exporter,
  component: "cdb:infra:RedisExporter",
  env: () => ({ REDIS_ADDR: `redis://${canonicalName("redis")}:6379`, REDIS_PASSWORD_FILE: secretPath("redis_exporter_passwords") }),
};
