import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/load";
import { keyFingerprint } from "../config/schema";
import { deployVerdict } from "./deployRule";
import { rehearsalProblems } from "./rehearsalRule";
import { rawSettings } from "../test/settings";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { tradesForReal } from "../config/safety";
import { rehearsalPlanProblems } from "../model/rehearsal";

// The rehearsal stack as planned, and the rule that lets its live-flagged
// executor run without the gate only when it is isolated.

const KEY = "rehearsal-key-plan";
const SECRETS = { mexcApiKey: KEY, mexcApiSecret: "rehearsal-secret-plan" };
const settings = (over: Record<string, unknown> = {}) => ({
  mode: "rehearsal",
  sourceDir: "../src",
  mexcKeyFingerprint: keyFingerprint(KEY),
  rehearsalKeyFingerprint: keyFingerprint(KEY),
  images: { exchange_simulator: "registry.example/sim:1" },
  ...over,
});
const load = (s: Record<string, unknown> = settings(), stack = "rehearsal", secrets: Record<string, string> = SECRETS) => loadConfig(stack, rawSettings(s, secrets), secrets.mexcApiKey);
const planOf = (s = settings()) => {
  const l = load(s);
  return planStackWithMonitoring(l.stack, l.config, l.secretsSet);
};
const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe("the rehearsal plan", () => {
  it("runs the live executor and risk on an internal network, trusting the stack's CA, after the simulator is healthy", () => {
    const plan = planOf();
    expect(plan.networkInternal).toBe(true);
    expect(plan.containers[0]!.name).toBe("cdbrehearsal_exchange_simulator");
    const by = Object.fromEntries(plan.containers.map((c) => [c.service, c]));
    expect(by.execution!.env).toMatchObject({ MOCK_TRADING: "false", DRY_RUN: "false", USE_REAL_BALANCE: "true", MEXC_TESTNET: "false", CONFIRM_LIVE_TRADING: "true", REQUESTS_CA_BUNDLE: "/run/rehearsal-ca/ca.pem" });
    expect(by.risk!.env).toMatchObject({ USE_REAL_BALANCE: "true", REQUESTS_CA_BUNDLE: "/run/rehearsal-ca/ca.pem" });
    for (const s of ["execution", "risk"]) {
      expect(by[s]!.dependsOn).toContainEqual({ service: "exchange_simulator", until: "healthy" });
      expect(by[s]!.volumes).toContainEqual({ volumeName: "cdbrehearsal_rehearsal_ca", path: "/run/rehearsal-ca", readOnly: true });
    }
    // Only the simulator mounts its own key's volume.
    expect(plan.containers.filter((c) => c.volumes.some((v) => v.volumeName === "cdbrehearsal_exchange_simulator_tls")).map((c) => c.service)).toEqual(["exchange_simulator"]);
    expect(by.exchange_simulator!).toMatchObject({ alias: "cdb_exchange_simulator", extraAliases: ["api.mexc.com", "contract.mexc.com"], secrets: ["simulator_keys"], ports: [] });
    expect(plan.containers.every((c) => c.ports.length === 0)).toBe(true);
    expect(plan.containers.filter((c) => tradesForReal(c.env)).map((c) => c.service)).toEqual(["risk", "execution"]);
    expect(rehearsalPlanProblems(plan)).toEqual([]);
  });

  it("paper and live plans have no simulator and a network with a route out", () => {
    const paper = loadConfig("paper", rawSettings({ sourceDir: "../src" }));
    const plan = planStackWithMonitoring("paper", paper.config, paper.secretsSet);
    expect(plan.networkInternal).toBe(false);
    expect(plan.containers.some((c) => c.service === "exchange_simulator")).toBe(false);
    expect(plan.containers.some((c) => "REQUESTS_CA_BUNDLE" in c.env)).toBe(false);
  });
});

describe("rehearsal settings", () => {
  it("need the rehearsal key declared, equal to the stack's key fingerprint, and the simulator's image", () => {
    expect(problemsOf(() => load(settings({ rehearsalKeyFingerprint: undefined })))).toContainEqual(expect.stringMatching(/^cdb:rehearsalKeyFingerprint is required in a rehearsal stack/));
    expect(problemsOf(() => load(settings({ rehearsalKeyFingerprint: "0123456789abcdef" })))).toContainEqual(expect.stringMatching(/^cdb:mexcKeyFingerprint must equal cdb:rehearsalKeyFingerprint/));
    expect(problemsOf(() => load(settings({ images: {} })))).toContainEqual(expect.stringMatching(/must name the exchange_simulator image/));
    // Both fingerprints set to another key's: the program, which knows the key, refuses.
    const other = keyFingerprint("the-live-key");
    expect(problemsOf(() => load(settings({ mexcKeyFingerprint: other, rehearsalKeyFingerprint: other })))).toContainEqual(expect.stringMatching(/^cdb:mexcKeyFingerprint does not match cdb:mexcApiKey/));
    expect(problemsOf(() => load(settings(), "rehearsal", {}))).toEqual(expect.arrayContaining([expect.stringMatching(/^cdb:mexcApiKey is required in rehearsal/), expect.stringMatching(/^cdb:mexcApiSecret is required in rehearsal/)]));
  });

  it("are refused outside a rehearsal stack, and the stack named live is never one", () => {
    expect(problemsOf(() => load(settings(), "live"))).toContainEqual(expect.stringMatching(/^cdb:mode must not be "rehearsal" in the live stack/));
    expect(problemsOf(() => load({ sourceDir: "../src", images: { exchange_simulator: "sim:1" } }, "paper", {}))).toContainEqual(expect.stringMatching(/^cdb:images\.exchange_simulator is for rehearsal stacks only/));
    expect(problemsOf(() => load({ sourceDir: "../src", rehearsalKeyFingerprint: keyFingerprint(KEY) }, "paper", {}))).toContainEqual(expect.stringMatching(/^cdb:rehearsalKeyFingerprint is for rehearsal stacks only/));
  });
});

describe("the deploy rule for a rehearsal stack", () => {
  const gateNeverAsked = () => {
    throw new Error("the readiness gate was asked about a rehearsal stack");
  };

  it("lets the traders of an isolated rehearsal stack run without the gate", () => {
    const l = load();
    expect(deployVerdict(l, planStackWithMonitoring(l.stack, l.config, l.secretsSet), gateNeverAsked)).toEqual({ traders: ["cdbrehearsal_risk", "cdbrehearsal_execution"], simulated: true });
  });

  it.each([
    ["its network has a route out", (p: ReturnType<typeof planOf>) => ({ ...p, networkInternal: false }), /network cdbrehearsal_network is not internal/],
    ["it has no simulator", (p: ReturnType<typeof planOf>) => ({ ...p, containers: p.containers.filter((c) => c.service !== "exchange_simulator") }), /no exchange_simulator/],
    ["the simulator does not answer as contract.mexc.com", (p: ReturnType<typeof planOf>) => ({ ...p, containers: p.containers.map((c) => (c.service === "exchange_simulator" ? { ...c, extraAliases: ["api.mexc.com"] } : c)) }), /does not answer as contract\.mexc\.com/],
    ["execution does not trust the stack's CA", (p: ReturnType<typeof planOf>) => ({ ...p, containers: p.containers.map((c) => (c.service === "execution" ? { ...c, env: { ...c.env, REQUESTS_CA_BUNDLE: "/etc/ssl/certs/ca-certificates.crt" } } : c)) }), /cdbrehearsal_execution does not trust the stack's CA/],
    ["its key is not the declared rehearsal key", (p: ReturnType<typeof planOf>) => ({ ...p, rehearsalKeyFingerprint: "0123456789abcdef" }), /not the rehearsal key/],
  ])("refuses it when %s (fail closed)", (_, change, message) => {
    const l = load();
    const v = deployVerdict(l, change(planStackWithMonitoring(l.stack, l.config, l.secretsSet)), gateNeverAsked);
    expect(v.traders).toEqual(["cdbrehearsal_risk", "cdbrehearsal_execution"]);
    expect(v.refused).toMatch(/^the rehearsal stack is not isolated: /);
    expect(v.refused).toMatch(message);
  });

  it("refuses the live stack's key in a rehearsal stack", () => {
    expect(rehearsalProblems(planOf(), keyFingerprint(KEY))).toContainEqual(expect.stringMatching(/^its key is the live stack's/));
    expect(rehearsalProblems(planOf(), keyFingerprint("another-live-key"))).toEqual([]);
  });

  it("a live-mode stack is still judged by the gate, whatever its name", () => {
    const live = { mode: "live" };
    const l = { ...load(), config: { ...load().config, ...live } } as ReturnType<typeof load>;
    const plan = { ...planOf(), mode: "live" as const };
    expect(deployVerdict(l, plan, () => { throw new Error("gate asked"); }).refused).toBe("the readiness gate could not be evaluated: gate asked");
  });
});
