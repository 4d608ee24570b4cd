import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERENCE_CONTAINERS } from "../cdbReference";
import { engineWorkspace, type EngineWorkspace } from "./workspace";

// The paper stack through the real Pulumi CLI, language host and policy
// analyzer, with STAND-IN docker and random providers (they echo inputs and
// start no container).

const PASSPHRASE = "engine-paper-passphrase";
const MEXC = { key: "paper-mexc-key-QQ11", secret: "paper-mexc-secret-RR22" };
let ws: EngineWorkspace;

const passwords = async (): Promise<string[]> => {
  const r = await ws.pulumi(["stack", "export", "-s", "paper", "--show-secrets"]);
  expect(r.code, r.stderr).toBe(0);
  type Shown = { plaintext: string };
  const resources = (JSON.parse(r.stdout) as { deployment: { resources?: { type: string; outputs?: { result?: Shown } }[] } }).deployment.resources ?? [];
  // --show-secrets shows a secret as {<sig>: <secret sig>, plaintext: <JSON text>}.
  return resources.filter((x) => x.type === "random:index/randomPassword:RandomPassword").map((x) => JSON.parse(x.outputs!.result!.plaintext) as string)
    .sort();
};

beforeAll(async () => {
  ws = await engineWorkspace(PASSPHRASE);
  const init = await ws.pulumi(["stack", "init", "paper"]);
  expect(init.code, init.stderr).toBe(0);
  for (const [k, v] of [["mexcApiKey", MEXC.key], ["mexcApiSecret", MEXC.secret]] as const) {
    const r = await ws.pulumi(["config", "set", "-s", "paper", "--secret", `cdb:${k}`, v]);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(() => ws?.dispose());

describe("paper stack on the real engine (stand-in providers)", () => {
  it("previews a new stack with the policy pack and passes every policy", async () => {
    const r = await ws.pulumi(["preview", "-s", "paper", "--policy-pack", "policies"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Policies:\s+✅ cdb@v0\.1\.0/);
    expect(r.stdout + r.stderr).not.toContain("could not be evaluated");
    expect(r.stdout).toMatch(/\+ \d+ to create/);
  });

  it("updates with the policy pack, creating every container through the provider", async () => {
    const r = await ws.pulumi(["up", "-s", "paper", "--yes", "--policy-pack", "policies"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const created = ws.standinOps().filter((o) => o.op === "create" && o.type === "docker:index/container:Container").map((o) => o.name);
    for (const s of ["redis", "postgres", "execution", "risk", "signal", "paper_runner"]) expect(created).toContain(`cdbpaper_${s}`);
    // Paper never declares a container that trades for real.
    const envs = ws.standinOps().filter((o) => o.type === "docker:index/container:Container").flatMap((o) => (o.inputs.envs as string[] | undefined) ?? []);
    expect(envs).toContain("MOCK_TRADING=true");
    expect(envs).not.toContain("MOCK_TRADING=false");
  });

  it("declares the reference's start commands, build contexts and PostgreSQL schema, as the provider receives them", async () => {
    const created = (type: string) => ws.standinOps().filter((o) => o.op === "create" && o.type === type);
    const images = Object.fromEntries(created("docker:index/image:Image").map((o) => [o.name, o.inputs.build as { context: string; dockerfile: string }]));
    const containers = Object.fromEntries(created("docker:index/container:Container").map((o) => [o.name, o.inputs]));
    const checkout = "../claire-de-binare";
    let checked = 0;
    for (const [service, ref] of Object.entries(REFERENCE_CONTAINERS)) {
      if (ref.build) {
        expect(images[service], service).toEqual({ context: path.posix.join(checkout, ref.build.context), dockerfile: path.posix.join(checkout, ref.build.dockerfile) });
        checked++;
      }
      if (ref.start) {
        const c = containers[`cdbpaper_${service}`]!;
        expect(c.entrypoints, service).toEqual(["/bin/sh", "-c"]);
        const script = (c.command as string[])[0]!;
        expect(script.endsWith(`exec ${ref.start}`), `${service}: ${script}`).toBe(true);
        for (const name of ref.exports ?? []) expect(script, service).toContain(`export ${name}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    const init = ((containers.cdbpaper_postgres!.uploads as { file: string; content: string }[]) ?? []).filter((u) => u.file.startsWith("/docker-entrypoint-initdb.d/"));
    expect(init.map((u) => u.file)).toEqual(["/docker-entrypoint-initdb.d/01-schema.sql", "/docker-entrypoint-initdb.d/02-migration-002.sql"]);
    expect(init[0]!.content).toMatch(/CREATE TABLE[^;]*\borders\b/i);
  });

  it("reports no changes on a second update (generated passwords are stable)", async () => {
    const before = await passwords();
    const opsBefore = ws.standinOps().length;
    const r = await ws.pulumi(["up", "-s", "paper", "--yes", "--expect-no-changes", "--policy-pack", "policies"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ws.standinOps().length).toBe(opsBefore);
    expect(await passwords()).toEqual(before);
  });

  it("keeps generated passwords and MEXC values out of the state file and the stack outputs", async () => {
    const secrets = [...(await passwords()), MEXC.key, MEXC.secret];
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const s of secrets) expect(s.length).toBeGreaterThan(8);
    const state = ws.stateText("paper");
    const outputs = await ws.pulumi(["stack", "output", "-s", "paper", "--json", "--show-secrets"]);
    expect(outputs.code).toBe(0);
    expect(outputs.stdout).toContain("cdbpaper_execution");
    for (const s of secrets) {
      expect(state).not.toContain(s);
      expect(outputs.stdout).not.toContain(s);
    }
    // The secrets are in state, encrypted: the check above is not vacuous.
    expect(state).toContain("ciphertext");
  });

  it("declares the witness with the Docker socket read-only and its own key volume, hardened, and no private key in state or outputs", async () => {
    const created = ws.standinOps().filter((o) => o.op === "create");
    const witness = created.find((o) => o.type === "docker:index/container:Container" && o.name === "cdbpaper_witness")!;
    expect(witness, "cdbpaper_witness was created").toBeDefined();
    expect(witness.inputs.volumes).toEqual(
      expect.arrayContaining([
        { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock", readOnly: true },
        { volumeName: "cdbpaper_witness_data", containerPath: "/var/lib/cdb-witness" },
      ]),
    );
    expect(witness.inputs).toMatchObject({ readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"], ports: [] });
    expect(witness.inputs.envs).toEqual(expect.arrayContaining(["CDB_STACK=paper", "CDB_CONTAINER_PREFIX=cdbpaper_", "REDIS_HOST=cdb_redis"]));
    expect(created.some((o) => o.type === "docker:index/volume:Volume" && o.name === "cdbpaper_witness_data")).toBe(true);
    // Built from this repository, not from the trading system's checkout.
    expect(created.find((o) => o.type === "docker:index/image:Image" && o.name === "witness")?.inputs.build).toEqual({ context: ".", dockerfile: "witness/Dockerfile" });
    const exported = await ws.pulumi(["stack", "export", "-s", "paper", "--show-secrets"]);
    expect(exported.code, exported.stderr).toBe(0);
    const outputs = await ws.pulumi(["stack", "output", "-s", "paper", "--json", "--show-secrets"]);
    expect(outputs.code, outputs.stderr).toBe(0);
    expect(JSON.parse(outputs.stdout).witness).toEqual({ container: "cdbpaper_witness", principal: "witness@paper", namespace: "cdb-witness", publicKeyCommand: "npx cdb witness key --stack paper" });
    for (const text of [exported.stdout, outputs.stdout, ws.stateText("paper")]) {
      expect(text).toContain("cdbpaper_witness");
      expect(text).not.toMatch(/PRIVATE KEY|openssh-key-v1/);
    }
  });

  it("refuses a wrong passphrase with Pulumi's message and changes nothing", async () => {
    const state = ws.stateText("paper");
    const ops = ws.standinOps().length;
    const r = await ws.pulumi(["up", "-s", "paper", "--yes", "--policy-pack", "policies"], { env: { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" } });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/incorrect passphrase/i);
    expect(ws.stateText("paper")).toBe(state);
    expect(ws.standinOps().length).toBe(ops);
  });

  it("destroys to an empty stack", async () => {
    const r = await ws.pulumi(["destroy", "-s", "paper", "--yes"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const deleted = ws.standinOps().filter((o) => o.op === "delete").map((o) => o.name);
    expect(deleted).toContain("cdbpaper_execution");
    const exp = await ws.pulumi(["stack", "export", "-s", "paper"]);
    expect((JSON.parse(exp.stdout) as { deployment: { resources?: unknown[] } }).deployment.resources ?? []).toEqual([]);
  });
});
