import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

// The TLS of a rehearsal stack, made by the simulator at its first start: a CA
// for this stack alone and a server certificate for MEXC's hosts signed by it.
// No TLS provider plugin exists on the deploy host (only docker and random),
// and a CA made by the program would sit in the Pulumi state; made here, the
// CA's private key never leaves the simulator's memory and is discarded once
// the certificate is signed, so nobody can mint another certificate the app
// trusts. Node's crypto signs; the few DER structures of X.509 are encoded
// below (ECDSA P-256 with SHA-256, the extensions OpenSSL's strict mode wants).

const der = {
  len(n: number): Buffer {
    if (n < 0x80) return Buffer.from([n]);
    const bytes: number[] = [];
    for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  },
  tlv: (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), der.len(content.length), content]),
  seq: (...items: Buffer[]): Buffer => der.tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]): Buffer => der.tlv(0x31, Buffer.concat(items)),
  int(value: Buffer | number): Buffer {
    let b = typeof value === "number" ? Buffer.from([value]) : value;
    while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
    if ((b[0]! & 0x80) !== 0) b = Buffer.concat([Buffer.from([0]), b]);
    return der.tlv(0x02, b);
  },
  oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
    const out = [40 * a + b];
    for (const n of rest) {
      const chunk = [n & 0x7f];
      for (let x = Math.floor(n / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift(0x80 | (x & 0x7f));
      out.push(...chunk);
    }
    return der.tlv(0x06, Buffer.from(out));
  },
  utf8: (s: string): Buffer => der.tlv(0x0c, Buffer.from(s, "utf8")),
  bits: (b: Buffer, unused = 0): Buffer => der.tlv(0x03, Buffer.concat([Buffer.from([unused]), b])),
  octets: (b: Buffer): Buffer => der.tlv(0x04, b),
  true: (): Buffer => Buffer.from([0x01, 0x01, 0xff]),
  explicit: (n: number, content: Buffer): Buffer => der.tlv(0xa0 + n, content),
  /** UTCTime, YYMMDDHHMMSSZ (valid for 1950-2049, which RFC 5280 requires it for). */
  time: (d: Date): Buffer => der.tlv(0x17, Buffer.from(d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z", "ascii")),
};

const OID = {
  ecdsaSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
};

const name = (cn: string) => der.seq(der.set(der.seq(der.oid(OID.commonName), der.utf8(cn))));
const ext = (oid: string, critical: boolean, value: Buffer) => der.seq(der.oid(oid), ...(critical ? [der.true()] : []), der.octets(value));
const spkiOf = (k: KeyObject) => k.export({ type: "spki", format: "der" });
const keyIdOf = (k: KeyObject) => createHash("sha1").update(spkiOf(k)).digest();
const pem = (label: string, body: Buffer) => `-----BEGIN ${label}-----\n${body.toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;

interface CertSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  days: number;
  extensions: Buffer[];
}

function certificate(s: CertSpec): string {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const alg = der.seq(der.oid(OID.ecdsaSha256));
  const tbs = der.seq(
    der.explicit(0, der.int(2)),
    der.int(serial),
    alg,
    name(s.issuer),
    der.seq(der.time(new Date(now - 60 * 60_000)), der.time(new Date(now + s.days * 86_400_000))),
    name(s.subject),
    spkiOf(s.publicKey),
    der.explicit(3, der.seq(...s.extensions, ext(OID.subjectKeyId, false, der.octets(keyIdOf(s.publicKey))), ext(OID.authorityKeyId, false, der.seq(der.tlv(0x80, s.issuerKeyId))))),
  );
  return pem("CERTIFICATE", der.seq(tbs, alg, der.bits(sign("sha256", tbs, s.issuerKey))));
}

export interface StackTls {
  /** PEM of the CA certificate: what the app trusts. */
  caCert: string;
  cert: string;
  key: string;
}

/** A new CA and a server certificate for `hosts` signed by it; the CA's key is not returned. */
export function makeStackTls(hosts: readonly string[], days = 3650, label = "cdb rehearsal CA"): StackTls {
  const ca = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const server = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const caId = keyIdOf(ca.publicKey);
  const caCert = certificate({
    subject: label,
    issuer: label,
    publicKey: ca.publicKey,
    issuerKey: ca.privateKey,
    issuerKeyId: caId,
    days,
    // keyCertSign and cRLSign (bits 5, 6).
    extensions: [ext(OID.basicConstraints, true, der.seq(der.true())), ext(OID.keyUsage, true, der.bits(Buffer.from([0x06]), 1))],
  });
  const cert = certificate({
    subject: hosts[0]!,
    issuer: label,
    publicKey: server.publicKey,
    issuerKey: ca.privateKey,
    issuerKeyId: caId,
    days,
    extensions: [
      ext(OID.basicConstraints, true, der.seq()),
      // digitalSignature (bit 0).
      ext(OID.keyUsage, true, der.bits(Buffer.from([0x80]), 7)),
      ext(OID.extKeyUsage, false, der.seq(der.oid(OID.serverAuth))),
      ext(OID.subjectAltName, false, der.seq(...hosts.map((h) => der.tlv(0x82, Buffer.from(h, "ascii"))))),
    ],
  });
  return { caCert, cert, key: server.privateKey.export({ type: "pkcs8", format: "pem" }) as string };
}

const writeAtomic = (file: string, text: string, mode: number) => {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
};

/** The stack's TLS as it was made before, when it is complete and still belongs together. */
function existing(tlsDir: string, caDir: string, hosts: readonly string[]): StackTls | undefined {
  const files = { caCert: path.join(caDir, "ca.pem"), cert: path.join(tlsDir, "server.pem"), key: path.join(tlsDir, "server.key") };
  if (!Object.values(files).every((f) => existsSync(f))) return undefined;
  try {
    const tls = { caCert: readFileSync(files.caCert, "utf8"), cert: readFileSync(files.cert, "utf8"), key: readFileSync(files.key, "utf8") };
    const ca = new X509Certificate(tls.caCert);
    const cert = new X509Certificate(tls.cert);
    if (!cert.verify(ca.publicKey) || !cert.checkPrivateKey(createPrivateKey(tls.key))) return undefined;
    if (hosts.some((h) => cert.checkHost(h) === undefined) || Date.parse(cert.validTo) < Date.now() + 86_400_000) return undefined;
    return tls;
  } catch {
    return undefined;
  }
}

/**
 * At every start: reuse the stack's TLS from its volumes, or make it (first
 * start, or when the files no longer belong together). The server key stays
 * in `tlsDir` (the simulator's own volume, mode 0600); only the CA certificate
 * goes to `caDir`, the volume risk and execution mount read-only. Written last,
 * so that its presence (the health check) means the server is ready to use it.
 */
export function ensureStackTls(tlsDir: string, caDir: string, hosts: readonly string[]): StackTls & { made: boolean } {
  const found = existing(tlsDir, caDir, hosts);
  if (found) return { ...found, made: false };
  const tls = makeStackTls(hosts);
  for (const d of [tlsDir, caDir]) mkdirSync(d, { recursive: true });
  writeAtomic(path.join(tlsDir, "server.key"), tls.key, 0o600);
  writeAtomic(path.join(tlsDir, "server.pem"), tls.cert, 0o644);
  writeAtomic(path.join(caDir, "ca.pem"), tls.caCert, 0o644);
  return { ...tls, made: true };
}
