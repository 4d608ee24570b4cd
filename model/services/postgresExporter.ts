import { canonicalName, SERVICES } from "../../config/services";
import { secretPath } from "../startCommand";
import type { ServiceModule } from "./module";

export const postgresExporter: ServiceModule = {
  name: "postgres_exporter",
  spec: SERVICES.postgres_exporter,
  component: "cdb:infra:PostgresExporter",
  // The exporter has no DATA_SOURCE_NAME_FILE; URI + user + password file is its file-based form.
  env: ({ cfg }) => ({
    DATA_SOURCE_URI: `${canonicalName("postgres")}:5432/${cfg.postgres.database}?sslmode=disable`,
    DATA_SOURCE_USER: cfg.postgres.user,
    DATA_SOURCE_PASS_FILE: secretPath("postgres_password"),
  }),
};
