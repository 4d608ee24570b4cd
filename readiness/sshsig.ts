import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readInputText } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";

// OpenSSH signatures in the `sshsig` format (PROTOCOL.sshsig), the format of
// `ssh-keygen -Y sign`, in TypeScript on node:crypto so the gate verifies on
// every platform without an ssh binary. Keys: ssh-ed25519,
// ecdsa-sha2-nistp256/384/521 and ssh-rsa (signed with rsa-sha2-512).
// Signing parses unencrypted OpenSSH private keys; any other key file (an
// encrypted key, a public key whose private half is in ssh-agent) is handed to
// `ssh-keygen -Y sign`, which Windows' OpenSSH client has too.

/** The namespace of every signature this project makes or accepts. */
export const SSHSIG_NAMESPACE = "cdb-evidence";
/** Larger armored signatures are refused before parsing (an RSA-16384 signature is about 4.5 KiB). */
export const MAX_SIGNATURE_CHARS = 8192;

const MAGIC = Buffer.from("SSHSIG");
const BEGIN = "-----BEGIN SSH SIGNATURE-----";
const END = "-----END SSH SIGNATURE-----";

export class SshsigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SshsigError";
  }
}

// --- SSH wire encoding -------------------------------------------------------

class Reader {
  private off = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}
  u32(): number {
    if (this.off + 4 > this.buf.length) throw new SshsigError(`${this.what}: truncated`);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.off + n > this.buf.length) throw new SshsigError(`${this.what}: truncated`);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  raw(n: number): Buffer {
    if (this.off + n > this.buf.length) throw new SshsigError(`${this.what}: truncated`);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  string(): string {
    return this.bytes().toString("latin1");
  }
  get done(): boolean {
    return this.off === this.buf.length;
  }
  rest(): Buffer {
    return this.buf.subarray(this.off);
  }
}

export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** An SSH wire string: a uint32 length, then the bytes. */
export const sshString = (b: Buffer | string) => {
  const buf = typeof b === "string" ? Buffer.from(b, "latin1") : b;
  return Buffer.concat([u32(buf.length), buf]);
};
/** An mpint from unsigned big-endian bytes. */
const mpint = (b: Buffer) => {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  let v = b.subarray(i);
  if (v.length > 0 && v[0]! & 0x80) v = Buffer.concat([Buffer.alloc(1), v]);
  return sshString(v);
};
/** Unsigned big-endian bytes of an mpint, left-padded to `len` when given. */
const unsigned = (b: Buffer, len?: number) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  if (len === undefined || v.length === len) return v;
  if (v.length > len) throw new SshsigError("integer too large for its curve");
  return Buffer.concat([Buffer.alloc(len - v.length), v]);
};
const b64u = (b: Buffer) => b.toString("base64url");

// --- public keys -------------------------------------------------------------

const CURVES: Record<string, { crv: string; hash: string; len: number }> = {
  nistp256: { crv: "P-256", hash: "sha256", len: 32 },
  nistp384: { crv: "P-384", hash: "sha384", len: 48 },
  nistp521: { crv: "P-521", hash: "sha512", len: 66 },
};

export interface SshPublicKey {
  /** ssh-ed25519, ecdsa-sha2-nistp256, …, ssh-rsa */
  type: string;
  /** The wire blob: what the authorized_keys / allowed_signers line carries in base64. */
  blob: Buffer;
  /** SHA256:… as `ssh-keygen -l` prints it: the key's identity. */
  fingerprint: string;
  key: KeyObject;
}

export const fingerprintOf = (blob: Buffer) => `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;

// Importing a key into node:crypto costs about a millisecond; a gate run sees the same few keys on every entry.
const parsedKeys = new Map<string, SshPublicKey>();

/** Parses a public key blob (wire format); throws SshsigError for unsupported or malformed keys. */
export function parsePublicKeyBlob(blob: Buffer): SshPublicKey {
  const id = blob.toString("base64");
  const known = parsedKeys.get(id);
  if (known) return known;
  const parsed = parseKeyBlob(blob);
  if (parsedKeys.size < 1000) parsedKeys.set(id, parsed);
  return parsed;
}

function parseKeyBlob(blob: Buffer): SshPublicKey {
  const r = new Reader(blob, "public key");
  const type = r.string();
  let key: KeyObject;
  try {
    if (type === "ssh-ed25519") {
      const x = r.bytes();
      if (x.length !== 32) throw new SshsigError("ssh-ed25519 key: not 32 bytes");
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64u(x) }, format: "jwk" });
    } else if (type.startsWith("ecdsa-sha2-")) {
      const curve = CURVES[r.string()];
      if (!curve || `ecdsa-sha2-${Object.keys(CURVES).find((k) => CURVES[k] === curve)}` !== type) throw new SshsigError(`${type}: unsupported or mismatched curve`);
      const q = r.bytes();
      if (q.length !== 1 + 2 * curve.len || q[0] !== 4) throw new SshsigError(`${type}: not an uncompressed point`);
      key = createPublicKey({ key: { kty: "EC", crv: curve.crv, x: b64u(q.subarray(1, 1 + curve.len)), y: b64u(q.subarray(1 + curve.len)) }, format: "jwk" });
    } else if (type === "ssh-rsa") {
      const e = unsigned(r.bytes());
      const n = unsigned(r.bytes());
      if (n.length * 8 < 2048 - 8) throw new SshsigError("ssh-rsa key: shorter than 2048 bits");
      key = createPublicKey({ key: { kty: "RSA", n: b64u(n), e: b64u(e) }, format: "jwk" });
    } else {
      throw new SshsigError(`unsupported key type ${JSON.stringify(type.slice(0, 40))}`);
    }
  } catch (e) {
    if (e instanceof SshsigError) throw e;
    throw new SshsigError(`${type}: not a valid key (${(e as Error).message})`);
  }
  if (!r.done) throw new SshsigError(`${type}: trailing bytes after the key`);
  return { type, blob: Buffer.from(blob), fingerprint: fingerprintOf(blob), key };
}

/** Parses `ssh-ed25519 AAAA… [comment]`, as in a .pub file. */
export function parsePublicKeyLine(line: string): SshPublicKey {
  const [type, b64] = line.trim().split(/\s+/);
  if (!type || !b64) throw new SshsigError("expected '<key type> <base64 key>'");
  const key = parsePublicKeyBlob(Buffer.from(b64, "base64"));
  if (key.type !== type) throw new SshsigError(`key type ${type} does not match the key's own type ${key.type}`);
  return key;
}

export const publicKeyLine = (k: { type: string; blob: Buffer }) => `${k.type} ${k.blob.toString("base64")}`;

// --- signatures --------------------------------------------------------------

export interface ParsedSignature {
  publicKey: SshPublicKey;
  namespace: string;
  hashAlgorithm: "sha256" | "sha512";
  sigType: string;
  sig: Buffer;
}

/** Parses an armored sshsig; throws SshsigError naming what is wrong. */
export function parseSignature(armored: string): ParsedSignature {
  if (typeof armored !== "string") throw new SshsigError("signature is not text");
  if (armored.length > MAX_SIGNATURE_CHARS) throw new SshsigError(`signature is ${armored.length} characters, more than ${MAX_SIGNATURE_CHARS}`);
  const text = armored.trim();
  if (!text.startsWith(BEGIN) || !text.endsWith(END)) throw new SshsigError("not an armored SSH signature (-----BEGIN SSH SIGNATURE-----)");
  const body = text.slice(BEGIN.length, text.length - END.length).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new SshsigError("signature body is not base64");
  const blob = Buffer.from(body, "base64");
  if (blob.length < MAGIC.length || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw new SshsigError("signature lacks the SSHSIG magic");
  const r = new Reader(blob.subarray(MAGIC.length), "signature");
  const version = r.u32();
  if (version !== 1) throw new SshsigError(`signature version ${version}, expected 1`);
  const publicKey = parsePublicKeyBlob(r.bytes());
  const namespace = r.string();
  r.bytes(); // reserved
  const hashAlgorithm = r.string();
  if (hashAlgorithm !== "sha256" && hashAlgorithm !== "sha512") throw new SshsigError(`hash algorithm ${JSON.stringify(hashAlgorithm.slice(0, 20))} is not sha256 or sha512`);
  const sr = new Reader(r.bytes(), "signature blob");
  if (!r.done) throw new SshsigError("trailing bytes after the signature");
  const sigType = sr.string();
  const sig = Buffer.from(sr.bytes());
  if (!sr.done) throw new SshsigError("trailing bytes in the signature blob");
  return { publicKey, namespace, hashAlgorithm, sigType, sig };
}

const signedData = (namespace: string, hashAlgorithm: string, message: Buffer | string) =>
  Buffer.concat([MAGIC, sshString(namespace), sshString(""), sshString(hashAlgorithm), sshString(createHash(hashAlgorithm).update(message).digest())]);

/** Checks the signature's math over `message`; returns a problem or undefined. Does not decide who may sign. */
function checkMath(p: ParsedSignature, message: Buffer | string): string | undefined {
  const data = signedData(p.namespace, p.hashAlgorithm, message);
  const k = p.publicKey;
  let ok: boolean;
  try {
    if (k.type === "ssh-ed25519") {
      if (p.sigType !== "ssh-ed25519") return `signature type ${p.sigType} does not match key type ${k.type}`;
      ok = cryptoVerify(null, data, k.key, p.sig);
    } else if (k.type.startsWith("ecdsa-sha2-")) {
      if (p.sigType !== k.type) return `signature type ${p.sigType} does not match key type ${k.type}`;
      const curve = CURVES[k.type.slice("ecdsa-sha2-".length)]!;
      const rs = new Reader(p.sig, "ecdsa signature");
      const sig = Buffer.concat([unsigned(rs.bytes(), curve.len), unsigned(rs.bytes(), curve.len)]);
      ok = cryptoVerify(curve.hash, data, { key: k.key, dsaEncoding: "ieee-p1363" }, sig);
    } else if (k.type === "ssh-rsa") {
      // The SHA-1 variant ("ssh-rsa") is refused, as ssh-keygen does.
      const hash = p.sigType === "rsa-sha2-512" ? "sha512" : p.sigType === "rsa-sha2-256" ? "sha256" : undefined;
      if (!hash) return `signature type ${p.sigType} is not accepted for ssh-rsa (rsa-sha2-256 or rsa-sha2-512)`;
      ok = cryptoVerify(hash, data, k.key, p.sig);
    } else return `unsupported key type ${k.type}`;
  } catch (e) {
    return `signature does not verify (${(e as Error).message})`;
  }
  return ok ? undefined : "signature does not verify: it was made over other content or is corrupt";
}

export type VerifyResult = { ok: true; signer: SshPublicKey } | { ok: false; problem: string; signer?: SshPublicKey };

/**
 * Verifies an armored sshsig over `message` in `namespace`. Says nothing about
 * whether the signer may sign: see allowedSigners.ts. Never throws.
 */
export function verifySignature(armored: unknown, message: Buffer | string, namespace = SSHSIG_NAMESPACE): VerifyResult {
  let p: ParsedSignature;
  try {
    if (typeof armored !== "string") return { ok: false, problem: "signature is not text" };
    p = parseSignature(armored);
  } catch (e) {
    return { ok: false, problem: `malformed signature: ${(e as Error).message}` };
  }
  if (p.namespace !== namespace) return { ok: false, problem: `signature is for namespace ${JSON.stringify(p.namespace.slice(0, 40))}, not ${namespace}`, signer: p.publicKey };
  const problem = checkMath(p, message);
  return problem ? { ok: false, problem, signer: p.publicKey } : { ok: true, signer: p.publicKey };
}

// --- signing -----------------------------------------------------------------

const PRIV_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const PRIV_END = "-----END OPENSSH PRIVATE KEY-----";

interface PrivateKey {
  publicKey: SshPublicKey;
  key: KeyObject;
}

/**
 * Reads an OpenSSH private key file: its public key always (it is stored in
 * clear), the private key only when the file is not encrypted. Undefined when
 * the text is no OpenSSH private key.
 */
export function parseOpenSshKeyFile(text: string): { publicKey: SshPublicKey; encrypted: boolean; privateKey?: PrivateKey } | undefined {
  const t = text.trim();
  if (!t.startsWith(PRIV_BEGIN) || !t.endsWith(PRIV_END)) return undefined;
  const blob = Buffer.from(t.slice(PRIV_BEGIN.length, t.length - PRIV_END.length).replace(/\s+/g, ""), "base64");
  const magic = Buffer.from("openssh-key-v1\0");
  if (!blob.subarray(0, magic.length).equals(magic)) throw new SshsigError("private key: not openssh-key-v1");
  const r = new Reader(blob.subarray(magic.length), "private key");
  const cipher = r.string();
  const kdf = r.string();
  r.bytes(); // kdf options
  if (r.u32() !== 1) throw new SshsigError("private key: a file with more than one key");
  const publicKey = parsePublicKeyBlob(r.bytes());
  if (cipher !== "none" || kdf !== "none") return { publicKey, encrypted: true };
  return { publicKey, encrypted: false, privateKey: privatePart(publicKey, r.bytes()) };
}

/** Parses an unencrypted OpenSSH private key; undefined when it is encrypted or not one (then ssh-keygen signs). */
export const parseOpenSshPrivateKey = (text: string): PrivateKey | undefined => parseOpenSshKeyFile(text)?.privateKey;

function privatePart(publicKey: SshPublicKey, section: Buffer): PrivateKey {
  const pr = new Reader(section, "private key");
  if (pr.u32() !== pr.u32()) throw new SshsigError("private key: check bytes differ (corrupt file)");
  const type = pr.string();
  if (type !== publicKey.type) throw new SshsigError("private key: type differs from its public key");
  let jwk: Record<string, string>;
  if (type === "ssh-ed25519") {
    const pub = pr.bytes();
    const priv = pr.bytes();
    jwk = { kty: "OKP", crv: "Ed25519", x: b64u(pub), d: b64u(priv.subarray(0, 32)) };
  } else if (type.startsWith("ecdsa-sha2-")) {
    const curve = CURVES[pr.string()]!;
    const q = pr.bytes();
    const d = unsigned(pr.bytes(), curve.len);
    jwk = { kty: "EC", crv: curve.crv, x: b64u(q.subarray(1, 1 + curve.len)), y: b64u(q.subarray(1 + curve.len)), d: b64u(d) };
  } else if (type === "ssh-rsa") {
    const [n, e, d, iqmp, p, q] = [pr.bytes(), pr.bytes(), pr.bytes(), pr.bytes(), pr.bytes(), pr.bytes()].map((b) => unsigned(b));
    const big = (b: Buffer) => BigInt(`0x${b.toString("hex") || "0"}`);
    const bytes = (v: bigint) => {
      const h = v.toString(16);
      return Buffer.from(h.length % 2 ? `0${h}` : h, "hex");
    };
    jwk = {
      kty: "RSA",
      n: b64u(n!),
      e: b64u(e!),
      d: b64u(d!),
      p: b64u(p!),
      q: b64u(q!),
      dp: b64u(bytes(big(d!) % (big(p!) - 1n))),
      dq: b64u(bytes(big(d!) % (big(q!) - 1n))),
      qi: b64u(iqmp!),
    };
  } else throw new SshsigError(`private key: unsupported type ${type}`);
  return { publicKey, key: createPrivateKey({ key: jwk, format: "jwk" }) };
}

function armor(blob: Buffer): string {
  const b64 = blob.toString("base64");
  const lines = b64.match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join("\n")}\n${END}\n`;
}

/** Signs with a parsed private key: the armored text `ssh-keygen -Y sign` would write. */
export function signWithKey(k: PrivateKey, message: Buffer | string, namespace = SSHSIG_NAMESPACE): string {
  const hashAlgorithm = "sha512";
  const data = signedData(namespace, hashAlgorithm, message);
  let sigType: string;
  let sig: Buffer;
  if (k.publicKey.type === "ssh-ed25519") {
    sigType = "ssh-ed25519";
    sig = cryptoSign(null, data, k.key);
  } else if (k.publicKey.type.startsWith("ecdsa-sha2-")) {
    sigType = k.publicKey.type;
    const curve = CURVES[sigType.slice("ecdsa-sha2-".length)]!;
    const raw = cryptoSign(curve.hash, data, { key: k.key, dsaEncoding: "ieee-p1363" });
    sig = Buffer.concat([mpint(raw.subarray(0, curve.len)), mpint(raw.subarray(curve.len))]);
  } else {
    sigType = "rsa-sha2-512";
    sig = cryptoSign("sha512", data, k.key);
  }
  const blob = Buffer.concat([MAGIC, u32(1), sshString(k.publicKey.blob), sshString(namespace), sshString(""), sshString(hashAlgorithm), sshString(Buffer.concat([sshString(sigType), sshString(sig)]))]);
  return armor(blob);
}

/** The ssh-keygen binary (SSH_KEYGEN overrides; on Windows the OpenSSH client's ssh-keygen.exe is on PATH). */
const sshKeygen = () => process.env.SSH_KEYGEN ?? "ssh-keygen";

/** A key file's text, bounded like every input; any failure is an SshsigError naming the file. */
function readKeyFile(keyFile: string): string {
  try {
    return readInputText(keyFile, { maxBytes: 64 * 1024, what: "key file" });
  } catch (e) {
    throw new SshsigError(e instanceof UnusableInput ? e.message : `key ${keyFile}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/**
 * Signs `message` with the key in `keyFile`: in TypeScript for an unencrypted
 * OpenSSH private key, else with `ssh-keygen -Y sign` (it asks for the
 * passphrase on the terminal, or uses ssh-agent for a .pub file).
 */
export function signWithKeyFile(keyFile: string, message: Buffer | string, namespace = SSHSIG_NAMESPACE): string {
  const text = readKeyFile(keyFile);
  const parsed = parseOpenSshPrivateKey(text);
  if (parsed) return signWithKey(parsed, message, namespace);
  let armored: string;
  // The message goes through a file so stdin stays the terminal, where ssh-keygen asks for the passphrase.
  const dir = mkdtempSync(path.join(tmpdir(), "cdb-sign-"));
  try {
    const msgFile = path.join(dir, "message");
    writeFileSync(msgFile, message);
    // Required here: the gate loads this module to verify, and child_process costs a start ~4 ms it never needs.
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const r = spawnSync(sshKeygen(), ["-q", "-Y", "sign", "-n", namespace, "-f", keyFile, msgFile], { stdio: ["inherit", "ignore", "inherit"], timeout: 120_000 });
    if (r.error) throw new SshsigError(`key ${keyFile} is encrypted or not an OpenSSH private key, and ${sshKeygen()} could not run: ${r.error.message}`);
    if (r.status !== 0) throw new SshsigError(`ssh-keygen -Y sign with ${keyFile} failed (exit ${r.status})`);
    armored = readFileSync(`${msgFile}.sig`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const check = verifySignature(armored, message, namespace);
  if (!check.ok) throw new SshsigError(`ssh-keygen's signature does not verify: ${check.problem}`);
  return armored;
}

/** The public key of a key file (private key, or .pub), for messages and allowed_signers lines. */
export function publicKeyOfFile(keyFile: string): SshPublicKey {
  const text = readKeyFile(keyFile);
  const parsed = parseOpenSshKeyFile(text);
  if (parsed) return parsed.publicKey;
  if (text.includes("PRIVATE KEY")) throw new SshsigError(`key ${keyFile}: a PEM private key; convert it to the OpenSSH format (ssh-keygen -p -f ${keyFile})`);
  return parsePublicKeyLine(text);
}
