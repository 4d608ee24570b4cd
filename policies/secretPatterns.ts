// What counts as a credential in what `docker inspect` shows: shared by the
// no-secrets-in-env policy and `cdb verify`, in a module without the Pulumi
// SDK so that the operations CLI does not load it for two patterns.

/** Names that announce a credential. `*_FILE` variables pointing at /run/secrets are the allowed form. */
export const SECRET_NAME = /(PASSWORD|PASSWD|_PASS$|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DSN|DATA_SOURCE_NAME)/i;
/** A URL with a password in it (redis://:pw@host, postgresql://user:pw@host). */
export const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i;
