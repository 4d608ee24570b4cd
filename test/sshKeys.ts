import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Throwaway OpenSSH keys made by the real ssh-keygen, for tests that sign
// evidence the way an operator does, and an allowed_signers file naming them.

export interface TestKey {
  /** Private key file (unencrypted unless a passphrase was given). */
  file: string;
  /** `ssh-ed25519 AAAA…` */
  publicLine: string;
  name: string;
}

export function makeKey(name: string, opts: { type?: "ed25519" | "ecdsa" | "rsa"; bits?: number; passphrase?: string; dir?: string } = {}): TestKey {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), "cdb-keys-"));
  const file = path.join(dir, `${name}-${opts.type ?? "ed25519"}${opts.bits ? `-${opts.bits}` : ""}`);
  const args = ["-q", "-t", opts.type ?? "ed25519", "-N", opts.passphrase ?? "", "-C", name, "-f", file];
  if (opts.bits) args.push("-b", String(opts.bits));
  execFileSync("ssh-keygen", args, { stdio: "ignore" });
  const publicLine = readFileSync(`${file}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  return { file, publicLine, name };
}

/** An allowed_signers file: one line per key, `principals namespaces="cdb-evidence" key` (a witness's: namespaces="cdb-witness"). */
export function writeAllowedSigners(file: string, entries: { principals: string[]; key: TestKey; namespaces?: string }[]): string {
  writeFileSync(file, entries.map((e) => `${e.principals.join(",")} namespaces="${e.namespaces ?? "cdb-evidence"}" ${e.key.publicLine}`).join("\n") + "\n");
  return file;
}
