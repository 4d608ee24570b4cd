import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { loadCatalog, REPO_ROOT } from "../readiness/catalog";
import type { Evidence } from "../readiness/evidence";
import { configDigest } from "../readiness/digest";
import { FREIGHT_SERVICES, pinnedDigest, pinsOf } from "../readiness/freight";
import { makeStatement, type Subject } from "../readiness/records";
import { loadStackConfigFile, viewOf } from "../readiness/stackView";
import { liveSettings } from "./mockRun";
import { repoTmpDir } from "./repoTmp";

// A complete, valid readiness case built from scratch: a live stack config,
// artifacts inside the repository (a git-ignored folder) and an evidence file
// with every catalog item. Tests break it one piece at a time.

export interface Fixture {
  dir: string;
  liveConfig: string;
  evidenceFile: string;
  evidence: Omit<Evidence, "file">;
  now: Date;
  write(evidence?: unknown): string;
}

export function liveConfigYaml(overrides: Record<string, unknown> = {}): string {
  const settings = { ...liveSettings(), ...overrides };
  const config: Record<string, unknown> = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`cdb:${k}`, v]));
  config["cdb:mexcApiKey"] = { secure: "v1:AAAAfixtureKey" };
  config["cdb:mexcApiSecret"] = { secure: "v1:AAAAfixtureSecret" };
  return stringify({ config });
}

/**
 * Subjects of a paper record that soaked these images: per app service an
 * image (a made-up id) whose RepoDigests hold the pin, as after `docker push`.
 */
export function soakedSubjects(images: Readonly<Record<string, string>>): Subject[] {
  return FREIGHT_SERVICES.filter((s) => images[s] !== undefined).map((service) => {
    const pin = images[service]!;
    const pushed = pinnedDigest(pin) !== undefined && pin.includes("@");
    return {
      name: service,
      digest: { sha256: pushed ? createHash("sha256").update(`image of ${pin}`).digest("hex") : pin.replace(/^sha256:/, "") },
      annotations: { container: `cdbpaper_${service}`, image: `cdbpaper_${service}:local`, repoDigests: pushed ? [pin] : [] },
    };
  });
}

/** The paper record a freight item's entry carries: valid figures for `value`, subjects the soaked images. */
export function freightRecord(id: string, value: number, at: string, subjects: Subject[]): unknown {
  const to = at;
  const from = new Date(Date.parse(at) - value * 3_600_000).toISOString();
  const base = { stack: "paper", mode: "paper" as const, by: "janne", window: { from, to }, outcome: "measured" as const, subjects };
  if (id === "stability.paper-orders") {
    const orderIds = Array.from({ length: value }, (_, i) => `MOCK_${i}`);
    return makeStatement({ ...base, kind: "paper-orders", figures: { stream: "stream.order_results", since: from, filled: value, rejected: 0, errors: 0, duplicates: 0, otherStatus: 0, nonPaperIds: 0, scanned: value, startsAfterSince: false, orderIds } });
  }
  return makeStatement({ ...base, kind: "observation-window", figures: { since: from, containers: FREIGHT_SERVICES.map((s) => ({ name: `cdbpaper_${s}`, running: true, startedAt: from })), events: [] } });
}

/**
 * A complete evidence file's content for a stack whose config digest is
 * `digest`: every attested item, each artifact written into `dir` (which must
 * lie inside `root`, the repository the gate reads artifacts from). The
 * freight items' records name `soaked` (service → image) as paper's images.
 */
export function completeEvidence(dir: string, digest: string, now: Date, root = REPO_ROOT, soaked: Readonly<Record<string, string>> = {}): Omit<Evidence, "file"> {
  const at = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const items: Evidence["items"] = {};
  for (const item of loadCatalog().items) {
    if (item.kind === "machine") continue;
    const entry: Evidence["items"][string] = { by: "janne", at };
    if (item.twoPerson) entry.approvedBy = "mara";
    if (item.threshold) entry.value = item.threshold.min + 1;
    if (item.artifact) {
      const file = path.join(dir, `${item.id}.${item.freight ? "json" : "txt"}`);
      const content = item.freight ? JSON.stringify(freightRecord(item.id, entry.value!, at, soakedSubjects(soaked)), null, 2) + "\n" : `evidence for ${item.id}\n`;
      writeFileSync(file, content);
      entry.artifacts = [{ path: path.relative(root, file).split(path.sep).join("/"), sha256: createHash("sha256").update(content).digest("hex") }];
    }
    items[item.id] = entry;
  }
  return { version: 1 as const, stack: "live", configDigest: digest, items };
}

export function makeFixture(now = new Date()): Fixture {
  const dir = repoTmpDir("readiness-");
  const liveConfig = path.join(dir, "Pulumi.live.yaml");
  writeFileSync(liveConfig, liveConfigYaml());
  const { plan } = viewOf(loadStackConfigFile("live", liveConfig));
  const evidence = completeEvidence(dir, configDigest(plan), now, REPO_ROOT, pinsOf(plan));
  const evidenceFile = path.join(dir, "live.evidence.yaml");
  const write = (e: unknown = evidence) => {
    writeFileSync(evidenceFile, typeof e === "string" ? e : stringify(e));
    return evidenceFile;
  };
  write();
  return { dir, liveConfig, evidenceFile, evidence, now, write };
}
