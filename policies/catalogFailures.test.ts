import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liveSettings, LIVE_SECRETS } from "../test/mockRun";
import { makeFixture } from "../test/readinessFixture";

// The catalog path is deliberately not configurable for live (a shorter
// catalog would be a bypass; readiness/trustRoot.ts), so these tests swap the
// modules' default paths instead.

async function withCatalog(contents: string | undefined) {
  const fx = makeFixture();
  const file = path.join(fx.dir, "checklist.yaml");
  if (contents !== undefined) writeFileSync(file, contents);
  // Evidence that names no item, so only the catalog can be at fault.
  fx.write({ ...fx.evidence, items: {} });
  vi.resetModules();
  vi.doMock("../readiness/catalog", async (importOriginal) => ({ ...(await importOriginal<object>()), DEFAULT_CATALOG: file }));
  // The repository's evidence and allowed_signers too: a live gate reads no other (readiness/trustRoot.ts).
  vi.doMock("../platform/paths", async (importOriginal) => ({ ...(await importOriginal<object>()), defaultEvidenceFile: () => fx.evidenceFile }));
  vi.doMock("../readiness/allowedSigners", async (importOriginal) => ({ ...(await importOriginal<object>()), DEFAULT_ALLOWED_SIGNERS: fx.allowedSigners }));
  const harness = await import("../test/policyHarness");
  await harness.useStack("live", liveSettings(), LIVE_SECRETS);
  const { liveReadiness } = await import("./liveReadiness");
  const { liveTradingGate } = await import("./liveTradingGate");
  const resources = harness.declared("live", liveSettings(), LIVE_SECRETS);
  return {
    stack: await harness.stackViolations(liveReadiness, resources),
    executor: await harness.resourceViolations(liveTradingGate, harness.named(resources, "cdb_execution")),
  };
}

afterEach(() => {
  vi.doUnmock("../readiness/catalog");
  vi.doUnmock("../platform/paths");
  vi.doUnmock("../readiness/allowedSigners");
});

describe("readiness policies with a broken catalog", () => {
  it("refuse when the catalog file is deleted", async () => {
    const { stack, executor } = await withCatalog(undefined);
    expect(stack).toEqual([expect.stringMatching(/^live-readiness could not be evaluated, so it refuses: UnusableInput: .*checklist\.yaml: file not found$/)]);
    expect(executor).toEqual([expect.stringMatching(/^live-trading-gate could not be evaluated, so it refuses: UnusableInput: .*file not found$/)]);
  });

  it("refuse when the catalog is empty: zero evaluated items is not ready", async () => {
    const { stack, executor } = await withCatalog("version: 1\nsections: {}\nitems: []\n");
    expect(stack).toEqual(["live-readiness: the checklist has no item, nothing was evaluated"]);
    expect(executor).toEqual(["live-trading-gate (cdb_execution): the checklist has no item, nothing was evaluated"]);
  });
});
