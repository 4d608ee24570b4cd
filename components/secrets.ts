import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_FILE_OF_SETTING } from "../config/schema";
import { type SecretSetting } from "../config/safety";
import type { SecretName } from "../config/services";

export interface SecretsArgs {
  postgresUser: string;
  postgresDatabase: string;
  /** Reads a `cdb:` secret setting; undefined when it is not set. */
  setting: (key: SecretSetting) => pulumi.Output<string> | undefined;
}

/**
 * Every secret a container may mount (`cdb:infra:Secrets`). Generated
 * passwords are random resources, so they stay stable across updates and
 * live encrypted in state; the rest comes from `pulumi config set --secret`.
 */
export class Secrets extends pulumi.ComponentResource {
  private readonly values: Record<SecretName, pulumi.Output<string>>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("cdb:infra:Secrets", name, {}, opts);
    // Alphanumeric only: the values end up in a DSN and a shell command line unescaped.
    const password = (n: string) => new random.RandomPassword(n, { length: 32, special: false }, { parent: this }).result;
    const redis = password("redis-password");
    const postgres = password("postgres-password");
    const grafana = password("grafana-password");
    const configured = Object.fromEntries(
      // An unset setting is never uploaded (the plan leaves its file out); "" only fills the map.
      Object.entries(SECRET_FILE_OF_SETTING).map(([key, file]) => [file, args.setting(key as SecretSetting) ?? pulumi.secret("")]),
    ) as Record<SecretName, pulumi.Output<string>>;
    this.values = {
      ...configured,
      redis_password: redis,
      postgres_password: postgres,
      grafana_password: grafana,
      // redis_exporter reads REDIS_PASSWORD_FILE as a JSON map of address to password.
      redis_exporter_passwords: pulumi.secret(redis.apply((pw) => JSON.stringify({ "redis://cdb_redis:6379": pw }))),
      // The simulator of a rehearsal stack accepts exactly the stack's key: one `key secret` line.
      simulator_keys: pulumi.secret(
        pulumi.all([configured.mexc_api_key, configured.mexc_api_secret]).apply(([key, secret]) => `${key.trim()} ${secret.trim()}\n`),
      ),
      postgres_password_dsn: pulumi.secret(
        pulumi.interpolate`postgresql://${args.postgresUser}:${postgres}@cdb_postgres:5432/${args.postgresDatabase}?sslmode=disable`,
      ),
    };
    this.registerOutputs({});
  }

  /** The secret's content, always wrapped as a Pulumi secret. */
  content(name: SecretName): pulumi.Output<string> {
    return pulumi.secret(this.values[name]);
  }
}
