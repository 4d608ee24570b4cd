import { generateKeyPairSync, randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, renameSync, writeSync, fsyncSync } from "node:fs";
import path from "node:path";
import { notFound, OpsRefused } from "../platform/errors";
import { parseOpenSshPrivateKey, publicKeyLine, sshString, type SshPublicKey, u32 } from "../readiness/sshsig";

// The witness's own ed25519 key, made at its first start inside its volume.
// The private key is written once, 0600, in the OpenSSH private key format
// that readiness/sshsig.ts reads (and `ssh-keygen -y -f` accepts); it is never
// printed, logged or returned. The encoding is written here (openssh-key-v1 is
// a dozen fields): sshpk is not a dependency of the project, the witness image
// has no ssh-keygen, and the reader this has to satisfy is the project's own
// parser, which the tests check against ssh-keygen.

const str = sshString;

/** An unencrypted openssh-key-v1 file for an ed25519 key (32-byte seed, 32-byte public key). */
function openSshEd25519(seed: Buffer, pub: Buffer, comment: string): { privateText: string; publicBlob: Buffer } {
  const publicBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
  // The two equal check words tell a reader a decryption worked; random, as ssh-keygen writes them.
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, str("ssh-ed25519"), str(pub), str(Buffer.concat([seed, pub])), str(comment)]);
  const pad: number[] = [];
  for (let i = 1; (section.length + pad.length) % 8 !== 0; i++) pad.push(i);
  section = Buffer.concat([section, Buffer.from(pad)]);
  const blob = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), str("none"), str("none"), str(""), u32(1), str(publicBlob), str(section)]);
  const b64 = blob.toString("base64").match(/.{1,70}/g)!.join("\n");
  return { privateText: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----\n`, publicBlob };
}

/** Writes `text` to a new file with `mode`, through a temporary file and a rename, synced. */
function writeNew(file: string, text: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * The key file as it must be: a regular file (not a link), mode 0600. A key
 * file that exists otherwise is refused: someone else may have put or read it.
 */
function checkKeyFile(keyFile: string): boolean {
  let s;
  try {
    s = lstatSync(keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
  if (!s.isFile()) throw new OpsRefused(`witness key ${keyFile} exists but is not a regular file: refusing to start (remove it only if you know why it is there)`);
  if ((s.mode & 0o777) !== 0o600) throw new OpsRefused(`witness key ${keyFile} has mode ${(s.mode & 0o777).toString(8)}, not 600: refusing to use a key others could have read`);
  return true;
}

/**
 * The witness key pair: made at the first start (`<keyFile>` and
 * `<keyFile>.pub`), kept on every later one. Returns the public key only.
 */
export function ensureWitnessKey(keyFile: string, principal: string): SshPublicKey {
  if (!checkKeyFile(keyFile)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const jwk = privateKey.export({ format: "jwk" }) as { d: string; x: string };
    const { privateText, publicBlob } = openSshEd25519(Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url"), principal);
    writeNew(keyFile, privateText, 0o600);
    writeNew(`${keyFile}.pub`, `ssh-ed25519 ${publicBlob.toString("base64")} ${principal}\n`, 0o644);
  }
  return witnessPublicKey(keyFile);
}

/** The public key of the witness key file (read from the private file, which stores it in clear). */
export function witnessPublicKey(keyFile: string): SshPublicKey {
  if (!checkKeyFile(keyFile)) throw notFound(`the witness has no key yet (${keyFile}): it makes one when its container starts (serve)`);
  const fd = openSync(keyFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  let text: string;
  try {
    if (!fstatSync(fd).isFile()) throw new OpsRefused(`witness key ${keyFile} is not a regular file`);
    text = readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
  const k = parseOpenSshPrivateKey(text);
  if (!k) throw new OpsRefused(`witness key ${keyFile} is not an unencrypted OpenSSH private key`);
  return k.publicKey;
}

/** The allowed_signers line for the witness: `witness@<stack> namespaces="cdb-witness" ssh-ed25519 AAAA…`. */
export const allowedSignersLine = (principal: string, namespace: string, key: SshPublicKey) => `${principal} namespaces="${namespace}" ${publicKeyLine(key)}`;
