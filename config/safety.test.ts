import { describe, expect, it } from "vitest";
import type { RawSetting } from "./load";
import { safetyViolations } from "./safety";

const raw = (settings: Record<string, unknown>, secret: Record<string, boolean> = {}) =>
  new Map<string, RawSetting>(Object.entries(settings).map(([k, value]) => [k, { value, secret: secret[k] ?? false }]));
const PINNED = `registry.example/cdb/execution@sha256:${"a".repeat(64)}`;

describe("safety rules on raw settings", () => {
  it("passes the defaults and limits within the runbook's bounds", () => {
    expect(safetyViolations("live", raw({ mode: "live", risk: { maxPositionPct: 0.05, maxTotalExposurePct: 0.3 }, images: { execution: PINNED } }))).toEqual([]);
    expect(safetyViolations("paper", raw({}))).toEqual([]);
  });

  it("refuses a risk limit beyond its bound in any stack, also written as text, zero, negative or not a number", () => {
    for (const v of [0.5, "0.5", 0, -0.01, "1e0", "abc", null]) {
      expect(safetyViolations("paper", raw({ risk: { maxPositionPct: v } })), JSON.stringify(v)).toHaveLength(1);
    }
    expect(safetyViolations("live", raw({ risk: { maxDailyDrawdownPct: 0.06 } }))).toEqual(["cdb:risk.maxDailyDrawdownPct=0.06 is outside (0, 0.05]: the runbook's bound"]);
  });

  it("refuses a credential stored in plaintext without echoing it", () => {
    const v = safetyViolations("paper", raw({ mexcApiKey: "mx0-plaintext-key" }, { mexcApiKey: false }));
    expect(v).toEqual(["cdb:mexcApiKey is stored in plaintext: set it with --secret"]);
    expect(v.join()).not.toContain("mx0-plaintext-key");
    expect(safetyViolations("paper", raw({ mexcApiKey: "x" }, { mexcApiKey: true }))).toEqual([]);
  });

  it("in live (by mode, or by the stack's name), refuses unpinned images, a build and hardening off", () => {
    const unsafe = { images: { execution: "registry.example/cdb/execution:latest" }, sourceDir: "/src", hardening: false };
    for (const [stack, mode] of [["live", "paper"], ["other", "live"]] as const) {
      expect(safetyViolations(stack, raw({ mode, ...unsafe })), `${stack}/${mode}`).toEqual([
        "cdb:images.execution is not pinned by digest in a live stack (…@sha256:<64 hex>)",
        "cdb:sourceDir is set in a live stack: live runs pinned registry images and builds none",
        "cdb:hardening is false in a live stack: it must stay true",
      ]);
    }
    expect(safetyViolations("paper", raw({ mode: "paper", ...unsafe }))).toEqual([]);
  });
});
