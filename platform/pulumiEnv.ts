import { backendUrl } from "./stateBackend";

// Defaults for every Pulumi command the project runs: local state in the
// repo (git-ignored), no update check, no plugin downloads. Anything the
// caller already set wins. Which passphrase opens which stack is
// config/stackPassphrase.ts's (it reads a passphrase file through the bounded
// reader of config/, which this layer cannot import).

export function pulumiDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    // A team's state on PostgreSQL (postgres://…) or any DIY backend; the repository's file backend otherwise.
    PULUMI_BACKEND_URL: backendUrl(env),
    PULUMI_SKIP_UPDATE_CHECK: env.PULUMI_SKIP_UPDATE_CHECK ?? "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
}
