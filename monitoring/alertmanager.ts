import { Document, Scalar } from "yaml";
import { SECRETS_DIR } from "./paths";
import type { SmtpPlaceholder } from "./alertmanagerPlaceholders";

// alertmanager.yml as a template: everything goes to one e-mail receiver.
// The SMTP user, sender and recipient are placeholders filled from secret
// files at container start (alertmanagerCommand.ts); the password is read by
// Alertmanager itself through smtp_auth_password_file.

/**
 * Default relay. It should become stack config (cdb:smtp.smarthost) once the
 * config schema has the key; until then callers pass the real one. The
 * reserved example.org domain fails to connect instead of handing the SMTP
 * credentials to some real third-party server.
 */
export const DEFAULT_SMTP_SMARTHOST = "smtp.example.org:587";

export interface AlertmanagerOptions {
  smtpSmarthost: string;
}

// Double-quoted so the substituted value cannot change the YAML structure
// (the start script escapes \ and " for exactly this quoting).
const placeholder = (p: SmtpPlaceholder): Scalar => {
  const s = new Scalar(p);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
};

export const RECEIVER = "email";

export function alertmanagerTemplate(opts: Partial<AlertmanagerOptions> = {}): string {
  const smarthost = opts.smtpSmarthost ?? DEFAULT_SMTP_SMARTHOST;
  const config = {
    global: {
      smtp_smarthost: smarthost,
      smtp_from: placeholder("__SMTP_FROM__"),
      smtp_auth_username: placeholder("__SMTP_USER__"),
      smtp_auth_password_file: `${SECRETS_DIR}/smtp_password`,
      smtp_require_tls: true,
    },
    route: {
      receiver: RECEIVER,
      group_by: ["alertname", "cdb_stack", "job"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        // Critical alerts (circuit breaker, balance drop, services down) go out
        // sooner and repeat hourly until someone resolves them.
        { matchers: ['severity="critical"'], receiver: RECEIVER, group_wait: "10s", repeat_interval: "1h" },
      ],
    },
    receivers: [{ name: RECEIVER, email_configs: [{ to: placeholder("__ALERT_EMAIL_TO__"), send_resolved: true }] }],
    inhibit_rules: [
      // A dead service also makes its own metrics absent; one mail about the cause is enough.
      { source_matchers: ['alertname="ServiceDown"'], target_matchers: ['alertname="SafetyMetricAbsent"'], equal: ["cdb_stack"] },
    ],
  };
  return new Document(config).toString({ lineWidth: 0 });
}
