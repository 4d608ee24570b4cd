import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npxCdb } from "../../test/npxCdb";
import { repoCopy, type RepoCopy } from "../../test/repoCopy";
import { run, type Run } from "../../test/run";

// `npx cdb` as the README writes it: npm starts node_modules/.bin/cdb (this
// workspace package), which runs the checkout it is started in.

// This package's checkout (the package imports nothing of the project, nor does its test but test/).
const REPO_ROOT = path.resolve(__dirname, "..", "..");
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";
const FINGERPRINT = /^[0-9a-f]{16}\n$/;

/**
 * `npx <args>` without the tests' `--no-install`: exactly what a user types, in
 * a user's environment. The npm that started the suite hands its config down as
 * npm_config_* (an empty npm_config_yes among them, which also refuses to
 * install): dropped, so only the checkout's .npmrc decides.
 */
function npx(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const userEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return run(NPX, args, { cwd, env: { ...userEnv, ...env }, input: "mx0-abc", shell: process.platform === "win32" });
}

/** The bin file itself, started by node (no npm) in `cwd`. */
const bin = (script: string, cwd: string): Promise<Run> => run(process.execPath, [script, "fingerprint"], { cwd, env: process.env, input: "mx0-abc" });

describe("npx cdb", () => {
  let copy: RepoCopy;
  beforeAll(() => {
    copy = repoCopy("cdb-bin-");
    // Marks the copy's launcher; its node_modules is this checkout's (a junction), and so is the bin npm starts.
    const launcher = copy.file("scripts", "bin", "cdb.cjs");
    writeFileSync(launcher, readFileSync(launcher, "utf8").replace('"use strict";', '"use strict";\nprocess.stderr.write(`launcher of ${__dirname}\\n`);'));
  }, 120_000);
  afterAll(() => copy?.dispose());

  it("runs the checkout it is started in, also from a folder inside it, not the one its node_modules belongs to", async () => {
    for (const cwd of [copy.root, copy.file("docs")]) {
      const r = await npxCdb(["fingerprint"], { cwd, input: "mx0-abc" });
      expect(r.err).toBe(`launcher of ${copy.file("scripts", "bin")}\n`);
      expect(r.out).toMatch(FINGERPRINT);
      expect(r.code).toBe(0);
    }
  });

  it("starts the linked bin: nothing is installed into npx's cache", async () => {
    // The root package naming `cdb` made npm install the checkout into <cache>/_npx on every start.
    const cache = mkdtempSync(path.join(os.tmpdir(), "cdb-npm-cache-"));
    try {
      const r = await npx(["cdb", "fingerprint"], REPO_ROOT, { npm_config_cache: cache });
      expect(r.stdout).toMatch(FINGERPRINT);
      expect(r.code).toBe(0);
      expect(existsSync(path.join(cache, "_npx"))).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("outside any checkout, runs the one it is installed in; with no checkout at all, one line and exit 2", async () => {
    const away = mkdtempSync(path.join(os.tmpdir(), "cdb-away-"));
    try {
      const r = await bin(path.join(REPO_ROOT, "packages", "cli", "cdb.cjs"), away);
      expect(r.stdout).toMatch(FINGERPRINT);
      expect(r.code).toBe(0);
      // The bin on its own (a broken install): nothing to run, said in one line.
      cpSync(path.join(REPO_ROOT, "packages", "cli", "cdb.cjs"), path.join(away, "cdb.cjs"));
      const lone = await bin(path.join(away, "cdb.cjs"), away);
      expect(lone.stderr).toBe(`cdb: no cdb-deploy checkout above ${away} or ${away}\n`);
      expect(lone.stdout).toBe("");
      expect(lone.code).toBe(2);
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });

  describe("before `npm ci` (no node_modules), against a registry that serves a look-alike `cdb`", () => {
    let registry: LookalikeRegistry;
    let bare: string;
    beforeAll(async () => {
      registry = await lookalikeRegistry();
      // The checkout's package files, no node_modules: the first `npx cdb` of a user who skipped `npm ci`.
      bare = mkdtempSync(path.join(os.tmpdir(), "cdb-bare-"));
      for (const f of ["package.json", ".npmrc"]) cpSync(path.join(REPO_ROOT, f), path.join(bare, f));
    });
    afterAll(async () => {
      await registry?.close();
      if (bare) rmSync(bare, { recursive: true, force: true });
    });

    // A user's npm with no config of its own (this machine's ~/.npmrc says yes=false itself): the checkout's .npmrc decides.
    const env = (cache: string, marker: string) => {
      for (const f of ["user-npmrc", "global-npmrc"]) writeFileSync(path.join(cache, f), "");
      return { npm_config_userconfig: path.join(cache, "user-npmrc"), npm_config_globalconfig: path.join(cache, "global-npmrc"), npm_config_registry: registry.url, npm_config_cache: cache, npm_config_update_notifier: "false", CDB_LOOKALIKE_MARKER: marker };
    };

    it("refuses to fetch and run it (the checkout's .npmrc), and says so", async () => {
      const cache = mkdtempSync(path.join(os.tmpdir(), "cdb-npm-cache-"));
      const marker = path.join(cache, "lookalike-ran");
      try {
        const r = await npx(["cdb", "fingerprint"], bare, env(cache, marker));
        expect(registry.asked, r.stderr).toContain("/cdb");
        expect(r.stderr).toContain("npx canceled due to missing packages and no YES option");
        expect(r.code).not.toBe(0);
        expect(existsSync(marker)).toBe(false);
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    });

    it("the control: the same checkout without its .npmrc runs the look-alike, and so does `npx --yes` with it", async () => {
      const noRc = mkdtempSync(path.join(os.tmpdir(), "cdb-bare-nonpmrc-"));
      cpSync(path.join(REPO_ROOT, "package.json"), path.join(noRc, "package.json"));
      for (const [dir, args] of [[noRc, ["cdb", "fingerprint"]], [bare, ["--yes", "cdb", "fingerprint"]]] as const) {
        const cache = mkdtempSync(path.join(os.tmpdir(), "cdb-npm-cache-"));
        const marker = path.join(cache, "lookalike-ran");
        try {
          const r = await npx([...args], dir, env(cache, marker));
          expect(r.code, r.stderr).toBe(0);
          expect(readFileSync(marker, "utf8")).toBe("ran");
        } finally {
          rmSync(cache, { recursive: true, force: true });
        }
      }
      rmSync(noRc, { recursive: true, force: true });
    });
  });
});

interface LookalikeRegistry {
  url: string;
  /** The paths npm asked for. */
  asked: string[];
  close(): Promise<void>;
}

/** An npm registry on 127.0.0.1 with one package, `cdb`, whose bin writes "ran" to $CDB_LOOKALIKE_MARKER. */
async function lookalikeRegistry(): Promise<LookalikeRegistry> {
  const tarball = await lookalikeTarball();
  const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? "");
    const { port } = server.address() as AddressInfo;
    if (req.url === "/cdb") {
      const version = { name: "cdb", version: "9.9.9", bin: { cdb: "bin.js" }, dist: { tarball: `http://127.0.0.1:${port}/cdb/-/cdb-9.9.9.tgz`, integrity } };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name: "cdb", "dist-tags": { latest: "9.9.9" }, versions: { "9.9.9": version } }));
    } else if (req.url === "/cdb/-/cdb-9.9.9.tgz") {
      res.setHeader("content-type", "application/octet-stream");
      res.end(tarball);
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, asked, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function lookalikeTarball(): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on("end", () => resolve()));
  p.entry({ name: "package/package.json" }, JSON.stringify({ name: "cdb", version: "9.9.9", bin: { cdb: "bin.js" } }));
  p.entry({ name: "package/bin.js", mode: 0o755 }, '#!/usr/bin/env node\nrequire("fs").writeFileSync(process.env.CDB_LOOKALIKE_MARKER, "ran");\n');
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
