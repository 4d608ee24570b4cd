import { splitKeyValue } from "../platform/envEntries";
import { statSync } from "node:fs";
import path from "node:path";
import { readInputText } from "../config/inputFile";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { WITNESS_NAMESPACE, witnessStackOf } from "../config/witness";
import { parsePublicKeyLine, SSHSIG_NAMESPACE, type SshPublicKey, verifySignature } from "./sshsig";

// readiness/allowed_signers: who may sign evidence, in the format git uses for
// SSH commit signing (ssh-keygen(1) "ALLOWED SIGNERS"):
//   principals [options] keytype base64-key [comment]
// principals is a comma-separated list (handles or e-mail addresses); options
// honoured: namespaces="a,b" (the key signs only there), valid-after and
// valid-before (YYYYMMDD[HHMM[SS]][Z]). cert-authority lines are refused: this
// verifier checks plain keys only. A person is a key: two principals on one
// key are one person.

export const DEFAULT_ALLOWED_SIGNERS = path.join(REPO_ROOT, "readiness", "allowed_signers");
/** Env var naming another allowed_signers file (tests, pipelines, the policy pack). */
export const ALLOWED_SIGNERS_ENV = "CDB_ALLOWED_SIGNERS";
const MAX_BYTES = 256 * 1024;

export interface AllowedSigner {
  principals: string[];
  namespaces?: string[];
  validAfter?: Date;
  validBefore?: Date;
  key: SshPublicKey;
  line: number;
}

export interface AllowedSigners {
  file: string;
  signers: AllowedSigner[];
}

/** Splits off one option token, honouring double quotes. */
function splitToken(s: string): [string, string] {
  let i = 0;
  let quoted = false;
  while (i < s.length && (quoted || !/\s/.test(s[i]!))) {
    if (s[i] === '"') quoted = !quoted;
    i++;
  }
  return [s.slice(0, i), s.slice(i).trimStart()];
}

function parseTime(v: string, file: string, line: number, opt: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(v);
  if (!m) throw new UnusableInput(file, `${opt}: ${JSON.stringify(v)} is not YYYYMMDD[HHMM[SS]][Z]`, line);
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  // Without Z ssh-keygen reads local time; evidence is compared in UTC, so treat both as UTC and say so in the docs.
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

export function parseAllowedSigners(text: string, file: string): AllowedSigners {
  const signers: AllowedSigner[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === "" || t.startsWith("#")) return;
    let [principalsTok, rest] = splitToken(t);
    const principals = principalsTok.replace(/^"|"$/g, "").split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (principals.length === 0) throw new UnusableInput(file, "no principal before the key", line);
    const entry: Partial<AllowedSigner> = { principals, line };
    // Options come before the key type; a key type never contains '=' or starts with a quote.
    while (rest !== "" && !/^(ssh-|ecdsa-|sk-)/.test(rest)) {
      const [tok, after] = splitToken(rest);
      rest = after;
      // Commas separate options, except inside quotes: namespaces="cdb-witness,cdb-evidence" is one option.
      for (const opt of tok.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
        const [key, quoted] = splitKeyValue(opt);
        const name = key.toLowerCase();
        const value = quoted.replace(/^"|"$/g, "");
        if (name === "namespaces") entry.namespaces = value.split(",").map((n) => n.trim());
        else if (name === "valid-after") entry.validAfter = parseTime(value, file, line, name);
        else if (name === "valid-before") entry.validBefore = parseTime(value, file, line, name);
        else if (name === "cert-authority") throw new UnusableInput(file, "cert-authority keys are not supported; list each person's key", line);
        else throw new UnusableInput(file, `unknown option ${JSON.stringify(name)}`, line);
      }
    }
    try {
      entry.key = parsePublicKeyLine(rest);
    } catch (e) {
      throw new UnusableInput(file, `key: ${(e as Error).message}`, line);
    }
    signers.push(entry as AllowedSigner);
  });
  return { file, signers };
}

/** Reads the allowed signers; a missing file is undefined (nobody may sign), a broken one unusable input. */
export function loadAllowedSigners(file: string = process.env[ALLOWED_SIGNERS_ENV] ?? DEFAULT_ALLOWED_SIGNERS): AllowedSigners | undefined {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UnusableInput(file, "is a directory, not an allowed_signers file");
    size = st.size;
  } catch (e) {
    if (e instanceof UnusableInput) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UnusableInput(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size > MAX_BYTES) throw new UnusableInput(file, `file is ${size} bytes, more than ${MAX_BYTES}`);
  return parseAllowedSigners(readInputText(file, { maxBytes: MAX_BYTES, what: "allowed_signers file" }), file);
}

export type SignedBy =
  | { ok: true; fingerprint: string; principals: string[] }
  | { ok: false; problem: string };

/**
 * Verifies `signature` over `message` and that its key is an allowed signer
 * for the namespace at time `at`. `principal`, when given, must be one of the
 * key's principals (a typed name has to match the key that signed).
 */
export function verifySignedBy(
  signers: AllowedSigners | undefined,
  signature: unknown,
  message: Buffer | string,
  opts: { principal?: string; at?: Date; namespace?: string } = {},
): SignedBy {
  if (signature === undefined || signature === null || signature === "") return { ok: false, problem: "not signed" };
  const ns = opts.namespace ?? SSHSIG_NAMESPACE;
  const v = verifySignature(signature, message, ns);
  if (!v.ok) return { ok: false, problem: v.problem };
  if (!signers) return { ok: false, problem: `signed by ${v.signer.fingerprint}, but there is no allowed_signers file: nobody may sign` };
  const fp = v.signer.fingerprint;
  const at = opts.at;
  const lines = signers.signers.filter((s) => s.key.fingerprint === fp);
  if (lines.length === 0) return { ok: false, problem: `signed by key ${fp}, which is not in ${path.basename(signers.file)}` };
  // One key, one role (issue 22): a key listed anywhere as a witness (witness@<stack>) never signs
  // as a person, a person's key never as a witness; and a witness signature needs a line that names
  // cdb-witness explicitly (a line without namespaces= does not make anyone a witness).
  const witnessNs = ns === WITNESS_NAMESPACE;
  const listed = [...new Set(lines.flatMap((s) => s.principals))];
  const other = listed.filter((p) => (witnessStackOf(p) !== undefined) !== witnessNs);
  if (other.length > 0) return { ok: false, problem: witnessNs ? `key ${fp} is a person's (${other.join(", ")}) in ${path.basename(signers.file)}: only a witness's own key signs ${ns}` : `key ${fp} is a witness's (${other.join(", ")}) in ${path.basename(signers.file)}: a witness key never signs as a person` };
  const unnamed = witnessNs ? lines.find((s) => !s.namespaces) : undefined;
  if (unnamed) return { ok: false, problem: `key ${fp} may not sign ${ns} evidence: its line ${unnamed.line} in ${path.basename(signers.file)} names no namespaces (a witness's line says namespaces="${ns}")` };
  const usable = lines.filter(
    (s) => (!s.namespaces || s.namespaces.includes(ns)) && (!at || !s.validAfter || at >= s.validAfter) && (!at || !s.validBefore || at < s.validBefore),
  );
  if (usable.length === 0) return { ok: false, problem: `key ${fp} may not sign ${ns} evidence${at ? ` at ${at.toISOString()}` : ""} (namespaces / valid-after / valid-before in ${path.basename(signers.file)})` };
  const principals = [...new Set(usable.flatMap((s) => s.principals))];
  if (opts.principal !== undefined && !principals.some((p) => p.toLowerCase() === opts.principal!.trim().toLowerCase())) {
    return { ok: false, problem: `names ${opts.principal}, but was signed by key ${fp} of ${principals.join(", ")}` };
  }
  return { ok: true, fingerprint: fp, principals };
}
