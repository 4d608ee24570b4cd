import { describe, expect, it } from "vitest";
import { rawSettings } from "../test/settings";
import { ConfigError, loadConfig } from "./load";
import { keyFingerprint } from "./schema";
import { SERVICE_NAMES } from "./services";


const digest = "@sha256:" + "a".repeat(64);
const liveImages = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `reg.example/${s}${digest}`]));
const liveRules = { rules: { paper: { TREND: 0.02, RANGE: 0.01 } } };
const MEXC = { mexcApiKey: "k-123", mexcApiSecret: "s-456" };
const liveBase = { mode: "live", images: liveImages, mexcKeyFingerprint: keyFingerprint(MEXC.mexcApiKey) };

function problems(stack: string, settings: Record<string, unknown>, secrets?: Record<string, string>): string[] {
  try {
    loadConfig(stack, rawSettings(settings, secrets));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("defaults to paper mode with the runbook's risk limits", () => {
    const { config } = loadConfig("paper", rawSettings({ sourceDir: "../src" }));
    expect(config.mode).toBe("paper");
    expect(config.risk).toEqual({ maxPositionPct: 0.1, maxTotalExposurePct: 0.3, maxDailyDrawdownPct: 0.05, stopLossPct: 0.02, earlyLiveMaxAlloc: 0.02 });
    expect(config.hostPorts).toBeUndefined();
    expect(config.hardening).toBe(true);
  });

  it("accepts a complete live config", () => {
    const { config, secretsSet } = loadConfig("live", rawSettings({ ...liveBase, allocation: liveRules }, MEXC));
    expect(config.mode).toBe("live");
    expect([...secretsSet].sort()).toEqual(["mexcApiKey", "mexcApiSecret"]);
  });

  it.each([
    [{ risk: { maxPositionPct: 1.5 } }, "cdb:risk.maxPositionPct must be > 0 and <= 1, got 1.5"],
    [{ risk: { maxDailyDrawdownPct: -0.05 } }, "cdb:risk.maxDailyDrawdownPct must be > 0 and <= 1, got -0.05"],
    [{ risk: { stopLossPct: 0 } }, "cdb:risk.stopLossPct must be > 0 and <= 1, got 0"],
    [{ images: { mining: "x:1" } }, "cdb:images.mining is not a known setting"],
    [{ hostPorts: { grafana: 70000 } }, "cdb:hostPorts.grafana must be a port 1-65535, got 70000"],
    [{ hostPorts: { loki: 3100 } }, "cdb:hostPorts.loki is not allowed: the service is reached over the stack's network only, got 3100"],
    [{ colour: "blue" }, "cdb:colour is not a known setting"],
    [{ mode: "yolo" }, 'cdb:mode must be "paper", "live" or "rehearsal", got "yolo"'],
    [{ mode: "live" }, 'cdb:mode must be "paper" in the paper stack, got "live"'],
  ])("rejects %j in paper", (settings, message) => {
    expect(problems("paper", { sourceDir: "../src", ...settings })).toContain(message);
  });

  it("rejects an allocation share above the early-live cap in live", () => {
    const rules = { rules: { paper: { TREND: 0.3, RANGE: 0.01 } } };
    expect(problems("live", { ...liveBase, allocation: rules }, MEXC)).toEqual([
      "cdb:allocation.rules.paper.TREND must be <= 0.02 in live (risk.earlyLiveMaxAlloc), got 0.3",
    ]);
  });

  it("rejects an early-live cap above 0.02 in live", () => {
    expect(problems("live", { ...liveBase, allocation: liveRules, risk: { earlyLiveMaxAlloc: 0.05 } }, MEXC)).toContain(
      "cdb:risk.earlyLiveMaxAlloc must be <= 0.02 in live (early-live cap), got 0.05",
    );
  });

  it("rejects a live image without a digest", () => {
    const images = { ...liveImages, execution: "reg.example/execution:1.4.2" };
    expect(problems("live", { ...liveBase, images, allocation: liveRules }, MEXC)).toEqual([
      'cdb:images.execution must be pinned by digest in live (…@sha256:<64 hex>, or the image id sha256:<64 hex>), got "reg.example/execution:1.4.2"',
    ]);
  });

  it("accepts a live image pinned by its image id on the host (same-host freight), not a tag or a short id", () => {
    const id = `sha256:${"b".repeat(64)}`;
    expect(loadConfig("live", rawSettings({ ...liveBase, images: { ...liveImages, execution: id }, allocation: liveRules }, MEXC)).config.images.execution).toBe(id);
    for (const bad of [`sha256:${"b".repeat(12)}`, `xsha256:${"b".repeat(64)}`, `reg.example/execution:sha256-${"b".repeat(64)}`]) {
      expect(problems("live", { ...liveBase, images: { ...liveImages, execution: bad }, allocation: liveRules }, MEXC)[0]).toMatch(/^cdb:images.execution must be pinned by digest/);
    }
  });

  it("rejects a live stack without the MEXC secret, and never echoes secret values", () => {
    expect(problems("live", { ...liveBase, allocation: liveRules }, { mexcApiKey: "k-123" })).toEqual([
      "cdb:mexcApiSecret is required in live (pulumi config set --secret cdb:mexcApiSecret)",
    ]);
    const plaintext = problems("live", { ...liveBase, allocation: liveRules, mexcApiKey: "k-PLAINTEXT" }, { mexcApiSecret: "s" });
    expect(plaintext).toContain("cdb:mexcApiKey must be set with --secret (it is stored in plaintext)");
    expect(plaintext.join("\n")).not.toContain("k-PLAINTEXT");
  });

  it("binds the live config to the API key through its fingerprint", () => {
    const { mexcKeyFingerprint: _, ...noFingerprint } = liveBase;
    expect(problems("live", { ...noFingerprint, allocation: liveRules }, MEXC)).toEqual([
      "cdb:mexcKeyFingerprint is required in live: binds the evidence to the API key (pipe the key into `npx cdb fingerprint`), got nothing",
    ]);
    const swapped = () => loadConfig("live", rawSettings({ ...liveBase, allocation: liveRules }, MEXC), "k-OTHER-KEY");
    expect(swapped).toThrow("cdb:mexcKeyFingerprint does not match cdb:mexcApiKey: the key changed, so review the evidence and set the new fingerprint");
    expect(loadConfig("live", rawSettings({ ...liveBase, allocation: liveRules }, MEXC), MEXC.mexcApiKey).config.mexcKeyFingerprint).toBe(keyFingerprint("k-123"));
  });

  it("never echoes a setting that was stored as a secret", () => {
    const p = problems("paper", { sourceDir: "../src" }, { dockerHost: "hunter2-not-a-url" });
    expect(p).toEqual(["cdb:dockerHost must be unix:///<socket path>, npipe:////./pipe/<name>, tcp://<host>:<port> or ssh://[user@]<host>[:port], got [secret]"]);
  });

  it("rejects hardening off and source builds in live", () => {
    const p = problems("live", { ...liveBase, allocation: liveRules, hardening: false, sourceDir: "../src" }, MEXC);
    expect(p).toContain("cdb:hardening must be true in live, got false");
    expect(p).toContain('cdb:sourceDir is not allowed in live: live runs only images pinned by digest, got "../src"');
  });

  it("asks for an image source when neither images nor sourceDir are set", () => {
    expect(problems("paper", {})).toContain("cdb:images.ws is required: set an image or cdb:sourceDir to build from a checkout");
  });
});
