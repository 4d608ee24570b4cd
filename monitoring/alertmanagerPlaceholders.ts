// The values Alertmanager cannot read from files (only the SMTP password has
// a *_file option): the template carries a placeholder, the container command
// replaces it with the secret file's content at start. Kept free of imports
// because model/plan.ts loads it on the readiness CLI's cold path.

export const SMTP_PLACEHOLDERS = [
  { placeholder: "__SMTP_USER__", secret: "smtp_user" },
  { placeholder: "__SMTP_FROM__", secret: "smtp_from" },
  { placeholder: "__ALERT_EMAIL_TO__", secret: "alert_email_to" },
] as const;

export type SmtpPlaceholder = (typeof SMTP_PLACEHOLDERS)[number]["placeholder"];
