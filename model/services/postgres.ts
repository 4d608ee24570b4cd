import { SERVICES } from "../../config/services";
import { postgresInitFiles } from "../postgresInit";
import { secretPath } from "../startCommand";
import type { ServiceModule } from "./module";

export const postgres: ServiceModule = {
  name: "postgres",
  spec: SERVICES.postgres,
  component: "cdb:infra:Postgres",
  env: ({ cfg }) => ({ POSTGRES_USER: cfg.postgres.user, POSTGRES_DB: cfg.postgres.database, POSTGRES_PASSWORD_FILE: secretPath("postgres_password") }),
  files: () => postgresInitFiles(),
};
