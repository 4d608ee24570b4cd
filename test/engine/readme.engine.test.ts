import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../platform/paths";
import { engineWorkspace, run, standinCheckout, type EngineWorkspace, type Run } from "./workspace";

// The README's main job, literally, as a new user runs it: a fresh `git clone`
// of this repository, the commands of the "Set-up, main job, tests" section's
// first block, line by line through a shell, with NO Pulumi settings in the
// environment (no backend, no passphrase, no stack): whatever they need must
// come from the project's defaults. Against TEST DOUBLES: the docker stand-in
// runs test-double containers on the local dockerd under the paper names
// (standins/dockerOnDockerd.ts), the checkout at ../claire-de-binare is a
// stand-in holding the Dockerfiles (nothing is built from it).
// Not literal: `npm ci` runs as `npm run prepare --if-present` (what `npm ci`
// runs after installing), because node_modules is a symlink to this
// checkout's and must not be reinstalled.

let ws: EngineWorkspace;
let root: string;
let clone: string;
let env: NodeJS.ProcessEnv;
const docker = new Docker();

/** The commands of the README's first sh block after the set-up heading, comments removed. */
function mainJob(readme: string): string[] {
  const section = readme.slice(readme.indexOf("## Set-up, main job, tests"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter((l) => l !== "");
}

const sh = (line: string): Promise<Run> => run("sh", ["-c", line], { cwd: clone, env, timeoutMs: 1_500_000 });

const paperContainers = async () => (await docker.listContainers({ all: true, filters: { label: ["cdb-test-double=true"], name: ["^/cdbpaper_"] } })).map((c) => c.Names[0]!.slice(1));

beforeAll(async () => {
  // Only for its PULUMI_HOME with the dockerd stand-in installed; the project copy is unused.
  ws = await engineWorkspace("unused-passphrase", { docker: "dockerd" });
  root = mkdtempSync(path.join(os.tmpdir(), "cdb-readme-"));
  clone = path.join(root, "cdb-deploy");
  const c = await run("git", ["clone", "-q", REPO_ROOT, clone], { cwd: root, env: process.env });
  if (c.code !== 0) throw new Error(`git clone: ${c.stderr}`);
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"), "junction");
  standinCheckout(path.join(root, "claire-de-binare"));
  env = { ...ws.env };
  // A new user's shell: none of the project's Pulumi settings.
  for (const k of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "CDB_EVIDENCE_FILE", "CDB_ALLOWED_SIGNERS", "CDB_AUDIT_FILE"]) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith("CDB_PASSPHRASE_FILE_")) delete env[k];
}, 600_000);

afterAll(async () => {
  // A failed run must not leave paper test doubles behind.
  if (clone && (await paperContainers()).length > 0) await sh("npx cdb destroy --stack paper --yes");
  ws?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the README's main job in a fresh clone (test doubles on dockerd)", () => {
  it("runs every command as written, reaches a healthy paper stack under the documented passphrase, and cdb destroy removes it", async () => {
    const commands = mainJob(readFileSync(path.join(clone, "README.md"), "utf8"));
    expect(commands[0]).toBe("npm ci");
    expect(commands).toContain("npm run deploy -- --stack paper");
    expect(existsSync(path.join(clone, ".pulumi-state"))).toBe(false);
    for (const line of commands) {
      const r = await sh(line === "npm ci" ? "npm run prepare --if-present" : line);
      expect(r.code, `${line}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    }
    // The first deploy created the stack in the project's state folder, under the passphrase the README names.
    const out = await run(path.join(env.PATH!.split(path.delimiter)[0]!, "pulumi"), ["stack", "output", "mode", "-s", "paper", "--non-interactive"], {
      cwd: clone,
      env: { ...env, PULUMI_BACKEND_URL: `file://${path.join(clone, ".pulumi-state")}`, PULUMI_CONFIG_PASSPHRASE: /passphrase is \*\*`([^`]+)`\*\*/.exec(readFileSync(path.join(clone, "README.md"), "utf8"))![1]! },
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe("paper");
    expect((await paperContainers()).sort()).toContain("cdbpaper_execution");

    const d = await sh("npx cdb destroy --stack paper --yes");
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(await paperContainers()).toEqual([]);
  }, 1_500_000);

  it("a cdb:sourceDir that is not a checkout is refused before Pulumi starts, in one line naming the key (exit 2)", async () => {
    const r = await sh("mv ../claire-de-binare ../elsewhere && npm run deploy -- --stack paper; code=$?; mv ../elsewhere ../claire-de-binare; exit $code");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cdb: unusable input: Pulumi\.paper\.yaml: cdb:sourceDir "\.\.\/claire-de-binare" is not a checkout of the trading system/m);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("cdb:"))).toHaveLength(1);
  });
});
