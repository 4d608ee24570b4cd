import { describe, expect, it } from "vitest";
import type { StackPlan } from "../model/plan";
import { completeEvidence, makeFixture, soakedSubjects } from "../test/readinessFixture";
import { REPO_ROOT } from "../platform/paths";
import { loadCatalog } from "./catalog";
import { describeFreight, freightProblems, pinnedDigest, pinsOf, soakedImagesOf, type SoakedImage } from "./freight";
import { runGate } from "./gate";
import { makeStatement } from "./records";
import { loadStackConfigFile, viewOf } from "./stackView";

// Freight: the stability items measured on paper count for live only when
// live pins the images paper soaked.

const hex = (c: string) => c.repeat(64);
const soaked = (over: Partial<SoakedImage> = {}): SoakedImage => ({
  service: "execution",
  container: "cdbpaper_execution",
  imageId: `sha256:${hex("1")}`,
  repoDigests: [`registry.example/cdb/execution@sha256:${hex("2")}`],
  ref: "cdbpaper_execution:local",
  ...over,
});

describe("the freight comparison", () => {
  it("reads a pin's digest from repo@sha256:… and from a bare image id, nothing else", () => {
    expect(pinnedDigest(`reg.example/x@sha256:${hex("a")}`)).toBe(`sha256:${hex("a")}`);
    expect(pinnedDigest(`sha256:${hex("a")}`)).toBe(`sha256:${hex("a")}`);
    expect(pinnedDigest("reg.example/x:1.2")).toBeUndefined();
    expect(pinnedDigest(`reg.example/x:sha256-${hex("a")}`)).toBeUndefined();
  });

  it("accepts a pin naming the soaked image's registry digest (repository not compared) or its image id", () => {
    expect(freightProblems({ execution: `registry.example/cdb/execution@sha256:${hex("2")}` }, [soaked()])).toEqual([]);
    expect(freightProblems({ execution: `mirror.example/other@sha256:${hex("2")}` }, [soaked()])).toEqual([]);
    expect(freightProblems({ execution: `sha256:${hex("1")}` }, [soaked()])).toEqual([]);
  });

  it("refuses another image, a tag, a service paper did not run, and a service that ran two images", () => {
    expect(freightProblems({ execution: `registry.example/cdb/execution@sha256:${hex("3")}` }, [soaked()])).toEqual([
      `execution: live pins sha256:333333333333…, paper soaked image sha256:111111111111… (RepoDigests sha256:222222222222…)`,
    ]);
    expect(freightProblems({ execution: `sha256:${hex("3")}` }, [soaked({ repoDigests: [] })])[0]).toMatch(/never pushed: no RepoDigests/);
    expect(freightProblems({ execution: "registry.example/cdb/execution:1.0" }, [soaked()])).toEqual(["execution: registry.example/cdb/execution:1.0 is not pinned by digest"]);
    expect(freightProblems({ risk: `sha256:${hex("1")}` }, [soaked()])).toEqual(["risk: paper's record names no image for it"]);
    const two = [soaked(), soaked({ imageId: `sha256:${hex("4")}`, repoDigests: [] })];
    expect(freightProblems({ execution: `sha256:${hex("1")}` }, two)).toHaveLength(1);
  });

  it("compares the app services only: infra images (public, pinned on their own) are not freight", () => {
    expect(freightProblems({ redis: `sha256:${hex("9")}`, grafana: "grafana/grafana:11" }, [soaked()])).toEqual([]);
  });

  it("reads soaked images from a record's in-toto subjects, and nothing from other JSON", () => {
    const statement = makeStatement({
      kind: "observation-window", stack: "paper", mode: "paper", by: "janne", window: { from: "2026-11-01T00:00:00Z", to: "2026-11-03T00:00:00Z" }, outcome: "measured",
      figures: { since: "2026-11-01T00:00:00Z", containers: [{ name: "cdbpaper_execution", running: true }], events: [] },
      subjects: [{ name: "execution", digest: { sha256: hex("1") }, annotations: { container: "cdbpaper_execution", image: "cdbpaper_execution:local", repoDigests: [`registry.example/cdb/execution@sha256:${hex("2")}`] } }],
    });
    expect(soakedImagesOf(statement)).toEqual([soaked()]);
    expect(soakedImagesOf({ item: "stability.paper-orders", filled: 120 })).toBeUndefined();
    expect(soakedImagesOf({ subject: [{ name: "execution", digest: { sha256: "short" } }] })).toBeUndefined();
  });
});

describe("the gate with freight (live stack, fixture evidence: signed records)", { timeout: 30_000 }, () => {
  // Every freight item of the checklist (paper orders, observation window, candles, regime).
  const freightItems = loadCatalog().items.filter((i) => i.freight).map((i) => i.id);
  /** The fixture's evidence, its records naming paper images changed by `change`. */
  function rewritten(change: (paper: StackPlan) => void) {
    const fx = makeFixture();
    const paper = structuredClone(viewOf(loadStackConfigFile("live", fx.liveConfig)).plan);
    change(paper);
    fx.write(completeEvidence(fx.dir, fx.evidence.configDigest, fx.now, REPO_ROOT, soakedSubjects(paper)));
    return { fx, gate: runGate(fx.gateRequest()) };
  }

  it("counts the paper stability items when live pins the soaked images", () => {
    const fx = makeFixture();
    const gate = runGate(fx.gateRequest());
    expect(gate.verdict.items.filter((i) => i.status !== "satisfied")).toEqual([]);
    expect(gate.freight.map((f) => f.service)).toContain("execution");
    expect(freightItems.length).toBeGreaterThanOrEqual(4);
    expect(gate.freight.every((f) => f.soaked && f.windows.length === freightItems.length)).toBe(true);
  });

  it("fails them, naming the service, when one live image differs from the soaked one (records signed and valid)", () => {
    const { gate } = rewritten((paper) => (paper.containers.find((c) => c.service === "execution")!.image = { kind: "ref", ref: `registry.example/cdb/execution@sha256:${hex("f")}` }));
    const open = gate.verdict.items.filter((i) => i.status !== "satisfied");
    // The fixture's rehearsals ran that execution image too: they fail as well (finding 3 of issue 22), with their own reason.
    const rehearsed = open.filter((i) => i.id.startsWith("execution."));
    expect(rehearsed.map((i) => i.id).sort()).toEqual(["execution.partial-fill-tested", "execution.rate-limits", "execution.retry-tested", "execution.timeout-tested"]);
    for (const i of rehearsed) expect(i).toMatchObject({ status: "failed", reason: expect.stringMatching(/^not live's image: \S+: execution: live pins sha256:[0-9a-f]{12}…, the rehearsal ran image sha256:ffffffffffff… \(never pushed: no RepoDigests\)$/) });
    // The kill-switch drill exercised that execution image too (DRILLED_SERVICES): it fails as well.
    const drilled = open.filter((i) => i.id.startsWith("killswitch."));
    expect(drilled.map((i) => i.id)).toEqual(["killswitch.manual-drill"]);
    expect(drilled[0]).toMatchObject({ status: "failed", reason: expect.stringMatching(/^not live's image: \S+: execution: live pins sha256:[0-9a-f]{12}…, the paper ran image sha256:ffffffffffff… \(never pushed: no RepoDigests\)$/) });
    const freight = open.filter((i) => !i.id.startsWith("execution.") && !i.id.startsWith("killswitch."));
    expect(freight.map((i) => i.id).sort()).toEqual([...freightItems].sort());
    for (const i of freight) {
      expect(i.status).toBe("failed");
      expect(i.reason).toMatch(/^not the soaked freight: \S+: execution: live pins sha256:[0-9a-f]{12}…, paper soaked image sha256:ffffffffffff… \(never pushed: no RepoDigests\)$/);
    }
    expect(gate.freight.find((f) => f.service === "execution")!.soaked).toBe(false);
    expect(gate.freight.find((f) => f.service === "risk")!.soaked).toBe(true);
  });

  // Issue 22: a drill proves the behaviour of the images it exercised; it counts for live only when
  // live pins those (a drill of yesterday's images, or of another stack's, proves nothing for today's pins).
  it("binds each paper drill to the images of the services it exercised, and to those only", () => {
    const other = (service: string) => (paper: StackPlan) => (paper.containers.find((c) => c.service === service)!.image = { kind: "ref", ref: `registry.example/cdb/${service}@sha256:${hex("e")}` });
    const drills = ["killswitch.manual-drill", "killswitch.allocation-zero", "killswitch.risk-blocks-zero", "stability.allocation-restart"];
    const openDrills = (service: string) =>
      rewritten(other(service))
        .gate.verdict.items.filter((i) => drills.includes(i.id) && i.status !== "satisfied")
        .map((i) => i.id)
        .sort();
    // signal: only the allocation-zero drill (both its items) watched it; allocation: every drill but none other.
    expect(openDrills("signal")).toEqual(["killswitch.allocation-zero", "killswitch.risk-blocks-zero"]);
    expect(openDrills("allocation")).toEqual([...drills].sort());
    expect(openDrills("risk")).toEqual(["killswitch.allocation-zero", "killswitch.manual-drill", "killswitch.risk-blocks-zero"]);
    // candles: no drill exercised it (the soak items still fail on it, their own binding).
    expect(openDrills("candles")).toEqual([]);
  });

  it("fails them when paper's records name no image for a service live runs", () => {
    const { gate } = rewritten((paper) => (paper.containers = paper.containers.filter((c) => c.service !== "risk")));
    for (const id of freightItems) expect(gate.verdict.items.find((i) => i.id === id)).toMatchObject({ status: "failed", reason: expect.stringMatching(/risk: paper's record names no image for it$/) });
  });

  it("does not check freight for a stack that does not trade live (paper)", () => {
    const fx = makeFixture();
    const gate = runGate({ ...fx.gateRequest(), stack: "paper", configFiles: undefined, evidenceFile: undefined });
    expect(gate.freight).toEqual([]);
  });

  it("describes the freight a promotion ships: per app service the pin and the paper windows", () => {
    const fx = makeFixture();
    const { plan } = viewOf(loadStackConfigFile("live", fx.liveConfig));
    const records = freightItems.flatMap((id) => fx.evidence.items[id]!.artifacts!);
    const lines = describeFreight(REPO_ROOT, records, pinsOf(plan));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({ soaked: true, windows: records.map((r) => ({ record: r.path })) });
  });
});
