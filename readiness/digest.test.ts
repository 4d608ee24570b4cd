import { describe, expect, it } from "vitest";
import { loadConfig, type RawSetting } from "../config/load";
import { TRADING_PATH } from "../config/services";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import type { StackPlan } from "../model/plan";
import { liveImages, liveSettings } from "../test/mockRun";
import { configDigest, digestInputs, explainDigest } from "./digest";

// The digest is derived from the plan: every input of the trading-path
// containers counts, a setting added later included, and nothing else does.

const SECRETS = new Set(["mexcApiKey", "mexcApiSecret"] as const);

function livePlan(overrides: Record<string, unknown> = {}): StackPlan {
  const raw = new Map<string, RawSetting>(Object.entries({ ...liveSettings(), ...overrides }).map(([k, v]) => [k, { value: v, secret: false }]));
  for (const s of SECRETS) raw.set(s, { value: "<encrypted>", secret: true });
  const loaded = loadConfig("live", raw);
  return planStackWithMonitoring(loaded.stack, loaded.config, loaded.secretsSet);
}

const base = livePlan();
const baseDigest = configDigest(base);
const signal = { strategyId: "paper", thresholdPct: 0.005, minVolume: 0 };
const regime = { adxPeriod: 14, atrPeriod: 14, adxTrendThreshold: 25, adxRangeThreshold: 20, atrHighVolThreshold: 2, confirmationBars: 3 };
const allocation = { ...(liveSettings().allocation as { rules: Record<string, Record<string, number>> }), regimeMinStableSeconds: 60 };

/** The plan with one container's plan changed (as a later setting would change it). */
function withContainer(plan: StackPlan, service: string, change: (c: StackPlan["containers"][number]) => void): StackPlan {
  const copy = structuredClone(plan);
  change(copy.containers.find((c) => c.service === service)!);
  return copy;
}

describe("configDigest derived from the plan", () => {
  it("is stable for the same config", () => {
    expect(configDigest(livePlan())).toBe(baseDigest);
  });

  const cases: [string, Record<string, unknown>][] = [
    ["cdb:signal.thresholdPct", { signal: { ...signal, thresholdPct: 0.007 } }],
    ["cdb:signal.minVolume", { signal: { ...signal, minVolume: 5 } }],
    ...Object.keys(regime).map((k): [string, Record<string, unknown>] => [`cdb:regime.${k}`, { regime: { ...regime, [k]: (regime as Record<string, number>)[k]! + (k === "adxRangeThreshold" ? -1 : 1) } }]),
    ["cdb:allocation.regimeMinStableSeconds", { allocation: { ...allocation, regimeMinStableSeconds: 61 } }],
    ["cdb:symbol", { symbol: "ETHUSDT" }],
    ["cdb:images.signal", { images: liveImages({ signal: `registry.example/cdb/signal@sha256:${"e".repeat(64)}` }) }],
    ["cdb:mexcKeyFingerprint", { mexcKeyFingerprint: "0123456789abcdef" }],
  ];
  it.each(cases)("changes when %s changes", (_key, overrides) => {
    const changed = livePlan(overrides);
    expect(configDigest(changed)).not.toBe(baseDigest);
  });

  it("changes when cdb:signal.strategyId switches to another strategy of the same allocation rules", () => {
    // The case: evidence gathered while the active strategy had 0 % must not carry over to one with 2 %.
    const rules = { ...allocation, rules: { ...allocation.rules, zero: { TREND: 0, RANGE: 0 } } };
    const onZero = livePlan({ allocation: rules, signal: { ...signal, strategyId: "zero" } });
    const onPaper = livePlan({ allocation: rules, signal: { ...signal, strategyId: "paper" } });
    expect(configDigest(onZero)).not.toBe(configDigest(onPaper));
  });

  it("covers a setting nobody listed: a new env var on any trading-path container changes it", () => {
    for (const service of TRADING_PATH) {
      const changed = withContainer(base, service, (c) => (c.env.SOME_FUTURE_SETTING = "1"));
      expect(configDigest(changed), service).not.toBe(baseDigest);
    }
  });

  it("covers the command, the entrypoint and uploaded files of a trading-path container", () => {
    expect(configDigest(withContainer(base, "risk", (c) => (c.command = [...(c.command ?? []), "--flag"])))).not.toBe(baseDigest);
    expect(configDigest(withContainer(base, "risk", (c) => (c.entrypoint = ["/bin/bash", "-c"])))).not.toBe(baseDigest);
    expect(configDigest(withContainer(base, "execution", (c) => c.files.push({ path: "/app/config.yaml", content: "a: 1\n" })))).not.toBe(baseDigest);
    const withFile = withContainer(base, "execution", (c) => c.files.push({ path: "/app/config.yaml", content: "a: 1\n" }));
    expect(configDigest(withContainer(withFile, "execution", (c) => (c.files.at(-1)!.content = "a: 2\n")))).not.toBe(configDigest(withFile));
  });

  it("covers a container field added to the plan later", () => {
    const changed = withContainer(base, "execution", (c) => Object.assign(c, { user: "0:0" }));
    expect(configDigest(changed)).not.toBe(baseDigest);
  });

  it("does not change for containers off the trading path (grafana, prometheus, reports)", () => {
    expect(configDigest(withContainer(base, "grafana", (c) => (c.env.GF_NEW_SETTING = "x")))).toBe(baseDigest);
    expect(configDigest(withContainer(base, "prometheus", (c) => (c.files[0]!.content += "# changed\n")))).toBe(baseDigest);
    expect(configDigest(withContainer(base, "reports", (c) => (c.env.TZ = "Europe/Berlin")))).toBe(baseDigest);
    expect(configDigest(livePlan({ smtpHost: "smtp.example:25" }))).toBe(baseDigest);
  });

  it("does not change for the witness: it observes the stack and trades nothing (a new witness image voids no evidence)", () => {
    expect(TRADING_PATH as readonly string[]).not.toContain("witness");
    expect(Object.keys(digestInputs(base).containers)).not.toContain("witness");
    const images = liveImages({ witness: `registry.example/cdb/witness@sha256:${"f".repeat(64)}` });
    expect(configDigest(livePlan({ images }))).toBe(baseDigest);
    expect(configDigest(withContainer(base, "witness", (c) => (c.env.CDB_STACK = "other")))).toBe(baseDigest);
  });

  it("does not change for fields that are not behaviour: limits, host ports", () => {
    expect(configDigest(livePlan({ resources: { execution: { cpus: 1, memoryMb: 1024 } } }))).toBe(baseDigest);
    expect(configDigest(livePlan({ hostPorts: { execution: 18003 } }))).toBe(baseDigest);
  });

  it("reads allocation rules by meaning, not spelling", () => {
    const respelled = withContainer(base, "allocation", (c) => (c.env.ALLOCATION_RULES_JSON = JSON.stringify(JSON.parse(c.env.ALLOCATION_RULES_JSON!), null, 2)));
    expect(configDigest(respelled)).toBe(baseDigest);
  });

  it("holds secrets by fingerprint or kind, never by value", () => {
    const inputs = digestInputs(base);
    expect(inputs.containers.execution!.secrets["/run/secrets/mexc_api_key"]).toEqual({ fingerprint: `sha256:${base.mexcKeyFingerprint}` });
    expect(inputs.containers.execution!.secrets["/run/secrets/redis_password"]).toMatchObject({ kind: "generated" });
    expect(Object.keys(inputs.containers).sort()).toEqual([...TRADING_PATH].sort());
  });

  it("explains what went in: per container image, command, env, secrets, files; and what was left out", () => {
    const lines = explainDigest(base);
    expect(lines[0]).toBe(`configDigest ${baseDigest} (derivation v2)`);
    const text = lines.join("\n");
    expect(text).toContain("signal:\n  image registry.example/");
    expect(text).toContain(`  env SIGNAL_THRESHOLD_PCT=${String(signal.thresholdPct)}`);
    expect(text).toContain(`  secret /run/secrets/mexc_api_key <secret fingerprint sha256:${base.mexcKeyFingerprint}>`);
    expect(text).toMatch(/left out, not on the trading path: .*grafana/);
    expect(text).not.toContain("<encrypted>");
  });
});
