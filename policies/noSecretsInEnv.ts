import * as pulumi from "@pulumi/pulumi";
import { SECRET_SETTINGS } from "../config/schema";
import { isContainer } from "./containers";
import { resourcePolicy } from "./guard";

/** Names that announce a credential. `*_FILE` variables pointing at /run/secrets are the allowed form. */
export const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|DSN)/i;

/** Configured secret values; the analyzer receives them in plaintext, like the program. */
function configuredSecrets(): string[] {
  const all = pulumi.runtime.allConfig();
  return SECRET_SETTINGS.map((k) => all[`cdb:${k}`]).filter((v): v is string => typeof v === "string" && v.length >= 4);
}

export const noSecretsInEnv = resourcePolicy({
  name: "no-secrets-in-env",
  description: "No secret in an environment value: credentials reach containers as files under /run/secrets.",
  validate: (args, report) => {
    if (!isContainer(args.type)) return;
    const secrets = configuredSecrets();
    for (const entry of (args.props.envs as string[] | undefined) ?? []) {
      const i = entry.indexOf("=");
      const [key, value] = i < 0 ? [entry, ""] : [entry.slice(0, i), entry.slice(i + 1)];
      // Never echo the value: it may be the secret.
      if (SECRET_NAME.test(key) && value !== "" && !value.startsWith("/run/secrets/")) {
        report(`${args.name}: environment variable ${key} carries a literal value; deliver it as a file under /run/secrets`);
      } else if (secrets.some((s) => value.includes(s))) {
        report(`${args.name}: environment variable ${key} contains the value of a configured secret`);
      }
    }
  },
});
