import { SERVICES, type SecretName } from "../../config/services";
import { secretPath } from "../startCommand";
import { hasAll, type ServiceModule } from "./module";

const SMTP_FOR_GRAFANA: readonly SecretName[] = ["smtp_user", "smtp_password", "smtp_from"];

export const grafana: ServiceModule = {
  name: "grafana",
  spec: SERVICES.grafana,
  component: "cdb:infra:Grafana",
  env: ({ cfg, secrets }) => ({
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
  }),
};
