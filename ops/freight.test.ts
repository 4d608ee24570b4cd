import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { APP_SERVICES } from "../config/services";
import { REPO_ROOT } from "../platform/paths";
import { loadCatalog } from "../readiness/catalog";
import { FREIGHT_SERVICES, imageBindingOf } from "../readiness/freight";
import { runGate } from "../readiness/gate";
import { doublesAround } from "../test/doublesAround";
import { liveImages } from "../test/mockRun";
import { npxCdb } from "../test/npxCdb";
import { paperStackFile } from "../test/opsStack";
import { completeEvidence, liveConfigYaml, writeFixtureSigners } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { dockerTarget } from "./docker";
import { PINNED_SERVICES, pinCommands, type FreightPin } from "./freight";
import { imageSubjects } from "./recordSubjects";
import { stackPlan } from "./target";
import { configDigest } from "../readiness/digest";
import { loadStackConfigFile, viewOf } from "../readiness/stackView";

// From paper's images to live's pins, on a paper stack of TEST DOUBLES (one
// locally built image, never pushed: so the pins are image ids, the same-host path).

const t = dockerTarget();
const STACK = "freighttest";
const config = paperStackFile(STACK);
const { plan } = stackPlan(STACK, config);

describe("cdb freight on a paper stack of test doubles", () => {
  const doubles = doublesAround(t, plan, { only: ["redis", ...APP_SERVICES] });

  it("prints the live pin of every image paper runs, infrastructure included: the image id when it was never pushed; names those it cannot pin (exit 1)", async () => {
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    const r = await npxCdb(["freight", "--stack", STACK, "--stack-config", config, "--json"]);
    const pins = JSON.parse(r.out) as FreightPin[];
    // The doubles run redis and the app services: redis is pinned too, not soaked (the gate does not compare it).
    expect(pins.map((p) => p.service).sort()).toEqual([...FREIGHT_SERVICES, "redis"].sort());
    for (const p of pins) expect(p).toMatchObject({ imageId, repoDigests: [], pin: imageId, reach: "same-host", container: `cdb${STACK}_${p.service}`, soaked: p.service !== "redis" });
    // Every other service live pins has no container here: each named on stderr, and the list is not whole (1).
    const absent = PINNED_SERVICES.filter((s) => !pins.some((p) => p.service === s) && plan.containers.some((c) => c.service === s));
    expect(absent).toEqual(expect.arrayContaining(["postgres", "grafana", "witness"]));
    expect(r.err.trim().split("\n").sort()).toEqual(absent.map((s) => `cdb: cdb:images.${s}: cdb${STACK}_${s} does not run on ${t.host}: no pin for it`).sort());
    expect(r.code).toBe(1);
    const text = await npxCdb(["freight", "--stack", STACK, "--stack-config", config]);
    expect(text.out.split("\n")).toContain(`pulumi config set -s live --path cdb:images.execution ${imageId}   # image id: never pushed, runs on this Docker host only`);
  }, 60_000);

  it("live pinned with those commands passes the freight check on records of what paper ran; another image fails it", async () => {
    const pins = JSON.parse((await npxCdb(["freight", "--stack", STACK, "--stack-config", config, "--json"])).out) as FreightPin[];
    const dir = repoTmpDir("freight-");
    const liveConfig = path.join(dir, "Pulumi.live.yaml");
    const images = liveImages(Object.fromEntries(pins.map((p) => [p.service, p.pin])));
    writeFileSync(liveConfig, liveConfigYaml({ images }));
    const now = new Date();
    // The records name what Docker says paper's containers run (as cdb evidence collect writes them), signed.
    const subjects = await imageSubjects(t, plan.containers.filter((c) => FREIGHT_SERVICES.includes(c.service)).map((c) => ({ service: c.service, container: c.name })));
    const evidence = completeEvidence(dir, configDigest(viewOf(loadStackConfigFile("live", liveConfig)).plan), now, REPO_ROOT, subjects);
    const allowedSignersFile = writeFixtureSigners(path.join(dir, "allowed_signers"));
    const evidenceFile = path.join(dir, "live.evidence.yaml");
    writeFileSync(evidenceFile, JSON.stringify(evidence));
    const gate = runGate({ stack: "live", evidenceFile, configFiles: { live: liveConfig }, allowedSignersFile, now });
    expect(gate.verdict.items.filter((i) => i.status !== "satisfied")).toEqual([]);
    expect(gate.freight.every((f) => f.soaked)).toBe(true);

    // A pin of another image: same evidence rebound to the new digest and signed again: only the items
    // bound to that service's image stand in the way. Risk: the paper freight items and the drills that
    // exercised risk (DRILLED_SERVICES); execution: also the rehearsal items (their records must name the
    // execution image live pins).
    const openWith = (service: string) => {
      writeFileSync(liveConfig, liveConfigYaml({ images: { ...images, [service]: `sha256:${"e".repeat(64)}` } }));
      writeFileSync(evidenceFile, JSON.stringify(completeEvidence(dir, configDigest(viewOf(loadStackConfigFile("live", liveConfig)).plan), now, REPO_ROOT, subjects)));
      const other = runGate({ stack: "live", evidenceFile, configFiles: { live: liveConfig }, allowedSignersFile, now });
      return other.verdict.items.filter((i) => i.status !== "satisfied").map((i) => `${i.id} ${i.status}`).sort();
    };
    const catalog = loadCatalog().items;
    const freightItems = catalog.filter((i) => i.freight).map((i) => `${i.id} failed`);
    expect(freightItems.length).toBeGreaterThanOrEqual(4);
    const riskBound = catalog.filter((i) => imageBindingOf(i)?.services.includes("risk")).map((i) => `${i.id} failed`);
    expect(riskBound).toEqual(expect.arrayContaining([...freightItems, "killswitch.manual-drill failed", "killswitch.allocation-zero failed", "killswitch.risk-blocks-zero failed"]));
    expect(openWith("risk")).toEqual(riskBound.sort());
    const executionBound = catalog.filter((i) => imageBindingOf(i)?.services.includes("execution")).map((i) => `${i.id} failed`);
    expect(executionBound.length).toBeGreaterThan(freightItems.length);
    expect(openWith("execution")).toEqual(executionBound.sort());
  }, 60_000);

  it("writes the pin commands for another live stack name", () => {
    const pin: FreightPin = { service: "risk", container: "cdbpaper_risk", imageId: `sha256:${"1".repeat(64)}`, repoDigests: [`reg.example/cdb/risk@sha256:${"2".repeat(64)}`], pin: `reg.example/cdb/risk@sha256:${"2".repeat(64)}`, reach: "registry", soaked: true };
    expect(pinCommands([pin], "live2")).toEqual([`pulumi config set -s live2 --path cdb:images.risk reg.example/cdb/risk@sha256:${"2".repeat(64)}`]);
  });
});
