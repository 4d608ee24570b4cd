import {
  ALERTMANAGER_RENDERED_PATH,
  ALERTMANAGER_STORAGE_PATH,
  ALERTMANAGER_TEMPLATE_PATH,
  SECRETS_DIR,
} from "./paths";
import { SMTP_PLACEHOLDERS } from "./alertmanagerPlaceholders";

// The start script of the alertmanager container: render the template with
// the SMTP secrets, then exec Alertmanager. The values exist only in the
// container's /tmp, never in env or in `docker inspect`.

export interface AlertmanagerScriptPaths {
  secretsDir: string;
  template: string;
  rendered: string;
  storage: string;
  binary: string;
}

export const DEFAULT_SCRIPT_PATHS: AlertmanagerScriptPaths = {
  secretsDir: SECRETS_DIR,
  template: ALERTMANAGER_TEMPLATE_PATH,
  rendered: ALERTMANAGER_RENDERED_PATH,
  storage: ALERTMANAGER_STORAGE_PATH,
  binary: "/bin/alertmanager",
};

/**
 * POSIX sh for busybox. `val` strips CRs (secret files written on Windows),
 * escapes for a YAML double-quoted scalar (\ and "), then for a sed
 * replacement (\ & and the | delimiter). A missing or empty secret, or a
 * multi-line one (sed rejects the newline), stops the container instead of
 * starting Alertmanager with a broken recipient.
 */
export function alertmanagerScript(paths: AlertmanagerScriptPaths = DEFAULT_SCRIPT_PATHS): string {
  const reads = SMTP_PLACEHOLDERS.map(({ secret }) => `${secret}=$(val ${paths.secretsDir}/${secret})`);
  const substitutions = SMTP_PLACEHOLDERS.map(({ placeholder, secret }) => `-e "s|${placeholder}|$${secret}|g"`);
  return [
    "set -eu",
    "umask 077",
    `val() { [ -s "$1" ] || { echo "alertmanager: secret $1 is missing or empty" >&2; exit 1; }; tr -d '\\r' < "$1" | sed -e 's/[\\\\"]/\\\\&/g' -e 's/[|&\\\\]/\\\\&/g'; }`,
    ...reads,
    `sed ${substitutions.join(" ")} ${paths.template} > ${paths.rendered}`,
    `exec ${paths.binary} --config.file=${paths.rendered} --storage.path=${paths.storage}`,
  ].join("\n");
}

/**
 * Without SMTP settings there is nobody to mail: Alertmanager still runs (Prometheus keeps
 * a target and the rules keep evaluating), routes to a receiver without integrations, and
 * says so in its log instead of crash-looping on missing secret files.
 */
export function alertmanagerNoMailScript(paths: AlertmanagerScriptPaths = DEFAULT_SCRIPT_PATHS): string {
  return [
    "set -eu",
    `echo "alertmanager: SMTP is not configured (cdb:smtpUser, cdb:smtpPassword, cdb:smtpFrom, cdb:alertEmailTo), alerts are not e-mailed" >&2`,
    `printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' > ${paths.rendered}`,
    `exec ${paths.binary} --config.file=${paths.rendered} --storage.path=${paths.storage}`,
  ].join("\n");
}
