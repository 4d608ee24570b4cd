import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeKey, type TestKey } from "../test/sshKeys";
import { parseAllowedSigners, verifySignedBy } from "./allowedSigners";
import { MAX_SIGNATURE_CHARS, publicKeyOfFile, signWithKeyFile, SSHSIG_NAMESPACE, verifySignature } from "./sshsig";

// The TypeScript sshsig verifier and signer, cross-checked with the real
// ssh-keygen in both directions for each key type.

let dir: string;
const keys: Record<string, TestKey> = {};
const MESSAGE = '{"item":"killswitch.manual-drill","value":null}';

/** ssh-keygen -Y verify of `signature` over `message` by `key` as principal `who`. */
function sshKeygenVerifies(key: TestKey, signature: string, message: string, who = "signer"): boolean {
  const allowed = path.join(dir, `allowed-${path.basename(key.file)}`);
  writeFileSync(allowed, `${who} ${key.publicLine}\n`);
  const sig = path.join(dir, `sig-${path.basename(key.file)}`);
  writeFileSync(sig, signature);
  const r = spawnSync("ssh-keygen", ["-Y", "verify", "-f", allowed, "-I", who, "-n", SSHSIG_NAMESPACE, "-s", sig], { input: message });
  return r.status === 0;
}

function sshKeygenSigns(key: TestKey, message: string, namespace = SSHSIG_NAMESPACE): string {
  return execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-n", namespace, "-f", key.file], { input: message }).toString("utf8");
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "cdb-sshsig-"));
  keys.ed25519 = makeKey("ed", { dir });
  keys.ecdsa256 = makeKey("ec", { type: "ecdsa", bits: 256, dir });
  keys.ecdsa384 = makeKey("ec", { type: "ecdsa", bits: 384, dir });
  keys.ecdsa521 = makeKey("ec", { type: "ecdsa", bits: 521, dir });
  keys.rsa = makeKey("rsa", { type: "rsa", bits: 3072, dir });
});

describe.each(["ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa"])("sshsig with %s", (name) => {
  it("accepts what ssh-keygen -Y sign wrote, and only over the signed content", () => {
    const sig = sshKeygenSigns(keys[name]!, MESSAGE);
    const ok = verifySignature(sig, MESSAGE);
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(ok.ok && ok.signer.fingerprint).toBe(publicKeyOfFile(keys[name]!.file).fingerprint);
    const other = verifySignature(sig, MESSAGE.replace("null", "1"));
    expect(other).toMatchObject({ ok: false, problem: expect.stringMatching(/does not verify/) });
  });

  it("signs so that ssh-keygen -Y verify accepts it, and ssh-keygen refuses it over other content", () => {
    const sig = signWithKeyFile(keys[name]!.file, MESSAGE);
    expect(sshKeygenVerifies(keys[name]!, sig, MESSAGE)).toBe(true);
    expect(sshKeygenVerifies(keys[name]!, sig, MESSAGE + " ")).toBe(false);
    expect(verifySignature(sig, MESSAGE).ok).toBe(true);
  });
});

describe("sshsig refusals", () => {
  it("refuses a signature made in another namespace", () => {
    const sig = sshKeygenSigns(keys.ed25519!, MESSAGE, "git");
    expect(verifySignature(sig, MESSAGE)).toMatchObject({ ok: false, problem: expect.stringContaining('namespace "git"') });
  });

  it("refuses malformed and oversized signatures with a reason, without throwing", () => {
    const good = signWithKeyFile(keys.ed25519!.file, MESSAGE);
    const lines = good.trim().split("\n");
    const cases: [unknown, RegExp][] = [
      [undefined, /not text/],
      [42, /not text/],
      ["hello", /not an armored SSH signature/],
      [`-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----`, /not base64/],
      [`-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----`, /SSHSIG magic/],
      // Truncated: the body loses its last line.
      [[...lines.slice(0, -2), lines.at(-1)].join("\n"), /truncated|does not verify|malformed/],
      [`-----BEGIN SSH SIGNATURE-----\n${"A".repeat(MAX_SIGNATURE_CHARS)}\n-----END SSH SIGNATURE-----`, /more than 8192/],
    ];
    for (const [sig, problem] of cases) {
      const r = verifySignature(sig, MESSAGE);
      expect(r.ok, String(sig).slice(0, 40)).toBe(false);
      expect(!r.ok && r.problem).toMatch(problem);
    }
    // A flipped bit inside the signature bytes.
    const blob = Buffer.from(lines.slice(1, -1).join(""), "base64");
    blob[blob.length - 5]! ^= 1;
    const flipped = `-----BEGIN SSH SIGNATURE-----\n${blob.toString("base64")}\n-----END SSH SIGNATURE-----\n`;
    expect(verifySignature(flipped, MESSAGE)).toMatchObject({ ok: false, problem: expect.stringMatching(/does not verify/) });
  });

  it("signs with an encrypted key through ssh-keygen -Y sign, which asks for the passphrase", () => {
    const enc = makeKey("enc", { passphrase: "correct horse", dir });
    expect(publicKeyOfFile(enc.file).fingerprint).toMatch(/^SHA256:/);
    // No terminal in a test: ssh-keygen asks through SSH_ASKPASS, as a desktop session would.
    const askpass = path.join(dir, "askpass.sh");
    const env = { ...process.env };
    try {
      for (const [pass, ok] of [["wrong", false], ["correct horse", true]] as const) {
        writeFileSync(askpass, `#!/bin/sh\necho '${pass}'\n`, { mode: 0o755 });
        Object.assign(process.env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" });
        if (ok) {
          const sig = signWithKeyFile(enc.file, MESSAGE);
          expect(verifySignature(sig, MESSAGE)).toMatchObject({ ok: true, signer: { fingerprint: publicKeyOfFile(enc.file).fingerprint } });
        } else expect(() => signWithKeyFile(enc.file, MESSAGE)).toThrow(/ssh-keygen -Y sign with .* failed/);
      }
    } finally {
      process.env = env;
    }
  });
});

describe("allowed signers", () => {
  it("names the key's principals, refuses an unknown key, a wrong principal and a key limited to another namespace", () => {
    const ed = keys.ed25519!;
    const ec = keys.ecdsa256!;
    const signers = parseAllowedSigners(`# team\njanne,janne@example.com namespaces="cdb-evidence" ${ed.publicLine} janne's laptop\nmara namespaces="git" ${ec.publicLine}\n`, "allowed_signers");
    const sig = signWithKeyFile(ed.file, MESSAGE);
    const now = new Date();
    expect(verifySignedBy(signers, sig, MESSAGE, { principal: "janne@example.com", now })).toMatchObject({ ok: true, principals: ["janne", "janne@example.com"] });
    expect(verifySignedBy(signers, sig, MESSAGE, { principal: "mara", now })).toMatchObject({ ok: false, problem: expect.stringContaining("names mara, but was signed by key") });
    const ecSig = signWithKeyFile(ec.file, MESSAGE);
    expect(verifySignedBy(signers, ecSig, MESSAGE, { now })).toMatchObject({ ok: false, problem: expect.stringContaining("may not sign") });
    const stranger = makeKey("stranger", { dir });
    expect(verifySignedBy(signers, signWithKeyFile(stranger.file, MESSAGE), MESSAGE, { now })).toMatchObject({ ok: false, problem: expect.stringContaining("not in allowed_signers") });
    expect(verifySignedBy(signers, undefined, MESSAGE, { now })).toEqual({ ok: false, problem: "not signed" });
    expect(verifySignedBy(undefined, sig, MESSAGE, { now })).toMatchObject({ ok: false, problem: expect.stringContaining("no allowed_signers file") });
  });

  it("honours valid-after and valid-before at the time of verification, never at a time the signed text names", () => {
    const ed = keys.ed25519!;
    const signers = parseAllowedSigners(`janne valid-after="20260101",valid-before="20260201" ${ed.publicLine}\n`, "allowed_signers");
    const sig = signWithKeyFile(ed.file, MESSAGE);
    expect(verifySignedBy(signers, sig, MESSAGE, { now: new Date("2026-01-15T00:00:00Z") }).ok).toBe(true);
    // Revoked on 1 February: verified on the 15th it counts no more, whatever the message says about its own time.
    expect(verifySignedBy(signers, sig, MESSAGE, { now: new Date("2026-02-15T00:00:00Z") })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^key SHA256:\S+ of janne may not sign cdb-evidence evidence: it was revoked: valid-before 2026-02-01T00:00:00\.000Z \(allowed_signers line 1\), now is 2026-02-15T00:00:00\.000Z/),
    });
    expect(verifySignedBy(signers, sig, MESSAGE, { now: new Date("2025-12-15T00:00:00Z") })).toEqual({
      ok: false,
      problem: expect.stringContaining("is not valid before 2026-01-01T00:00:00.000Z (valid-after, allowed_signers line 1)"),
    });
  });

  it("judges validity as ssh-keygen -Y verify does (without -Overify-time): the same verdict for each line, now", () => {
    const ed = keys.ed25519!;
    const sig = signWithKeyFile(ed.file, MESSAGE);
    const lines = ['valid-before="20200101Z"', 'valid-before="20991231Z"', 'valid-after="20991231Z"', 'valid-after="20200101000000Z"', 'valid-after="20200101Z",valid-before="20210101Z"'];
    const verdicts = lines.map((opts) => {
      const text = `janne namespaces="${SSHSIG_NAMESPACE}",${opts} ${ed.publicLine}\n`;
      const file = path.join(dir, "allowed-validity");
      writeFileSync(file, text);
      writeFileSync(path.join(dir, "sig-validity"), sig);
      const theirs = spawnSync("ssh-keygen", ["-Y", "verify", "-f", file, "-I", "janne", "-n", SSHSIG_NAMESPACE, "-s", path.join(dir, "sig-validity")], { input: MESSAGE }).status === 0;
      const ours = verifySignedBy(parseAllowedSigners(text, file), sig, MESSAGE, { principal: "janne", now: new Date() }).ok;
      return { opts, ours, theirs };
    });
    for (const v of verdicts) expect(v.ours, v.opts).toBe(v.theirs);
    // Not every verdict the same: the comparison can fail.
    expect(new Set(verdicts.map((v) => v.ours))).toEqual(new Set([true, false]));
  });

  it("reads the options as ssh-keygen -Y verify does: a namespaces list works, a line ssh-keygen refuses is refused (issue 25)", () => {
    const ed = keys.ed25519!;
    const sig = signWithKeyFile(ed.file, MESSAGE);
    writeFileSync(path.join(dir, "sig-options"), sig);
    const ns = SSHSIG_NAMESPACE;
    const lines = [
      `namespaces="git,${ns}"`, // the documented list
      `namespaces="${ns},git",valid-after="20200101Z"`,
      `NAMESPACES="${ns}"`, // option names are case-insensitive
      `namespaces="git,namespaces=${ns}"`, // one clause whose list names neither
      `namespaces=git,namespaces=${ns}`, // unquoted: a second clause must not widen the first
      `namespaces="git",namespaces="${ns}"`, // multiple namespaces clauses
      `namespaces="git" namespaces="${ns}"`, // the options field ends at the first blank
      `namespaces="git, ${ns}"`, // no trimming: " cdb-evidence" is another name
      `namespaces="cdb-*"`, // patterns (match_pattern_list)
      `namespaces="!git,cdb-ev?dence"`,
      `namespaces="${ns},!cdb-*"`, // a matching negation denies
      `namespaces="${ns}",`, // trailing comma
      `namespaces="${ns}`, // unterminated quote
      `valid-after="20300101Z",valid-before="20200101Z",namespaces="${ns}"`, // before <= after
      `bogus="x",namespaces="${ns}"`,
    ];
    const verdicts = lines.map((opts) => {
      const text = `janne ${opts} ${ed.publicLine}\n`;
      const file = path.join(dir, "allowed-options");
      writeFileSync(file, text);
      const theirs = spawnSync("ssh-keygen", ["-Y", "verify", "-f", file, "-I", "janne", "-n", ns, "-s", path.join(dir, "sig-options")], { input: MESSAGE }).status === 0;
      let ours: boolean;
      try {
        ours = verifySignedBy(parseAllowedSigners(text, file), sig, MESSAGE, { principal: "janne", now: new Date() }).ok;
      } catch (e) {
        expect((e as Error).message, opts).toMatch(/allowed-options:1: /);
        ours = false;
      }
      return { opts, ours, theirs };
    });
    for (const v of verdicts) expect(v.ours, v.opts).toBe(v.theirs);
    expect(verdicts.filter((v) => v.ours).map((v) => v.opts)).toEqual(lines.slice(0, 3).concat(lines.slice(8, 10)));
    // A list on one line leaves the other lines usable: mara signs git and cdb-evidence, janne evidence only.
    const two = parseAllowedSigners(`mara namespaces="git,${ns}" ${keys.ecdsa256!.publicLine}\njanne namespaces="${ns}" ${ed.publicLine}\n`, "allowed_signers");
    expect(verifySignedBy(two, signWithKeyFile(keys.ecdsa256!.file, MESSAGE), MESSAGE, { principal: "mara", now: new Date() }).ok).toBe(true);
    expect(verifySignedBy(two, sig, MESSAGE, { principal: "janne", now: new Date() }).ok).toBe(true);
  });

  it("treats a broken line as unusable input naming file and line", () => {
    expect(() => parseAllowedSigners("janne ssh-ed25519 AAAA\n", "allowed_signers")).toThrow(/allowed_signers:1: key:/);
    expect(() => parseAllowedSigners(`\nca cert-authority ${keys.ed25519!.publicLine}\n`, "allowed_signers")).toThrow(/allowed_signers:2: cert-authority/);
    expect(readFileSync(keys.ed25519!.file + ".pub", "utf8")).toContain("ssh-ed25519");
  });
});
