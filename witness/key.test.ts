import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WITNESS_NAMESPACE } from "../config/witness";
import { OpsRefused } from "../platform/errors";
import { publicKeyLine, signWithKeyFile } from "../readiness/sshsig";
import { allowedSignersLine, ensureWitnessKey, witnessPublicKey } from "./key";

const dir = () => mkdtempSync(path.join(os.tmpdir(), "cdb-witness-key-"));

describe("the witness key", () => {
  it("is made once, 0600, in the OpenSSH format ssh-keygen reads, and kept on the next start", () => {
    const d = dir();
    const file = path.join(d, "witness_ed25519");
    const k = ensureWitnessKey(file, "witness@paper");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(k.type).toBe("ssh-ed25519");
    // ssh-keygen derives the same public key from the private file we wrote.
    const y = spawnSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" });
    expect(y.status, y.stderr).toBe(0);
    expect(y.stdout.trim()).toBe(`${publicKeyLine(k)} witness@paper`);
    expect(readFileSync(`${file}.pub`, "utf8").trim()).toBe(`${publicKeyLine(k)} witness@paper`);
    expect(ensureWitnessKey(file, "witness@paper").fingerprint).toBe(k.fingerprint);
    // Its signatures verify with ssh-keygen in the witness namespace, under the principal of the allowed_signers line.
    const msg = path.join(d, "msg");
    writeFileSync(msg, "a record\n");
    writeFileSync(`${msg}.sig`, signWithKeyFile(file, readFileSync(msg), WITNESS_NAMESPACE));
    const signers = path.join(d, "allowed_signers");
    writeFileSync(signers, allowedSignersLine("witness@paper", WITNESS_NAMESPACE, k) + "\n");
    const v = spawnSync("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", "witness@paper", "-n", WITNESS_NAMESPACE, "-s", `${msg}.sig`], { input: readFileSync(msg), encoding: "utf8" });
    expect(v.status, v.stderr + v.stdout).toBe(0);
    const wrongNs = spawnSync("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", "witness@paper", "-n", "cdb-evidence", "-s", `${msg}.sig`], { input: readFileSync(msg), encoding: "utf8" });
    expect(wrongNs.status).not.toBe(0);
  });

  it("refuses a key file that is readable by others, or not a regular file", () => {
    const d = dir();
    const file = path.join(d, "witness_ed25519");
    ensureWitnessKey(file, "witness@paper");
    chmodSync(file, 0o644);
    expect(() => ensureWitnessKey(file, "witness@paper")).toThrow(OpsRefused);
    expect(() => witnessPublicKey(file)).toThrow(/mode 644/);
    const link = path.join(d, "link");
    chmodSync(file, 0o600);
    symlinkSync(file, link);
    expect(() => ensureWitnessKey(link, "witness@paper")).toThrow(/not a regular file/);
  });

  it("has no key before the first start: not found", () => {
    expect(() => witnessPublicKey(path.join(dir(), "none"))).toThrow(/no key yet/);
  });
});
