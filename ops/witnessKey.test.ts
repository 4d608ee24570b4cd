import { readFileSync } from "node:fs";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WITNESS_PUBLIC_KEY_FILE } from "../config/witness";
import { EXIT } from "../platform/exitCodes";
import { parsePublicKeyLine } from "../readiness/sshsig";
import { ensureDoubleImage } from "../test/images/build";
import { npxCdb } from "../test/npxCdb";
import { paperStackFile } from "../test/opsStack";
import { makeKey } from "../test/sshKeys";
import { dockerTarget } from "./docker";
import { publicKeyProblem } from "./witnessKey";

// `npx cdb witness key` against a real dockerd: the witness is a TEST DOUBLE
// (the doubles image, idle) named as the paper stack `wkeytest` names it
// (cdbwkeytest_witness), with a .pub file put where the real witness writes its
// own. The real witness image is not needed to read a file.

const STACK = "wkeytest";
const CONTAINER = "cdbwkeytest_witness";
const t = dockerTarget();
const stackConfig = paperStackFile(STACK);
const cdb = (...args: string[]) => npxCdb(["witness", "key", "--stack", STACK, "--stack-config", stackConfig, ...args]);

async function putPub(content: string | undefined): Promise<void> {
  const c = t.docker.getContainer(CONTAINER);
  const tar = pack();
  // undefined: an empty folder, as before the witness's first start made its key.
  if (content === undefined) tar.entry({ name: WITNESS_PUBLIC_KEY_FILE.replace(/^\/|\/[^/]*$/g, ""), type: "directory", mode: 0o755 });
  else tar.entry({ name: WITNESS_PUBLIC_KEY_FILE.replace(/^\//, ""), mode: 0o644 }, content);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const x of tar) chunks.push(x as Buffer);
  await c.putArchive(Buffer.concat(chunks), { path: "/" });
}

async function removeWitness(): Promise<void> {
  try {
    await t.docker.getContainer(CONTAINER).remove({ force: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

async function startWitness(): Promise<void> {
  await removeWitness();
  const c = await t.docker.createContainer({ name: CONTAINER, Image: await ensureDoubleImage(t.docker), Cmd: ["witness"], Labels: { "cdb-test-double": "true" } });
  await c.start();
}

const key = makeKey("witness-test");
const pubText = readFileSync(`${key.file}.pub`, "utf8");
const privateText = readFileSync(key.file, "utf8");

beforeAll(startWitness);
afterAll(removeWitness);

describe("cdb witness key", () => {
  it("no witness container: exit 9, one line naming it", async () => {
    await removeWitness();
    const r = await cdb();
    expect(r.code).toBe(EXIT.notFound);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain(`no witness container ${CONTAINER}`);
    await startWitness();
  });

  it("a witness that has not made its key yet: exit 7 (not ready), one line", async () => {
    await putPub(undefined);
    const r = await cdb();
    expect(r.code).toBe(EXIT.unreachable);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain(`${CONTAINER} has no public key yet`);
  });

  it("prints the allowed_signers line (witness@<stack>, namespace cdb-witness, the container as comment) and a hint on stderr", async () => {
    await putPub(pubText);
    const r = await cdb();
    expect(r.err).toMatch(/^cdb: witness@wkeytest is SHA256:\S+: add the line to readiness\/allowed_signers in a reviewed change/);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(`witness@${STACK} namespaces="cdb-witness" ${key.publicLine} ${CONTAINER}\n`);
    // The printed key is the one in the container, as the gate's parser reads it.
    expect(parsePublicKeyLine(r.out.split(" ").slice(2, 4).join(" ")).fingerprint).toBe(parsePublicKeyLine(key.publicLine).fingerprint);
    const json = JSON.parse((await cdb("--json")).out) as Record<string, string>;
    expect(json).toMatchObject({ stack: STACK, container: CONTAINER, principal: `witness@${STACK}`, namespace: "cdb-witness", allowedSignersLine: r.out.trim() });
  });

  it("a private key where the public key belongs: refused (exit 5), and nothing of it printed", async () => {
    await putPub(privateText);
    const r = await cdb();
    expect(r.code).toBe(EXIT.refused);
    expect(r.out).toBe("");
    expect(r.err).toContain("holds a private key");
    expect(r.err).not.toContain("PRIVATE KEY");
    for (const line of privateText.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) expect(r.err).not.toContain(line);
  });

  it("two keys, another key type, or garbage: refused (exit 5), never printed", async () => {
    const rsa = makeKey("witness-rsa", { type: "rsa", bits: 2048 });
    for (const text of [`${pubText}${pubText}`, readFileSync(`${rsa.file}.pub`, "utf8"), "ssh-ed25519 AAAAnot-base64-of-a-key witness\n"]) {
      await putPub(text);
      const r = await cdb();
      expect(r.code, text).toBe(EXIT.refused);
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toContain("is not one ssh-ed25519 public key");
    }
  });
});

describe("cdb witness key reads a bounded regular file only", () => {
  const putEntry = async (header: Parameters<ReturnType<typeof pack>["entry"]>[0], content?: Buffer) => {
    const tar = pack();
    if (content) tar.entry(header, content);
    else tar.entry(header);
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const x of tar) chunks.push(x as Buffer);
    await t.docker.getContainer(CONTAINER).putArchive(Buffer.concat(chunks), { path: "/" });
  };
  const name = WITNESS_PUBLIC_KEY_FILE.replace(/^\//, "");

  it("a 4 MiB file, or a symlink (to /dev/zero, to a private key) where the key belongs: refused (exit 5) within seconds, nothing printed", async () => {
    await startWitness();
    await putEntry({ name, mode: 0o644, size: 4 << 20 }, Buffer.alloc(4 << 20, "A"));
    const big = await cdb();
    expect(big.code).toBe(EXIT.refused);
    expect(big.out).toBe("");
    expect(big.err).toMatch(/is not one ssh-ed25519 public key \(is 4194304 bytes, more than \d+\): nothing printed\n$/);
    expect(big.ms).toBeLessThan(20_000);
    for (const target of ["/dev/zero", "/etc/witness/id_ed25519"]) {
      await startWitness();
      await putEntry({ name, type: "symlink", linkname: target });
      const r = await cdb();
      expect({ target, code: r.code }).toEqual({ target, code: EXIT.refused });
      expect(r.err).toContain("is a symlink, not a regular file");
      expect(r.out).toBe("");
    }
  });
});

describe("publicKeyProblem (what the command checks before it prints)", () => {
  it("accepts one ssh-ed25519 line with or without a comment and a trailing newline", () => {
    expect(publicKeyProblem(pubText)).toBeUndefined();
    expect(publicKeyProblem(key.publicLine)).toBeUndefined();
  });

  it("names what is wrong without quoting the text", () => {
    expect(publicKeyProblem(privateText)).toBe("it holds a private key");
    expect(publicKeyProblem(`${key.publicLine}\n${key.publicLine}\n`)).toBe("2 lines, not one");
    expect(publicKeyProblem("ecdsa-sha2-nistp256 AAAA\n")).toBe("not an ssh-ed25519 key");
    expect(publicKeyProblem(`ssh-ed25519 ${"A".repeat(5000)}`)).toMatch(/more than a public key/);
  });
});
