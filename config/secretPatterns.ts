// What counts as a credential in a container's environment: shared by the
// no-secrets-in-env policy and `cdb verify`, in a module without the Pulumi
// SDK so that the operations CLI does not load it for two patterns.

/** Names that announce a credential. `*_FILE` variables pointing at /run/secrets are the allowed form. */
export const SECRET_NAME = /(PASSWORD|PASSWD|_PASS$|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DSN|DATA_SOURCE_NAME)/i;
/** A URL with a password in it (redis://:pw@host, postgresql://user:pw@host). */
export const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;

/**
 * What is wrong with one environment value under its name: a literal under a
 * credential's name (a path under /run/secrets is the allowed form), or a URL
 * with a password. Callers word the message and never echo the value.
 */
export function envCredential(key: string, value: string): "literal" | "url" | undefined {
  if (SECRET_NAME.test(key) && value !== "" && !value.startsWith("/run/secrets/")) return "literal";
  if (URL_WITH_PASSWORD.test(value)) return "url";
  return undefined;
}
