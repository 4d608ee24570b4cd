// The witness: a service of this project in every stack that observes the
// stack on its own clock and Redis's, keeps a hash-chained journal, and signs
// the records of drills, collectors and checks with a key it made itself at
// first start and never lets out of its volume. This module is the one home of
// the names the program, the witness itself, the CLI and the gate share.

/** The sshsig namespace of witness signatures: a person's cdb-evidence key cannot sign here, nor the witness's there. */
export const WITNESS_NAMESPACE = "cdb-witness";

/** The principal of a stack's witness in readiness/allowed_signers (`witness@paper`, `witness@rehearsal`, `witness@live`). */
export const witnessPrincipal = (stack: string): string => `witness@${stack}`;

/** The stack a witness principal speaks for, or undefined for a person's principal. */
export function witnessStackOf(principal: string): string | undefined {
  const m = /^witness@([a-z0-9][a-z0-9._-]*)$/i.exec(principal.trim());
  return m ? m[1] : undefined;
}

/** Inside the witness container: its volume, key pair and journal (the private key never leaves this folder). */
export const WITNESS_HOME = "/var/lib/cdb-witness";
export const WITNESS_KEY_FILE = `${WITNESS_HOME}/witness_ed25519`;
export const WITNESS_PUBLIC_KEY_FILE = `${WITNESS_KEY_FILE}.pub`;
export const WITNESS_JOURNAL_FILE = `${WITNESS_HOME}/journal.jsonl`;

/** Where the witness's bundled program lives in its image, and the argv that runs one of its commands. */
export const WITNESS_PROGRAM = "/opt/cdb-witness/witness.cjs";
export const witnessArgv = (...args: string[]): string[] => ["node", WITNESS_PROGRAM, ...args];
