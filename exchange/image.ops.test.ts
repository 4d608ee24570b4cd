import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SIMULATOR } from "../config/services";
import { REPO_ROOT } from "../platform/paths";
import { dockerTarget } from "../ops/docker";
import { ensureExchangeImage } from "../test/images/exchange";
import { npxCdb } from "../test/npxCdb";
import { SIMULATOR_BUNDLE } from "./image";

// `npx cdb exchange image` offline (issue 25 item 1: the README pointed at a test helper whose
// image also carries the execution test double). No registry here: the base is the rehearsal
// tests' image (FROM scratch with node on its PATH: a STAND-IN for node:24-bookworm-slim, which
// cannot be pulled); what the command adds is the repository's simulator bundle at the program's path.

const t = dockerTarget();
const TAG = "cdb-test-double/exchange-image-cmd:test";
const NO_NODE = "cdb-test-double/no-node:test";
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

afterAll(async () => {
  for (const i of [TAG, NO_NODE]) await t.docker.getImage(i).remove({ force: true }).catch(() => undefined);
});

describe("cdb exchange image", () => {
  it("builds exchange/Dockerfile on the stack's engine, puts the build's simulator at the program's path, tries it, and prints the pin", async () => {
    const base = await ensureExchangeImage(t.docker);
    const r = await npxCdb(["exchange", "image", "--tag", TAG, "--base", base, "--json"]);
    expect(r.code, r.err).toBe(0);
    const img = JSON.parse(r.out) as { tag: string; imageId: string; base: string };
    expect(img).toMatchObject({ tag: TAG, base, imageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect((await t.docker.getImage(TAG).inspect()).Id).toBe(img.imageId);
    // The file at the program's path is the repository's bundle, byte for byte (not the test image's copy).
    const c = await t.docker.createContainer({ Image: TAG, Cmd: ["node", "-e", `process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(${JSON.stringify(SIMULATOR.program)})).digest("hex"))`], HostConfig: { NetworkMode: "none" } });
    try {
      await c.start();
      await c.wait();
      const logs = (await c.logs({ stdout: true, stderr: false })).toString("utf8").replace(/[\s\S]{8}/, "");
      expect(logs).toBe(sha(readFileSync(path.join(REPO_ROOT, SIMULATOR_BUNDLE))));
    } finally {
      await c.remove({ force: true });
    }
    const text = await npxCdb(["exchange", "image", "--tag", TAG, "--base", base]);
    expect(text.out.split("\n")).toContain(`pulumi config set -s rehearsal --path cdb:images.exchange_simulator ${img.imageId}   # image id: this Docker host only`);
  }, 300_000);

  it("refuses a base that is not on the engine and cannot be pulled (offline), naming it, exit 9; and a base without node, exit 5", async () => {
    const missing = await npxCdb(["exchange", "image", "--tag", TAG, "--base", "cdb-test-double/no-such-base:never"]);
    expect(missing.code, missing.err).toBe(9);
    expect(missing.err.trim().split("\n")).toHaveLength(1);
    expect(missing.err.trim()).toMatch(/^cdb: not found: base image cdb-test-double\/no-such-base:never is not on .* and cannot be pulled .*--base\)$/);
    // A base with a shell and no node (busybox-static alone): it builds, and the trial run refuses it.
    const ctx = mkdtempSync(path.join(tmpdir(), "cdb-no-node-"));
    try {
      copyFileSync("/bin/busybox", path.join(ctx, "busybox"));
      writeFileSync(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY busybox /bin/busybox\nENV PATH=/bin\n");
      const b = spawnSync("docker", ["build", "-q", "-t", NO_NODE, ctx], { encoding: "utf8" });
      expect(b.status, b.stderr).toBe(0);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    const r = await npxCdb(["exchange", "image", "--tag", TAG, "--base", NO_NODE]);
    expect(r.code, r.err).toBe(5);
    expect(r.err.trim()).toMatch(/^cdb: refused: .*does not run `node \/sim\/simulator\.cjs` .*: its base cdb-test-double\/no-node:test has no node on its PATH$/);
  }, 300_000);
});
