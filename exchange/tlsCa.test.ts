import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { simulate } from "./simulate";
import type { Simulator } from "./server";
import { ensureStackTls, makeStackTls } from "./tlsCa";

// The rehearsal stack's TLS as the simulator makes it at its first start:
// checked by Node's X.509 parser, by `openssl verify -x509_strict` (the checks
// Python's ssl applies with VERIFY_X509_STRICT, as `requests` may), and by a
// real TLS handshake through the host name the trading system calls.

const HOSTS = ["api.mexc.com", "contract.mexc.com"];
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "cdb-tls-"));
  dirs.push(d);
  return d;
};
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function opensslVerify(ca: string, cert: string, host: string): { ok: boolean; out: string } {
  const d = tmp();
  writeFileSync(path.join(d, "ca.pem"), ca);
  writeFileSync(path.join(d, "cert.pem"), cert);
  const r = spawnSync("openssl", ["verify", "-x509_strict", "-purpose", "sslserver", "-verify_hostname", host, "-CAfile", path.join(d, "ca.pem"), path.join(d, "cert.pem")], { encoding: "utf8" });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

function ping(port: number, o: { ca?: string; servername: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/v3/ping", servername: o.servername, headers: { host: o.servername }, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the stack's CA and the simulator's certificate", () => {
  it("is a CA, and the certificate is for MEXC's hosts only, issued by it, passing OpenSSL's strict checks", () => {
    const t = makeStackTls(HOSTS);
    const ca = new X509Certificate(t.caCert);
    const cert = new X509Certificate(t.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    for (const h of HOSTS) expect(cert.checkHost(h)).toBe(h);
    for (const h of ["mexc.com", "www.mexc.com", "api.mexc.com.evil.example"]) expect(cert.checkHost(h)).toBeUndefined();
    for (const h of HOSTS) expect(opensslVerify(t.caCert, t.cert, h)).toMatchObject({ ok: true });
    expect(opensslVerify(t.caCert, t.cert, "www.mexc.com").ok).toBe(false);
  });

  it("is made per stack: another stack's CA does not vouch for this certificate", () => {
    const a = makeStackTls(HOSTS);
    const b = makeStackTls(HOSTS);
    expect(new X509Certificate(a.cert).verify(new X509Certificate(b.caCert).publicKey)).toBe(false);
    expect(opensslVerify(b.caCert, a.cert, HOSTS[0]!).ok).toBe(false);
  });

  it("is made once and reused at restart; the CA's private key is written nowhere, the server key is private", () => {
    const tlsDir = path.join(tmp(), "tls");
    const caDir = path.join(tmp(), "ca");
    const first = ensureStackTls(tlsDir, caDir, HOSTS);
    expect(first.made).toBe(true);
    expect(readdirSync(caDir)).toEqual(["ca.pem"]);
    expect(readdirSync(tlsDir).sort()).toEqual(["server.key", "server.pem"]);
    expect(statSync(path.join(tlsDir, "server.key")).mode & 0o777).toBe(0o600);
    for (const f of [...readdirSync(tlsDir).map((x) => path.join(tlsDir, x)), path.join(caDir, "ca.pem")]) expect(readFileSync(f, "utf8")).not.toMatch(/BEGIN (EC )?PRIVATE KEY[\s\S]*BEGIN (EC )?PRIVATE KEY/);
    const again = ensureStackTls(tlsDir, caDir, HOSTS);
    expect(again.made).toBe(false);
    expect(again.caCert).toBe(first.caCert);
    // A CA that no longer matches the certificate (one volume recreated): made anew, never served mismatched.
    writeFileSync(path.join(caDir, "ca.pem"), makeStackTls(HOSTS).caCert);
    const remade = ensureStackTls(tlsDir, caDir, HOSTS);
    expect(remade.made).toBe(true);
    expect(new X509Certificate(remade.cert).verify(new X509Certificate(readFileSync(path.join(caDir, "ca.pem"), "utf8")).publicKey)).toBe(true);
  });

  it("the simulator serves it: a client trusting the stack's CA reaches it as api.mexc.com, one without it is refused", async () => {
    const d = tmp();
    const keys = path.join(d, "keys");
    writeFileSync(keys, "k s\n");
    const lines: string[] = [];
    sim = await simulate({ port: 0, keys, tlsDir: path.join(d, "tls"), caDir: path.join(d, "ca"), tlsHosts: HOSTS }, (l) => lines.push(l));
    expect(lines).toEqual([`made a new CA for ${HOSTS.join(", ")}: ${path.join(d, "ca", "ca.pem")}`, expect.stringMatching(/^listening on https:\/\/127\.0\.0\.1:\d+$/)]);
    const port = Number(new URL(sim.url).port);
    const ca = readFileSync(path.join(d, "ca", "ca.pem"), "utf8");
    expect(await ping(port, { ca, servername: "api.mexc.com" })).toEqual({ status: 200, body: "{}" });
    await expect(ping(port, { servername: "api.mexc.com" })).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    await expect(ping(port, { ca, servername: "mexc.example" })).rejects.toThrow(/Hostname\/IP does not match|altnames/i);
  });

  it("refuses half a TLS configuration as unusable input", async () => {
    const d = tmp();
    const keys = path.join(d, "keys");
    writeFileSync(keys, "k s\n");
    await expect(simulate({ port: 0, keys, tlsDir: path.join(d, "tls") }, () => {})).rejects.toThrow(/--tls-dir and --ca-dir go together/);
    await expect(simulate({ port: 0, keys, tlsDir: path.join(d, "tls"), caDir: path.join(d, "ca") }, () => {})).rejects.toThrow(/at least one --tls-host/);
  });
});
