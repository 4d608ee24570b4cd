import * as pulumi from "@pulumi/pulumi";
import { SECRET_SETTINGS } from "../config/safety";
import { isContainer } from "./containers";
import { resourcePolicy } from "./guard";
import { envCredential, URL_WITH_PASSWORD } from "../config/secretPatterns";
import { splitKeyValue } from "../platform/envEntries";

/** Configured secret values; the analyzer receives them in plaintext, like the program. */
function configuredSecrets(): string[] {
  const all = pulumi.runtime.allConfig();
  return SECRET_SETTINGS.map((k) => all[`cdb:${k}`]).filter((v): v is string => typeof v === "string" && v.length > 0);
}

/** Everything else `docker inspect` shows as text: command, entrypoint, labels, health check. */
function inspectableText(props: Record<string, unknown>): [string, string][] {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const labels = ((props.labels as { label: string; value: string }[] | undefined) ?? []).map((l) => `${l.label}=${l.value}`);
  const health = (props.healthcheck as { tests?: unknown } | undefined)?.tests;
  return [
    ...list(props.command).map((t): [string, string] => ["command", t]),
    ...list(props.entrypoints).map((t): [string, string] => ["entrypoint", t]),
    ...labels.map((t): [string, string] => ["label", t]),
    ...list(health).map((t): [string, string] => ["healthcheck", t]),
  ];
}

export const noSecretsInEnv = resourcePolicy({
  name: "no-secrets-in-env",
  description: "No secret in an environment value (or anything else docker inspect shows): credentials reach containers as files under /run/secrets.",
  validate: (args, report) => {
    if (!isContainer(args.type)) return;
    const secrets = configuredSecrets();
    const props = args.props as Record<string, unknown>;
    // Never echo a value: it may be the secret.
    // Entry by entry, not as a map: a malformed or repeated entry is checked too.
    for (const [key, value] of ((props.envs as string[] | undefined) ?? []).map(splitKeyValue)) {
      const found = envCredential(key, value);
      if (found === "literal") {
        report(`${args.name}: environment variable ${key} carries a literal value; deliver it as a file under /run/secrets`);
      } else if (found === "url") {
        report(`${args.name}: environment variable ${key} holds a URL with a password; deliver it as a file under /run/secrets`);
      } else if (secrets.some((s) => value.includes(s))) {
        report(`${args.name}: environment variable ${key} contains the value of a configured secret`);
      }
    }
    for (const [where, text] of inspectableText(props)) {
      if (secrets.some((s) => text.includes(s)) || URL_WITH_PASSWORD.test(text)) report(`${args.name}: its ${where} contains a secret value`);
    }
  },
});
