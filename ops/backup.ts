import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { stackPulumiEnv } from "../config/stackPassphrase";
import { pulumiBinary } from "../platform/toolchain";
import { PulumiFailed } from "../platform/errors";
import { redactBackend } from "../platform/stateBackend";

// The backup `cdb promote` takes before it changes live: the stack's state as
// `pulumi stack export` writes it WITHOUT --show-secrets, so every secret in
// it (generated passwords, the MEXC key and secret, the DSN) stays encrypted
// with the stack's secrets provider. The Automation API's exportStack() passes
// --show-secrets: its output holds every secret in plaintext and must never be
// written to disk. The file is 0600 in a 0700 folder (both ignored by git).
// The export reads whichever backend PULUMI_BACKEND_URL names (the file
// backend, PostgreSQL): the backup is a file on this machine either way, and
// an export is not blocked by another update's lock (it reads the last
// checkpoint), so a backup never waits for one.

export const BACKUP_DIR = path.join(REPO_ROOT, "backups");

/** The export failed: a failure of Pulumi (exit 6). */
export class BackupFailed extends PulumiFailed {
  constructor(message: string) {
    super([message], "backup");
    this.name = "BackupFailed";
  }
}

export interface BackupRequest {
  stack: string;
  dir?: string;
  /** Where Pulumi runs (the project directory) and with which environment; default: this repository and stackPulumiEnv. */
  workDir?: string;
  env?: Record<string, string>;
  /** The `pulumi` binary; default: the toolchain's. */
  pulumi?: string;
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

/** The stack's state with its secrets encrypted, as `pulumi stack export` prints it. */
export async function exportEncrypted(req: BackupRequest): Promise<string> {
  const pulumi = req.pulumi ?? pulumiBinary();
  const env = { ...process.env, ...(req.env ?? stackPulumiEnv(req.stack)) };
  const text = await new Promise<string>((resolve, reject) => {
    execFile(pulumi, ["stack", "export", "--stack", req.stack, "--non-interactive"], { cwd: req.workDir ?? REPO_ROOT, env, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      // Pulumi quotes the backend URL (with its password) in some errors: never past this point.
      const text = redactBackend(stderr || err.message, env);
      reject(new BackupFailed(`pulumi stack export --stack ${req.stack} failed: ${text.trim().split("\n").filter((l) => /error/i.test(l)).join("; ") || redactBackend(err.message, env)}`));
    });
  });
  try {
    JSON.parse(text);
  } catch {
    throw new BackupFailed(`pulumi stack export --stack ${req.stack} printed no JSON`);
  }
  return text;
}

/** Writes `<dir>/<stack>-<time>.json` (0600, folder 0700) with the encrypted export; returns its path. */
export async function writeBackup(req: BackupRequest): Promise<string> {
  const text = await exportEncrypted(req);
  const dir = req.dir ?? BACKUP_DIR;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = path.join(dir, `${req.stack}-${stamp()}.json`);
  // "wx": never through an existing file or a link planted under the same name.
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return file;
}
