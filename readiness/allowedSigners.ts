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
//
// Validity is judged at the time of verification, as `ssh-keygen -Y verify`
// judges it without -Overify-time: a key past its valid-before signs nothing
// that counts any more, whatever time the signed entry or record names (a
// signer writes that time, and could back-date it to before the revocation).
// Revoking a key is setting valid-before or deleting its line; both void
// everything it signed. Which file is read is decided by readiness/trustRoot.ts.

export const DEFAULT_ALLOWED_SIGNERS = path.join(REPO_ROOT, "readiness", "allowed_signers");
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

/**
 * The options field and what follows it, as ssh-keygen's
 * sshkey_advance_past_options splits them: the field ends at the first blank
 * outside double quotes (\" does not toggle). Undefined for an unterminated quote.
 */
function splitOptionsField(s: string): [string, string] | undefined {
  let i = 0;
  let quoted = false;
  for (; i < s.length && (quoted || (s[i] !== " " && s[i] !== "\t")); i++) {
    if (s[i] === "\\" && s[i + 1] === '"') i++;
    else if (s[i] === '"') quoted = !quoted;
  }
  if (quoted) return undefined;
  return [s.slice(0, i), s.slice(i).replace(/^[ \t]+/, "")];
}

function parseTime(v: string, file: string, line: number, opt: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/i.exec(v);
  if (!m) throw new UnusableInput(file, `${opt}: ${JSON.stringify(v)} is not YYYYMMDD[HHMM[SS]][Z]`, line);
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  // Without Z ssh-keygen reads local time; evidence is compared in UTC, so treat both as UTC and say so in the docs.
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

const VALUED_OPTIONS = ["namespaces", "valid-after", "valid-before"] as const;

/**
 * The options of one line, by the grammar of ssh-keygen's sshsigopt_parse
 * (sshsig.c): name="value" clauses joined by commas, names case-insensitive,
 * values always double-quoted (\" inside stands for a quote), each clause at
 * most once. Whatever ssh-keygen refuses is refused here, so no line means
 * more to the gate than to `ssh-keygen -Y verify`: a second namespaces=
 * clause, an unquoted value, or a stray comma never widens what a key signs.
 */
function parseOptions(opts: string, entry: Partial<AllowedSigner>, file: string, line: number): void {
  const refuse = (why: string): never => {
    throw new UnusableInput(file, `options: ${why} (ssh-keygen refuses this line too)`, line);
  };
  const seen = new Set<string>();
  let s = opts;
  while (s !== "") {
    if (/^cert-authority(?![^,\s])/i.test(s)) throw new UnusableInput(file, "cert-authority keys are not supported; list each person's key", line);
    const name = VALUED_OPTIONS.find((n) => s.slice(0, n.length + 1).toLowerCase() === `${n}=`);
    if (!name) refuse(`unsupported option ${JSON.stringify(s.split(/[=,]/)[0])}`);
    if (seen.has(name!)) refuse(`multiple "${name}" clauses`);
    seen.add(name!);
    s = s.slice(name!.length + 1);
    if (!s.startsWith('"')) refuse(`${name}: missing start quote`);
    let value = "";
    let i = 1;
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === "\\" && s[i + 1] === '"') i++;
      value += s[i];
    }
    if (i >= s.length) refuse(`${name}: missing end quote`);
    s = s.slice(i + 1);
    // ssh-keygen matches the signature's namespace against this as a pattern list (match_pattern_list): kept verbatim.
    if (name === "namespaces") entry.namespaces = value.split(",");
    else if (name === "valid-after") entry.validAfter = parseTime(value, file, line, name);
    else entry.validBefore = parseTime(value, file, line, name!);
    if (s === "") break;
    if (!s.startsWith(",")) refuse("unexpected end-of-options");
    s = s.slice(1);
    if (s === "") refuse("unexpected end-of-options");
  }
  if (entry.validAfter && entry.validBefore && entry.validBefore <= entry.validAfter) refuse('"valid-before" time is before "valid-after"');
}

/** One pattern of ssh-keygen's match_pattern (match.c): * any run, ? one character, the rest literal. */
function matchPattern(s: string, pattern: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${re}$`).test(s);
}

/** ssh-keygen's match_pattern_list, case-sensitive as sshsig.c calls it: a matching !pattern denies, else any match allows. */
export function namespaceAllowed(ns: string, patterns: readonly string[]): boolean {
  let positive = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (matchPattern(ns, negated ? p.slice(1) : p)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
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
    // Options come before the key type, as one field (a key type never contains '=' or starts with a quote).
    if (rest !== "" && !/^(ssh-|ecdsa-|sk-)/.test(rest)) {
      const split = splitOptionsField(rest);
      if (!split) throw new UnusableInput(file, "options: unterminated quote (ssh-keygen refuses this line too)", line);
      parseOptions(split[0], entry, file, line);
      rest = split[1];
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
export function loadAllowedSigners(file: string): AllowedSigners | undefined {
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

/** Why one allowed_signers line does not let its key sign in `ns` at `now`; undefined when it does. */
function lineProblem(s: AllowedSigner, ns: string, now: Date, file: string): string | undefined {
  const where = `${path.basename(file)} line ${s.line}`;
  if (s.namespaces && !namespaceAllowed(ns, s.namespaces)) return `may sign only ${s.namespaces.join(", ")}, not ${ns} (${where})`;
  // A line without namespaces= (or with only a pattern such as "cdb-*") signs everywhere for
  // ssh-keygen, but makes nobody a witness here: a witness's line names its namespace.
  if (!s.namespaces?.includes(WITNESS_NAMESPACE) && ns === WITNESS_NAMESPACE) return `has no namespaces="${WITNESS_NAMESPACE}" (${where}): a witness's line must name its namespace`;
  // ssh-keygen's comparisons (sshsig.c): not yet valid before valid-after, expired after valid-before.
  if (s.validAfter && now < s.validAfter) return `is not valid before ${s.validAfter.toISOString()} (valid-after, ${where}); now is ${now.toISOString()}`;
  if (s.validBefore && now > s.validBefore) return `was revoked: valid-before ${s.validBefore.toISOString()} (${where}), now is ${now.toISOString()}; it signs nothing that counts any more, whatever time the signed text names`;
  return undefined;
}

/**
 * Verifies `signature` over `message` and that its key is an allowed signer
 * for the namespace now. `now` is the time of verification (the gate's
 * clock), never a time the signed text names: validity is judged as
 * `ssh-keygen -Y verify` judges it. `principal`, when given, must be one of
 * the key's principals (a typed name has to match the key that signed).
 */
export function verifySignedBy(
  signers: AllowedSigners | undefined,
  signature: unknown,
  message: Buffer | string,
  opts: { now: Date; principal?: string; namespace?: string },
): SignedBy {
  if (signature === undefined || signature === null || signature === "") return { ok: false, problem: "not signed" };
  const ns = opts.namespace ?? SSHSIG_NAMESPACE;
  const v = verifySignature(signature, message, ns);
  if (!v.ok) return { ok: false, problem: v.problem };
  if (!signers) return { ok: false, problem: `signed by ${v.signer.fingerprint}, but there is no allowed_signers file: nobody may sign` };
  const fp = v.signer.fingerprint;
  const lines = signers.signers.filter((s) => s.key.fingerprint === fp);
  if (lines.length === 0) return { ok: false, problem: `signed by key ${fp}, which is not in ${path.basename(signers.file)}` };
  // One key, one role (issue 22): a key listed anywhere as a witness (witness@<stack>) never signs
  // as a person, a person's key never as a witness; and a witness signature needs a line that names
  // cdb-witness explicitly (a line without namespaces= does not make anyone a witness).
  const witnessNs = ns === WITNESS_NAMESPACE;
  const listed = [...new Set(lines.flatMap((s) => s.principals))];
  const other = listed.filter((p) => (witnessStackOf(p) !== undefined) !== witnessNs);
  if (other.length > 0) return { ok: false, problem: witnessNs ? `key ${fp} is a person's (${other.join(", ")}) in ${path.basename(signers.file)}: only a witness's own key signs ${ns}` : `key ${fp} is a witness's (${other.join(", ")}) in ${path.basename(signers.file)}: a witness key never signs as a person` };
  const usable = lines.filter((s) => lineProblem(s, ns, opts.now, signers.file) === undefined);
  if (usable.length === 0) {
    const names = [...new Set(lines.flatMap((s) => s.principals))].join(", ");
    return { ok: false, problem: `key ${fp} of ${names} may not sign ${ns} evidence: it ${lines.map((s) => lineProblem(s, ns, opts.now, signers.file)).join("; ")}` };
  }
  const principals = [...new Set(usable.flatMap((s) => s.principals))];
  if (opts.principal !== undefined && !principals.some((p) => p.toLowerCase() === opts.principal!.trim().toLowerCase())) {
    return { ok: false, problem: `names ${opts.principal}, but was signed by key ${fp} of ${principals.join(", ")}` };
  }
  return { ok: true, fingerprint: fp, principals };
}
