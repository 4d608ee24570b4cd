import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadCatalog } from "../readiness/catalog";
import { declared, named, resourceViolations, stackViolations, useStack } from "../test/policyHarness";
import { liveSettings, LIVE_SECRETS } from "../test/mockRun";
import { makeFixture, type Fixture } from "../test/readinessFixture";
import { liveReadiness } from "./liveReadiness";
import { liveTradingGate } from "./liveTradingGate";

// A live gate reads the repository's readiness/live.evidence.yaml and readiness/allowed_signers only
// (readiness/trustRoot.ts): these in-process runs of the pack move the repository's two locations to the fixture's files.
const repoFiles = vi.hoisted(() => ({ evidence: "", allowedSigners: "" }));
vi.mock("../platform/paths", async (orig) => {
  const m = await orig<typeof import("../platform/paths")>();
  return { ...m, defaultEvidenceFile: (stack: string) => repoFiles.evidence || m.defaultEvidenceFile(stack) };
});
vi.mock("../readiness/allowedSigners", async (orig) => {
  const m = await orig<typeof import("../readiness/allowedSigners")>();
  return {
    ...m,
    get DEFAULT_ALLOWED_SIGNERS() {
      return repoFiles.allowedSigners || m.DEFAULT_ALLOWED_SIGNERS;
    },
  };
});

const live = () => declared("live", liveSettings(), LIVE_SECRETS);
let fx: Fixture;
const evidenceItems = loadCatalog().items.filter((i) => i.kind !== "machine").map((i) => i.id);

beforeEach(async () => {
  await useStack("live", liveSettings(), LIVE_SECRETS);
  fx = makeFixture();
  repoFiles.evidence = fx.evidenceFile;
  repoFiles.allowedSigners = fx.allowedSigners;
});
afterEach(() => {
  repoFiles.evidence = "";
  repoFiles.allowedSigners = "";
});

describe("live-readiness (stack policy)", () => {
  it("passes a live stack with complete evidence", async () => {
    expect(await stackViolations(liveReadiness, live())).toEqual([]);
  });

  it("refuses without an evidence file and names every missing item", async () => {
    repoFiles.evidence = path.join(fx.dir, "absent.yaml");
    const v = await stackViolations(liveReadiness, live());
    expect(v[0]).toMatch(/^live-readiness: not ready, \d+ of 35 checklist items unsatisfied \(no evidence file at .*absent\.yaml: every attested and measured item is missing\)$/);
    for (const id of evidenceItems) expect(v).toContain(`live-readiness: ${id} missing: no evidence entry`);
  });

  it("refuses CDB_ALLOWED_SIGNERS and CDB_EVIDENCE_FILE for live, naming them, even when they name the very files it reads", async () => {
    for (const [name, file] of [["CDB_ALLOWED_SIGNERS", fx.allowedSigners], ["CDB_EVIDENCE_FILE", fx.evidenceFile]] as const) {
      process.env[name] = file;
      try {
        expect(await stackViolations(liveReadiness, live())).toEqual([
          `live-readiness could not be evaluated, so it refuses: UnusableInput: ${name}: refused for live: a live gate reads only the repository's readiness/allowed_signers, readiness/checklist.yaml and readiness/live.evidence.yaml (commit a change there); unset or drop it`,
        ]);
        expect((await resourceViolations(liveTradingGate, named(live(), "cdb_execution")))[0]).toMatch(new RegExp(`^live-trading-gate could not be evaluated, so it refuses: UnusableInput: ${name}: refused for live`));
      } finally {
        delete process.env[name];
      }
    }
    // Control: without them, the same stack passes.
    expect(await stackViolations(liveReadiness, live())).toEqual([]);
  });

  it("refuses when the API key no longer matches the fingerprint the evidence is bound to", async () => {
    await useStack("live", liveSettings(), { ...LIVE_SECRETS, mexcApiKey: "mx0-someone-elses-key" });
    const v = await stackViolations(liveReadiness, live());
    expect(v).toEqual([
      "live-readiness could not be evaluated, so it refuses: ConfigError: cdb:mexcKeyFingerprint does not match cdb:mexcApiKey: the key changed, so review the evidence and set the new fingerprint",
    ]);
  });

  it("passes a live stack returned to paper flags without evidence, but not one in which a container still trades", async () => {
    repoFiles.evidence = path.join(fx.dir, "absent.yaml");
    const halted = { ...liveSettings(), mode: "paper" };
    await useStack("live", halted, LIVE_SECRETS);
    const resources = declared("live", halted, LIVE_SECRETS);
    expect(await stackViolations(liveReadiness, resources)).toEqual([]);
    const execution = named(resources, "cdb_execution").props;
    execution.envs = (execution.envs as string[]).map((e) => (e === "MOCK_TRADING=true" ? "MOCK_TRADING=false" : e));
    expect((await stackViolations(liveReadiness, resources))[0]).toMatch(/^live-readiness: not ready, \d+ of 35 checklist items unsatisfied \(no evidence file at .*absent\.yaml/);
  });

  it("refuses when the stack's resources do not prove a machine item (grafana without dashboards)", async () => {
    const resources = live();
    named(resources, "cdb_grafana").props.uploads = [];
    const v = await stackViolations(liveReadiness, resources);
    // Its data sources went with the uploads: the Loki one too.
    expect(v[0]).toMatch(/^live-readiness: not ready, 2 of 35 checklist items unsatisfied/);
    expect(v[1]).toMatch(/^live-readiness: monitoring\.dashboards failed: /);
    expect(v[2]).toMatch(/^live-readiness: monitoring\.structured-logs failed: the stack does not declare it: live: grafana has no \/etc\/grafana\/provisioning\/datasources\/cdb\.yml/);
  });

  // The mutation matrix: every evidence item, removed, expired or tampered, flips the verdict.
  const items = loadCatalog().items.filter((i) => i.kind !== "machine");
  it.each(items.map((i) => [i.id, i] as const))("refuses when %s is removed, expired or tampered", async (id, item) => {
    const mutations: [string, (e: typeof fx.evidence) => void][] = [
      ["removed", (e) => delete e.items[id]],
      ["expired", (e) => void (e.items[id]!.at = new Date(Date.now() - (item.maxAgeDays! + 1) * 86_400_000).toISOString())],
    ];
    if (item.artifact) mutations.push(["tampered", (e) => void (e.items[id]!.artifacts![0]!.sha256 = "0".repeat(64))]);
    for (const [kind, mutate] of mutations) {
      const e = structuredClone(fx.evidence);
      mutate(e);
      fx.write(e);
      const v = await stackViolations(liveReadiness, live());
      expect(v.some((m) => m.startsWith(`live-readiness: ${id} `)), `${id} ${kind}: ${v.join(" | ")}`).toBe(true);
    }
  });
});

describe("live-trading-gate (resource policy)", () => {
  it("lets the live executor through with complete evidence", async () => {
    expect(await resourceViolations(liveTradingGate, named(live(), "cdb_execution"))).toEqual([]);
  });

  it("stops the live executor and risk before creation without evidence (covers up --skip-preview)", async () => {
    fx.write({ ...fx.evidence, items: {} });
    for (const name of ["cdb_execution", "cdb_risk"]) {
      const v = await resourceViolations(liveTradingGate, named(live(), name));
      expect(v[0]).toBe(`live-trading-gate (${name}): not ready, 24 of 35 checklist items unsatisfied`);
    }
    expect(await resourceViolations(liveTradingGate, named(live(), "cdb_allocation"))).toEqual([]);
  });

  it("stops a renamed, re-aliased executor whose flag is spelled differently", async () => {
    fx.write({ ...fx.evidence, items: {} });
    const exec = named(live(), "cdb_execution");
    exec.props.name = "exec2";
    exec.props.networksAdvanced = [{ name: "cdb_network", aliases: ["exec2"] }];
    exec.props.envs = (exec.props.envs as string[]).map((e) => (e === "MOCK_TRADING=false" ? "MOCK_TRADING=False" : e.startsWith("USE_REAL_BALANCE=") ? "USE_REAL_BALANCE=false" : e));
    const v = await resourceViolations(liveTradingGate, exec);
    expect(v[0]).toBe("live-trading-gate (exec2): not ready, 24 of 35 checklist items unsatisfied");
  });

  it("stops a container that carries only CONFIRM_LIVE_TRADING, with paper values on every other flag", async () => {
    fx.write({ ...fx.evidence, items: {} });
    const exec = named(live(), "cdb_execution");
    exec.props.envs = (exec.props.envs as string[]).map((e) =>
      e.startsWith("MOCK_TRADING=") ? "MOCK_TRADING=true" : e.startsWith("USE_REAL_BALANCE=") ? "USE_REAL_BALANCE=false" : e,
    );
    expect(exec.props.envs).toContain("CONFIRM_LIVE_TRADING=true");
    const v = await resourceViolations(liveTradingGate, exec);
    expect(v[0]).toBe("live-trading-gate (cdb_execution): not ready, 24 of 35 checklist items unsatisfied");
  });
});
