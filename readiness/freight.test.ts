import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { completeEvidence, makeFixture, soakedSubjects } from "../test/readinessFixture";
import { REPO_ROOT } from "./catalog";
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
      subjects: soakedSubjects({ execution: `registry.example/cdb/execution@sha256:${hex("2")}` }),
    });
    const images = soakedImagesOf(statement)!;
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ service: "execution", repoDigests: [`registry.example/cdb/execution@sha256:${hex("2")}`] });
    expect(soakedImagesOf({ item: "stability.paper-orders", filled: 120 })).toBeUndefined();
    expect(soakedImagesOf({ subject: [{ name: "execution", digest: { sha256: "short" } }] })).toBeUndefined();
  });
});

describe("the gate with freight (live stack, fixture evidence)", () => {
  const freightItems = ["stability.paper-orders", "stability.observation-window"];

  it("counts the paper stability items when live pins the soaked images", () => {
    const fx = makeFixture();
    const gate = runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig }, now: fx.now });
    expect(gate.verdict.ready).toBe(true);
    expect(gate.freight.map((f) => f.service)).toContain("execution");
    expect(gate.freight.every((f) => f.soaked && f.windows.length === 2)).toBe(true);
  });

  it("fails them, naming the service, when one live image differs from the soaked one (evidence otherwise valid)", () => {
    const fx = makeFixture();
    const { plan } = viewOf(loadStackConfigFile("live", fx.liveConfig));
    const other = { ...pinsOf(plan), execution: `registry.example/cdb/execution@sha256:${hex("f")}` };
    fx.write(completeEvidence(fx.dir, fx.evidence.configDigest, fx.now, REPO_ROOT, other));
    const gate = runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig }, now: fx.now });
    expect(gate.verdict.ready).toBe(false);
    const open = gate.verdict.items.filter((i) => i.status !== "satisfied");
    expect(open.map((i) => i.id).sort()).toEqual([...freightItems].sort());
    for (const i of open) {
      expect(i.status).toBe("failed");
      expect(i.reason).toMatch(/^not the soaked freight: .*: execution: live pins sha256:[0-9a-f]{12}…, paper soaked image sha256:[0-9a-f]{12}… \(RepoDigests sha256:ffffffffffff…\)$/);
    }
    expect(gate.freight.find((f) => f.service === "execution")!.soaked).toBe(false);
    expect(gate.freight.find((f) => f.service === "risk")!.soaked).toBe(true);
  });

  it("fails them when the artifact is no record naming images (a hand-made file with a matching hash)", () => {
    const fx = makeFixture();
    const e = structuredClone(fx.evidence);
    const file = path.join(fx.dir, "hand-made.json");
    const text = JSON.stringify({ item: "stability.paper-orders", filled: 120 });
    writeFileSync(file, text);
    e.items["stability.paper-orders"]!.artifacts = [{ path: path.relative(REPO_ROOT, file), sha256: createHash("sha256").update(text).digest("hex") }];
    fx.write(e);
    const gate = runGate({ stack: "live", evidenceFile: fx.evidenceFile, configFiles: { live: fx.liveConfig }, now: fx.now });
    const item = gate.verdict.items.find((i) => i.id === "stability.paper-orders")!;
    expect(item).toMatchObject({ status: "failed" });
    expect(item.reason).toContain("hand-made.json is no record naming the soaked images");
  });

  it("describes the freight a promotion ships: per app service the pin and the paper windows", () => {
    const fx = makeFixture();
    const { plan } = viewOf(loadStackConfigFile("live", fx.liveConfig));
    const records = freightItems.flatMap((id) => fx.evidence.items[id]!.artifacts!);
    const lines = describeFreight(REPO_ROOT, records, pinsOf(plan));
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({ soaked: true, windows: [{ record: records[0]!.path }, { record: records[1]!.path }] });
  });
});
