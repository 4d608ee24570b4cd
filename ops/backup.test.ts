import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findToolchain } from "../platform/toolchain";
import { repoTmpDir } from "../test/repoTmp";
import { writeBackup } from "./backup";

// Issue 16 item 2: `cdb promote`'s backup held every secret in plaintext (the
// Automation API's exportStack() runs `stack export --show-secrets`), mode 0644.
// A real Pulumi CLI and file backend; an inline program whose state holds a
// secret config value.

const SECRET = `mexc-secret-${Math.random().toString(36).slice(2)}`;
const STACK = "backuptest";
const dir = repoTmpDir("backup-");
const env = {
  PULUMI_BACKEND_URL: pathToFileURL(path.join(dir, "state")).href,
  PULUMI_CONFIG_PASSPHRASE: "backup-test-passphrase",
  PULUMI_SKIP_UPDATE_CHECK: "true",
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_HOME: path.join(dir, "home"),
};
const bin = findToolchain();
let stack: pulumi.automation.Stack;

beforeAll(async () => {
  if (!bin) throw new Error("no Pulumi CLI: run `npm run toolchain`");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(path.join(dir, "state"), { recursive: true });
  mkdirSync(path.join(dir, "project"), { recursive: true });
  const pulumiCommand = await pulumi.automation.PulumiCommand.get({ root: path.dirname(bin) });
  stack = await pulumi.automation.LocalWorkspace.createOrSelectStack(
    {
      stackName: STACK,
      projectName: "cdbbackup",
      program: async () => ({ apiSecret: new pulumi.Config().requireSecret("mexcApiSecret") }),
    },
    { workDir: path.join(dir, "project"), envVars: env, pulumiCommand, projectSettings: { name: "cdbbackup", runtime: "nodejs" } },
  );
  await stack.setConfig("mexcApiSecret", { value: SECRET, secret: true });
  await stack.up();
}, 300_000);
afterAll(async () => {
  await stack?.workspace.removeStack(STACK, { force: true });
});

describe("the promotion backup", () => {
  it("the Automation API's export shows the secret: never write it to disk", async () => {
    expect(JSON.stringify(await stack.exportStack())).toContain(SECRET);
  });

  it("holds the state with the secret encrypted, 0600 in a 0700 folder, and imports back", async () => {
    const backups = path.join(dir, "backups");
    const file = await writeBackup({ stack: STACK, dir: backups, workDir: path.join(dir, "project"), env, pulumi: path.join(bin!, "pulumi") });
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(SECRET);
    expect(text).toContain("ciphertext");
    expect(text).toContain("apiSecret");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(backups).mode & 0o777).toBe(0o700);
    // It is a usable backup: Pulumi takes it back, and the secret decrypts to the value.
    await stack.importStack(JSON.parse(text) as pulumi.automation.Deployment);
    expect((await stack.outputs()).apiSecret).toEqual({ value: SECRET, secret: true });
  }, 120_000);
});
