import type { SecretName } from "../config/services";

// The one start wrapper of every app service. The trading system reads
// REDIS_PASSWORD, POSTGRES_PASSWORD (and the MEXC key) from the environment
// only, and secrets must never be in the container's env: so a shell reads
// the files under /run/secrets and exports them inside the process, then
// execs the service's own start command. `docker inspect` shows this text,
// never a value.

export const SECRETS_DIR = "/run/secrets";
/** Where a container reads one of its secret files. */
export const secretPath = (name: SecretName): string => `${SECRETS_DIR}/${name}`;
export const WRAPPER_ENTRYPOINT = ["/bin/sh", "-c"] as const;

/** The environment variable the code reads a secret from: its file name upper-cased. */
export const exportedName = (secret: SecretName): string => secret.toUpperCase();

const SAFE_WORD = /^[A-Za-z0-9_./:=@%+-]+$/;
/** POSIX single-quoting for anything that is not a plain word. */
export const shellQuote = (word: string): string => (SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export interface StartSpec {
  /** Secrets to export, each from /run/secrets/<name> into <NAME>. */
  exports: readonly SecretName[];
  /** One line each, printed to stderr before the start: settings that are not configured. */
  notices: readonly string[];
  start: readonly string[];
}

/**
 * `NAME="$(cat file)" && export NAME`: an assignment-only command returns the
 * status of its command substitution, so a missing secret file stops the
 * start with cat's error instead of starting the service without a password.
 */
export function startScript(spec: StartSpec, secretsDir: string = SECRETS_DIR): string {
  const steps = [
    ...spec.notices.map((n) => `echo ${shellQuote(n)} >&2`),
    ...spec.exports.map((s) => `${exportedName(s)}="$(cat ${secretsDir}/${s})" && export ${exportedName(s)}`),
    `exec ${spec.start.map(shellQuote).join(" ")}`,
  ];
  return steps.join(" && ");
}
