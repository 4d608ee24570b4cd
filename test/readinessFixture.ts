import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { loadCatalog, REPO_ROOT } from "../readiness/catalog";
import type { Evidence } from "../readiness/evidence";
import { configDigest } from "../readiness/digest";
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
 * A complete evidence file's content for a stack whose config digest is
 * `digest`: every attested item, each artifact written into `dir` (which must
 * lie inside `root`, the repository the gate reads artifacts from).
 */
export function completeEvidence(dir: string, digest: string, now: Date, root = REPO_ROOT): Omit<Evidence, "file"> {
  const at = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const items: Evidence["items"] = {};
  for (const item of loadCatalog().items) {
    if (item.kind === "machine") continue;
    const entry: Evidence["items"][string] = { by: "janne", at };
    if (item.twoPerson) entry.approvedBy = "mara";
    if (item.threshold) entry.value = item.threshold.min + 1;
    if (item.artifact) {
      const file = path.join(dir, `${item.id}.txt`);
      const content = `evidence for ${item.id}\n`;
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
  const digest = configDigest(viewOf(loadStackConfigFile("live", liveConfig)).plan);
  const evidence = completeEvidence(dir, digest, now);
  const evidenceFile = path.join(dir, "live.evidence.yaml");
  const write = (e: unknown = evidence) => {
    writeFileSync(evidenceFile, typeof e === "string" ? e : stringify(e));
    return evidenceFile;
  };
  write();
  return { dir, liveConfig, evidenceFile, evidence, now, write };
}
