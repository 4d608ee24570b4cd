import { SERVICES, type SecretName } from "../../config/services";
import { alertmanagerNoMailScript, alertmanagerScript } from "../../monitoring/alertmanagerCommand";
import { hasAll, type ServiceModule } from "./module";

const SMTP_FOR_ALERTMANAGER: readonly SecretName[] = ["smtp_user", "smtp_password", "smtp_from", "alert_email_to"];

export const alertmanager: ServiceModule = {
  name: "alertmanager",
  spec: SERVICES.alertmanager,
  component: "cdb:infra:Alertmanager",
  env: () => ({}),
  // Alertmanager reads only the SMTP password from a file; the start script fills user, sender
  // and recipient in from theirs. The image's entrypoint is the alertmanager binary itself.
  start: ({ secrets }) => ({ entrypoint: ["/bin/sh", "-c"], command: [hasAll(secrets, SMTP_FOR_ALERTMANAGER) ? alertmanagerScript() : alertmanagerNoMailScript()] }),
};
