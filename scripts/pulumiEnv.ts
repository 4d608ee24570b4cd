import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../readiness/catalog";

// Defaults for every Pulumi command the project runs: local state in the
// repo (git-ignored), no update check, no plugin downloads, and a passphrase
// secrets provider. Anything the caller already set wins.

export const STATE_DIR = path.join(REPO_ROOT, ".pulumi-state");
/** Only for paper: its secrets are testnet keys and generated passwords on a local machine. */
export const PAPER_DEFAULT_PASSPHRASE = "cdb-paper-local";

export class PassphraseMissing extends Error {
  constructor(stack: string) {
    super(`stack ${stack} needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE: there is no default passphrase outside paper`);
    this.name = "PassphraseMissing";
  }
}

export function pulumiEnv(stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {
    PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL ?? pathToFileURL(STATE_DIR).href,
    PULUMI_SKIP_UPDATE_CHECK: env.PULUMI_SKIP_UPDATE_CHECK ?? "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "") {
    out.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
  } else if (file !== undefined && file !== "") {
    if (!existsSync(file)) throw new Error(`PULUMI_CONFIG_PASSPHRASE_FILE ${file}: file not found`);
    out.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  } else if (stack === "paper") {
    out.PULUMI_CONFIG_PASSPHRASE = PAPER_DEFAULT_PASSPHRASE;
  } else {
    throw new PassphraseMissing(stack);
  }
  return out;
}
