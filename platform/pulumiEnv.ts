import { statSync } from "node:fs";
import { OpsRefused, UnusableInput } from "./errors";
import { backendUrl } from "./stateBackend";

// Defaults for every Pulumi command the project runs: local state in the
// repo (git-ignored), no update check, no plugin downloads, and a passphrase
// secrets provider. Anything the caller already set wins.

/** Only for paper: its secrets are generated passwords on a local machine (paper calls no exchange). */
export const PAPER_DEFAULT_PASSPHRASE = "cdb-paper-local";

/** Refused (exit 5), like every refusal: there is no default passphrase outside paper. */
export class PassphraseMissing extends OpsRefused {
  constructor(stack: string) {
    super(`stack ${stack} needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE: there is no default passphrase outside paper`);
    this.name = "PassphraseMissing";
  }
}

/**
 * The passphrase file must be a regular file: Pulumi reads it itself, and a
 * FIFO or device would hang every command. Unusable input (exit 2) under
 * every command that opens a stack.
 */
function passphraseFileProblem(file: string): void {
  let kind: string;
  try {
    const st = statSync(file);
    if (st.isFile()) return;
    kind = st.isDirectory() ? "a directory" : st.isFIFO() ? "a FIFO (named pipe)" : "not a regular file";
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnusableInput(`PULUMI_CONFIG_PASSPHRASE_FILE ${file}`, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`);
  }
  throw new UnusableInput(`PULUMI_CONFIG_PASSPHRASE_FILE ${file}`, `is ${kind}, not a regular file`);
}

export function pulumiEnv(stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {
    // A team's state on PostgreSQL (postgres://…) or any DIY backend; the repository's file backend otherwise.
    PULUMI_BACKEND_URL: backendUrl(env),
    PULUMI_SKIP_UPDATE_CHECK: env.PULUMI_SKIP_UPDATE_CHECK ?? "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION ?? "true",
  };
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined && env.PULUMI_CONFIG_PASSPHRASE !== "") {
    out.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
  } else if (file !== undefined && file !== "") {
    passphraseFileProblem(file);
    out.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  } else if (stack === "paper") {
    out.PULUMI_CONFIG_PASSPHRASE = PAPER_DEFAULT_PASSPHRASE;
  } else {
    throw new PassphraseMissing(stack);
  }
  return out;
}
