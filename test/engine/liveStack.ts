import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { keyFingerprint } from "../../config/schema";
import { configDigest } from "../../readiness/digest";
import { loadStackConfigFile, viewOf } from "../../readiness/stackView";
import { liveImages } from "../mockRun";
import { completeEvidence, soakedSubjects, writeFixtureSigners } from "../readinessFixture";
import type { EngineWorkspace } from "./workspace";

// The live stack of an engine workspace, completed as an operator would:
// key and secret with --secret, the fingerprint, every image pinned by digest.

export const LIVE_KEY = "mx0-live-key-ENGINE-1111";
export const LIVE_SECRET = "mx0-live-secret-ENGINE-2222";

/** Throws (rather than vitest's expect) so that bench/ can use it too. */
export async function pulumiOk(ws: EngineWorkspace, args: string[]): Promise<void> {
  const r = await ws.pulumi(args);
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
}

export async function initLiveStack(ws: EngineWorkspace): Promise<void> {
  await pulumiOk(ws, ["stack", "init", "live"]);
  // One `config set-all` for the 23 settings: each CLI start costs CPU, and the suite is CPU-bound.
  const images = Object.entries(liveImages()).flatMap(([s, ref]) => ["--plaintext", `cdb:images.${s}=${ref}`]);
  await pulumiOk(ws, ["config", "set-all", "-s", "live", "--path", "--secret", `cdb:mexcApiKey=${LIVE_KEY}`, "--secret", `cdb:mexcApiSecret=${LIVE_SECRET}`, "--plaintext", `cdb:mexcKeyFingerprint=${keyFingerprint(LIVE_KEY)}`, ...images]);
}

export const liveConfigFile = (ws: EngineWorkspace) => path.join(ws.project, "Pulumi.live.yaml");
export const liveEvidenceFile = (ws: EngineWorkspace) => path.join(ws.project, "readiness", "live.evidence.yaml");
/** Where the workspace's gate (its own copy of the project) reads the allowed signers. */
export const allowedSignersFile = (ws: EngineWorkspace) => path.join(ws.project, "readiness", "allowed_signers");
/** Under readiness/artifacts, where records belong: anywhere else among the sources, a JSON file makes the build stale (scripts/bin/buildStamp.cjs). */
export const engineArtifactsDir = (ws: EngineWorkspace) => path.join(ws.project, "readiness", "artifacts", "engine");

/**
 * Complete, fresh evidence bound to the live config's current digest, as the
 * project's own functions write it: signed records (their subjects the live
 * stack's pinned app images, the freight paper soaked, unless `soaked` names
 * other images: service → reference) and entries signed by throwaway keys that
 * the workspace's readiness/allowed_signers lists. Returns the digest.
 */
export function writeLiveEvidence(ws: EngineWorkspace, soaked: Record<string, string> = {}): string {
  const dir = engineArtifactsDir(ws);
  mkdirSync(dir, { recursive: true });
  const plan = viewOf(loadStackConfigFile("live", liveConfigFile(ws))).plan;
  const digest = configDigest(plan);
  const paper = structuredClone(plan);
  for (const c of paper.containers) if (soaked[c.service] !== undefined) c.image = { kind: "ref", ref: soaked[c.service]! };
  writeFixtureSigners(allowedSignersFile(ws));
  writeFileSync(liveEvidenceFile(ws), stringify(completeEvidence(dir, digest, new Date(), ws.project, soakedSubjects(paper), undefined, LIVE_KEY)));
  return digest;
}
