import { SERVICES } from "../../config/services";
import { secretPath } from "../startCommand";
import { APP_COMPONENT, appEnv, type ServiceModule } from "./module";

export const reports: ServiceModule = {
  name: "reports",
  spec: SERVICES.reports,
  component: APP_COMPONENT,
  // It prints without flushing: unbuffered, or `docker logs` stays empty.
  env: ({ cfg }) => ({ ...appEnv(cfg), TZ: "UTC", PYTHONUNBUFFERED: "1", POSTGRES_DSN_FILE: secretPath("postgres_password_dsn") }),
};
