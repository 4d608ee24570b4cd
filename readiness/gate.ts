import { existsSync } from "node:fs";
import { ALLOWED_SIGNERS_ENV, DEFAULT_ALLOWED_SIGNERS, loadAllowedSigners } from "./allowedSigners";
import path from "node:path";
import { planStack, type StackPlan } from "../model/plan";
import { DEFAULT_CATALOG, loadCatalog, type Catalog } from "./catalog";
import { defaultEvidenceFile, REPO_ROOT } from "../platform/paths";
import { configDigest } from "./digest";
import { loadEvidence, type Evidence } from "./evidence";
import { evaluateReadiness, PENDING_DIGEST, type Verdict } from "./evaluate";
import { factsFromResources, type ResourceRecord } from "./facts";
import { describeFreight, pinsOf, type FreightLine } from "./freight";
import { IncompleteStackConfig, loadStackConfigFile, viewOf } from "./stackView";

/** Env var naming the evidence file, for pipelines and the policy pack. */
export const EVIDENCE_ENV = "CDB_EVIDENCE_FILE";


export interface GateRequest {
  stack: string;
  /** An evidence file the caller asked for; it must exist. */
  evidenceFile?: string;
  catalogFile?: string;
  /** The allowed signers (default CDB_ALLOWED_SIGNERS, then readiness/allowed_signers). */
  allowedSignersFile?: string;
  /** Stack config files, by stack name, instead of the repo's Pulumi.<stack>.yaml. */
  configFiles?: Record<string, string>;
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
function incompleteConfigResult(req: GateRequest, catalog: Catalog, e: IncompleteStackConfig): GateResult {
  const explicit = req.evidenceFile ?? process.env[EVIDENCE_ENV];
  const evidenceFile = path.resolve(explicit ?? defaultEvidenceFile(req.stack));
  // A broken evidence file is still unusable input, whatever the config.
  const evidence = explicit !== undefined || existsSync(evidenceFile) ? loadEvidence(evidenceFile, req.stack, catalog) : undefined;
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

/** Every input of the gate read and checked; unusable input throws UnusableInput. */
export function runGate(req: GateRequest): GateResult {
  const catalog = loadCatalog(req.catalogFile ?? DEFAULT_CATALOG);
  const view = (stack: string) => viewOf(loadStackConfigFile(stack, req.configFiles?.[stack]));
  let target: { plan: StackPlan; resources: Iterable<ResourceRecord> };
  try {
    target = req.target ?? view(req.stack);
  } catch (e) {
    if (!(e instanceof IncompleteStackConfig)) throw e;
    return incompleteConfigResult(req, catalog, e);
  }
  // Paper's side of another stack's gate is read for its containers' environment only
  // (MachineFacts.paper): planned without monitoring files, which cost more than the rest of its plan.
  const paperSide = (): { resources: Iterable<ResourceRecord> } => {
    const loaded = loadStackConfigFile("paper", req.configFiles?.paper);
    return viewOf(loaded, planStack("paper", loaded.config, undefined, loaded.secretsSet));
  };
  const paper = req.stack === "paper" && !req.target ? target : paperSide();
  const explicit = req.evidenceFile ?? process.env[EVIDENCE_ENV];
  const evidenceFile = path.resolve(explicit ?? defaultEvidenceFile(req.stack));
  const notes: string[] = [];
  let evidence: Evidence | undefined;
  if (explicit !== undefined || existsSync(evidenceFile)) {
    evidence = loadEvidence(evidenceFile, req.stack, catalog);
  } else {
    notes.push(`no evidence file at ${path.relative(REPO_ROOT, evidenceFile)}: every attested and measured item is missing`);
  }
  const signersFile = path.resolve(req.allowedSignersFile ?? process.env[ALLOWED_SIGNERS_ENV] ?? DEFAULT_ALLOWED_SIGNERS);
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
  });
  const records = catalog.items.filter((i) => i.freight).flatMap((i) => evidence?.items[i.id]?.artifacts ?? []);
  const freight = pins ? describeFreight(REPO_ROOT, records, pins) : [];
  return { verdict, catalog, evidenceFile, notes, configDigest: digest, freight };
}
