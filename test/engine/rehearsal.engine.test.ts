import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyFingerprint } from "../../config/schema";
import { pulumiOk as ok } from "./liveStack";
import type { StandinOp } from "./standins/standinProvider";
import { engineWorkspace, type EngineWorkspace } from "./workspace";
import { npxCdb } from "../npxCdb";
import { parse } from "yaml";

// The rehearsal stack (Pulumi.rehearsal.yaml) through the real Pulumi CLI,
// language host and policy analyzer, with STAND-IN docker and random
// providers (they echo inputs and start no container). Its executor runs with
// live flags; what keeps it off the real MEXC is its internal network, the
// simulator as MEXC's hosts and the rehearsal key, which the pack checks.

const KEY = "rehearsal-key-ENGINE-5555";
const SECRET = "rehearsal-secret-ENGINE-6666";
let ws: EngineWorkspace;
const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
const pulumiOk = (args: string[]) => ok(ws, args);
/** A whole stack's update takes minutes on this shared machine: more than run()'s default. */
const LONG = { timeoutMs: 800_000 };
const created = (name: string): StandinOp[] => ws.standinOps().filter((o) => o.op === "create" && o.name === name);

beforeAll(async () => {
  ws = await engineWorkspace("engine-rehearsal-passphrase");
  await pulumiOk(["stack", "init", "rehearsal"]);
  await pulumiOk(["config", "set", "-s", "rehearsal", "--secret", "cdb:mexcApiKey", KEY]);
  await pulumiOk(["config", "set", "-s", "rehearsal", "--secret", "cdb:mexcApiSecret", SECRET]);
  await pulumiOk(["config", "set", "-s", "rehearsal", "cdb:mexcKeyFingerprint", keyFingerprint(KEY)]);
  await pulumiOk(["config", "set", "-s", "rehearsal", "cdb:rehearsalKeyFingerprint", keyFingerprint(KEY)]);
  await pulumiOk(["config", "set", "-s", "rehearsal", "--path", "cdb:images.exchange_simulator", "registry.example/cdb/exchange-simulator:1"]);
});
afterAll(() => ws?.dispose());

describe("rehearsal stack on the real engine (stand-in providers)", () => {
  it("updates with the policy pack and no evidence: the live executor on an internal network, MEXC's hosts answered by the simulator", { timeout: 1_700_000 }, async () => {
    const r = await ws.pulumi(["up", "-s", "rehearsal", "--yes", "--policy-pack", "policies"], LONG);
    expect(r.code, output(r)).toBe(0);
    expect(output(r)).not.toContain("could not be evaluated");
    const network = created("cdbrehearsal_network");
    expect(network).toHaveLength(1);
    expect(network[0]!.inputs.internal).toBe(true);
    const exec = created("cdbrehearsal_execution")[0]!.inputs;
    expect(exec.envs).toEqual(expect.arrayContaining(["MOCK_TRADING=false", "DRY_RUN=false", "CONFIRM_LIVE_TRADING=true", "REQUESTS_CA_BUNDLE=/run/rehearsal-ca/ca.pem"]));
    expect(exec.networksAdvanced).toEqual([{ name: "cdbrehearsal_network", aliases: ["cdb_execution"] }]);
    const sim = created("cdbrehearsal_exchange_simulator")[0]!.inputs;
    expect(sim.networksAdvanced).toEqual([{ name: "cdbrehearsal_network", aliases: ["cdb_exchange_simulator", "api.mexc.com", "contract.mexc.com"] }]);
    expect((sim.uploads as { file: string; content: unknown }[]).find((u) => u.file === "/run/secrets/simulator_keys")?.content).toBe("[secret]");
    // The keys file holds the stack's key, and never reaches the state in plaintext.
    expect(ws.stateText("rehearsal")).not.toContain(SECRET);
  });

  it("refuses a rehearsal stack whose network is not internal, before the network changes (preview and --skip-preview)", { timeout: 1_700_000 }, async () => {
    // A program change that drops the flag (the plan still says internal): only the pack can see it.
    const file = path.join(ws.project, "components", "networkAndVolumes.ts");
    const text = readFileSync(file, "utf8");
    expect(text).toContain("internal: args.internal");
    writeFileSync(file, text.replace("internal: args.internal", "internal: false"));
    try {
      const before = ws.standinOps().length;
      const preview = await ws.pulumi(["preview", "-s", "rehearsal", "--policy-pack", "policies"], LONG);
      expect(preview.code).not.toBe(0);
      expect(output(preview)).toContain("[mandatory]  rehearsal-network-internal");
      expect(output(preview)).toMatch(/network cdbrehearsal_network is not internal \(internal: false\)/);
      expect(output(preview)).toContain("[mandatory]  rehearsal-stack");
      const up = await ws.pulumi(["up", "-s", "rehearsal", "--yes", "--skip-preview", "--policy-pack", "policies"], LONG);
      expect(up.code).not.toBe(0);
      expect(output(up)).toContain("rehearsal-network-internal");
      expect(ws.standinOps().slice(before).filter((o) => o.type === "docker:index/network:Network")).toEqual([]);
    } finally {
      writeFileSync(file, text);
    }
  });

  it("refuses a rehearsal stack holding the live stack's key", { timeout: 1_700_000 }, async () => {
    const live = path.join(ws.project, "Pulumi.live.yaml");
    const text = readFileSync(live, "utf8");
    writeFileSync(live, text.replace("config:\n", `config:\n  cdb:mexcKeyFingerprint: ${keyFingerprint(KEY)}\n`));
    try {
      const r = await ws.pulumi(["preview", "-s", "rehearsal", "--policy-pack", "policies"], LONG);
      expect(r.code).not.toBe(0);
      expect(output(r)).toContain("[mandatory]  rehearsal-stack");
      expect(output(r)).toContain("its key is the live stack's (cdb:mexcKeyFingerprint equals Pulumi.live.yaml's)");
      // The program leaves the traders out of this preview, and says why.
      expect(output(r)).toMatch(/the rehearsal stack is not isolated: its key is the live stack's/);
    } finally {
      writeFileSync(live, text);
    }
  });

  // Issue 25 item 3: rollback armed, stopped, wrote cdb:mode: paper, then failed (exit 6: the simulator's image is for
  // rehearsal stacks only), and destroy asked for a rollback first: only raw `pulumi destroy` removed a rehearsal.
  it("rolls back and destroys with the project's commands, as docs/rehearsal.md writes them", { timeout: 1_700_000 }, async () => {
    const cdb = (args: string[], input?: string) => npxCdb(args, { cwd: ws.project, env: ws.env, ...(input !== undefined ? { input } : {}) });
    const before = ws.standinOps().length;
    // STAND-INs start no container: nothing to arm, stop or verify on dockerd; the rollback's Pulumi half is what runs.
    const r = await cdb(["rollback", "--stack", "rehearsal", "--reason", "engine test", "--by", "mara", "--verify-timeout", "1"]);
    const text = r.out + r.err;
    expect(text).toContain("rollback rehearsal: removed cdb:images.exchange_simulator, cdb:rehearsalKeyFingerprint");
    expect(text).toMatch(/rehearsal: rolled back to paper flags \(update of .+\), but not verified: /);
    expect(text).not.toContain("is for rehearsal stacks only");
    const config = (parse(readFileSync(path.join(ws.project, "Pulumi.rehearsal.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
    expect(config["cdb:mode"]).toBe("paper");
    expect(config["cdb:rehearsalKeyFingerprint"]).toBeUndefined();
    expect((config["cdb:images"] as Record<string, unknown> | undefined)?.exchange_simulator).toBeUndefined();
    const ops = ws.standinOps().slice(before);
    expect(ops.filter((o) => o.op === "delete").map((o) => o.name)).toContain("cdbrehearsal_exchange_simulator");
    const exec = ops.filter((o) => o.name === "cdbrehearsal_execution" && (o.op === "create" || o.op === "update")).at(-1)!;
    expect(exec.inputs.envs).toEqual(expect.arrayContaining(["MOCK_TRADING=true"]));
    // At paper flags, destroy goes after the stack's name is typed (not with --yes: it is no paper stack).
    expect((await cdb(["destroy", "--stack", "rehearsal", "--yes"])).code).toBe(5);
    const d = await cdb(["destroy", "--stack", "rehearsal", "--by", "mara"], "rehearsal\n");
    expect(d.code, d.out + d.err).toBe(0);
    expect(ws.standinOps().filter((o) => o.op === "delete").map((o) => o.name)).toEqual(expect.arrayContaining(["cdbrehearsal_network", "cdbrehearsal_execution"]));
  });
});
