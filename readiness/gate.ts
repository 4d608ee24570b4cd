import { existsSync } from "node:fs";
import { loadAllowedSigners } from "./allowedSigners";
import path from "node:path";
import { isLiveStack } from "../config/safety";
import { planStack, type StackPlan } from "../model/plan";
import { loadCatalog, type Catalog } from "./catalog";
import { REPO_ROOT } from "../platform/paths";
import { configDigest } from "./digest";
import { loadEvidence, type Evidence } from "./evidence";
import { evaluateReadiness, PENDING_DIGEST, type Verdict } from "./evaluate";
import { ArtifactHashes } from "./artifacts";
import { factsFromResources, type ResourceRecord } from "./facts";
import { describeFreight, pinsOf, type FreightLine } from "./freight";
import { IncompleteStackConfig, loadStackConfigFile, viewOf } from "./stackView";
import { askedAt, type AskedFiles, gatesLive, trustFiles, type TrustFiles } from "./trustRoot";

export interface GateRequest {
  stack: string;
  /**
   * Files a person asked for at an entry point (the CLI's flags); the
   * environment's (CDB_EVIDENCE_FILE, CDB_ALLOWED_SIGNERS) are added here.
   * Refused for a live stack (readiness/trustRoot.ts).
   */
  asked?: AskedFiles;
  /**
   * Unit tests of the evaluation only: files instead of the repository's. No
   * entry point a person runs (CLI, program, pack) passes them. An evidence file named here must exist.
   */
  evidenceFile?: string;
  catalogFile?: string;
  allowedSignersFile?: string;
  /** Stack config files, by stack name, instead of the repo's Pulumi.<stack>.yaml. */
  configFiles?: Record<string, string>;
  /** Unit tests only: the bytes of artifacts this evaluation may hash (default MAX_ARTIFACT_BYTES_PER_EVALUATION). */
  artifactBudgetBytes?: number;
  now?: Date;
  /**
   * The gated stack as declared. Defaults to its Pulumi.<stack>.yaml; the
   * program and the policy pack pass what the engine gave them instead.
   */
  target?: { plan: StackPlan; resources: Iterable<ResourceRecord> };
}

export interface GateResult {
  verdict: Verdict;
  catalog: Catalog;
  evidenceFile: string;
  /** Facts worth telling that are not item results (e.g. no evidence file yet). */
  notes: string[];
  configDigest: string;
  /** A live stack's freight: per app service its pinned image and the paper windows that soaked it. */
  freight: FreightLine[];
}

/** Section of the items that name missing operator settings (not a checklist section). */
export const CONFIG_SECTION = "config";

/**
 * The stack's config lacks operator settings: each one is a blocking item, and
 * the checklist itself cannot be evaluated until they are set (no plan, no digest).
 */
function incompleteConfigResult(req: GateRequest, e: IncompleteStackConfig): GateResult {
  const files = trustFilesOf(req, gatesLive(req.stack, req.configFiles?.[req.stack]));
  const catalog = loadCatalog(files.catalog);
  const evidenceFile = files.evidence;
  // A broken evidence file is still unusable input, whatever the config.
  const evidence = files.evidenceNamed || existsSync(evidenceFile) ? loadEvidence(evidenceFile, req.stack, catalog) : undefined;
  const items = e.missing.map((m) => ({ id: `${CONFIG_SECTION}.${m.key.replace(/^cdb:/, "")}`, section: CONFIG_SECTION, status: "missing" as const, reason: m.problem }));
  return {
    verdict: { ready: false, stack: req.stack, items },
    catalog,
    evidenceFile,
    notes: [
      `${path.relative(REPO_ROOT, e.file)} lacks ${items.length} operator setting(s); the checklist is evaluated once they are set`,
      ...(evidence?.configDigest === PENDING_DIGEST
        ? [`${path.relative(REPO_ROOT, evidenceFile)}: configDigest ${PENDING_DIGEST} (${Object.keys(evidence.items).length} entries); once the settings are set, \`npx cdb evidence bind --stack ${req.stack}\` binds the paper measurements to the config`]
        : []),
    ],
    configDigest: "",
    freight: [],
  };
}

const trustFilesOf = (req: GateRequest, live: boolean): TrustFiles =>
  trustFiles(req.stack, live, askedAt(req.asked), {
    ...(req.evidenceFile !== undefined ? { evidence: req.evidenceFile } : {}),
    ...(req.catalogFile !== undefined ? { catalog: req.catalogFile } : {}),
    ...(req.allowedSignersFile !== undefined ? { allowedSigners: req.allowedSignersFile } : {}),
  });

/** Every input of the gate read and checked; unusable input throws UnusableInput. */
export function runGate(req: GateRequest): GateResult {
  const view = (stack: string) => viewOf(loadStackConfigFile(stack, req.configFiles?.[stack]));
  let target: { plan: StackPlan; resources: Iterable<ResourceRecord> };
  try {
    target = req.target ?? view(req.stack);
  } catch (e) {
    if (!(e instanceof IncompleteStackConfig)) throw e;
    return incompleteConfigResult(req, e);
  }
  // The root of trust: for a live stack the repository's files, whatever the environment says.
  const files = trustFilesOf(req, isLiveStack(req.stack, target.plan.mode));
  const catalog = loadCatalog(files.catalog);
  // Paper's side of another stack's gate is read for its containers' environment only
  // (MachineFacts.paper): planned without monitoring files, which cost more than the rest of its plan.
  const paperSide = (): { resources: Iterable<ResourceRecord> } => {
    const loaded = loadStackConfigFile("paper", req.configFiles?.paper);
    return viewOf(loaded, planStack("paper", loaded.config, undefined, loaded.secretsSet));
  };
  const paper = req.stack === "paper" && !req.target ? target : paperSide();
  const evidenceFile = files.evidence;
  const notes: string[] = [];
  let evidence: Evidence | undefined;
  if (files.evidenceNamed || existsSync(evidenceFile)) {
    evidence = loadEvidence(evidenceFile, req.stack, catalog);
  } else {
    notes.push(`no evidence file at ${path.relative(REPO_ROOT, evidenceFile)}: every attested and measured item is missing`);
  }
  const signersFile = files.allowedSigners;
  const signers = loadAllowedSigners(signersFile);
  if (!signers) notes.push(`no allowed signers at ${path.relative(REPO_ROOT, signersFile)}: no evidence entry can be signed by an allowed key`);
  const digest = configDigest(target.plan);
  // Freight is checked where it matters: a stack that trades live.
  const pins = target.plan.mode === "live" ? pinsOf(target.plan) : undefined;
  const verdict = evaluateReadiness({
    stack: req.stack,
    catalog,
    evidence,
    facts: { target: factsFromResources(req.stack, target.resources), paper: factsFromResources("paper", paper.resources) },
    configDigest: digest,
    ...(pins ? { pins } : {}),
    ...(target.plan.mexcKeyFingerprint ? { keyFingerprint: target.plan.mexcKeyFingerprint } : {}),
    now: req.now ?? new Date(),
    repoRoot: REPO_ROOT,
    signers,
    hashes: new ArtifactHashes(req.artifactBudgetBytes),
  });
  const records = catalog.items.filter((i) => i.freight).flatMap((i) => evidence?.items[i.id]?.artifacts ?? []);
  const freight = pins ? describeFreight(REPO_ROOT, records, pins) : [];
  return { verdict, catalog, evidenceFile, notes, configDigest: digest, freight };
}
