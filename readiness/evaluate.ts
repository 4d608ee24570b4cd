import path from "node:path";
import type { AllowedSigners } from "./allowedSigners";
import { verifySignedBy } from "./allowedSigners";
import { ArtifactBudgetExceeded, ArtifactHashes, artifactProblem } from "./artifacts";
import { approverForm, authorForm, type SignedFields } from "./entrySignature";
import { judgeRecord } from "./records";
import type { Catalog, CatalogItem } from "./catalog";
import type { Evidence, EvidenceEntry } from "./evidence";
import { entryFreightProblems, imageBindingOf, PAPER_FREIGHT } from "./freight";
import { MACHINE_CHECKS, type MachineFacts } from "./machineChecks";

// The one evaluation of the readiness gate. The policy pack, the program and
// the CLI all call it; none of them decides readiness on its own.

export const ITEM_STATUSES = ["satisfied", "missing", "invalid", "expired", "failed"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export interface ItemResult {
  id: string;
  section: string;
  status: ItemStatus;
  reason: string;
}

export interface Verdict {
  ready: boolean;
  stack: string;
  items: ItemResult[];
}

export interface GateInput {
  stack: string;
  catalog: Catalog;
  /** Undefined when there is no evidence file: every evidence item is then missing. */
  evidence: Evidence | undefined;
  facts: MachineFacts;
  /** Digest of the stack's current trading settings (readiness/digest.ts). */
  configDigest: string;
  /**
   * The gated stack's image per service when it trades live: the records of
   * freight items must name these images as the ones paper soaked. Undefined: no freight check.
   */
  pins?: Readonly<Record<string, string>>;
  now: Date;
  repoRoot: string;
  /** The gated stack's cdb:mexcKeyFingerprint: records about a key (exchange checks) must be about this one. */
  keyFingerprint?: string;
  /** readiness/allowed_signers; undefined when there is none: then no entry is signed by an allowed key. */
  signers: AllowedSigners | undefined;
  /** The artifact digests of this evaluation (each file hashed once, within a budget); a new one per evaluation when absent. */
  hashes?: ArtifactHashes;
}

const DAY_MS = 86_400_000;

/** ">= 48 hours", "<= 5000 ms", or both. */
export const thresholdText = (t: NonNullable<CatalogItem["threshold"]>): string =>
  [t.min !== undefined ? `>= ${t.min} ${t.unit}` : undefined, t.max !== undefined ? `<= ${t.max} ${t.unit}` : undefined].filter(Boolean).join(", ");
/** The configDigest of an evidence file written while the stack's config lacked operator settings. */
export const PENDING_DIGEST = "pending";
/** Clock skew tolerated for an `at` in the future. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * The signatures of an entry: the author's by a key in allowed_signers whose
 * principals include `by`, and for two-person items the approver's by another
 * key. Identity is the key: two names on one key are one person.
 */
function signatureProblem(item: CatalogItem, entry: EvidenceEntry, g: GateInput): string | undefined {
  const fields: SignedFields = {
    stack: g.evidence!.stack,
    item: item.id,
    configDigest: g.evidence!.configDigest,
    at: entry.at,
    by: entry.by,
    ...(entry.value !== undefined ? { value: entry.value } : {}),
    ...(entry.artifacts ? { artifacts: entry.artifacts } : {}),
  };
  // Both keys judged now, by the gate's clock: `at` is what the author typed, and a revoked key would back-date it.
  const author = verifySignedBy(g.signers, entry.signature, authorForm(fields), { principal: entry.by, now: g.now });
  if (!author.ok) return `entry by ${entry.by}: ${author.problem}`;
  if (!item.twoPerson) return undefined;
  if (!entry.approvedBy) return "needs approvedBy: a second person must approve (cdb evidence approve --key)";
  const approver = verifySignedBy(g.signers, entry.approvalSignature, approverForm(fields, entry.approvedBy, entry.signature!), { principal: entry.approvedBy, now: g.now });
  if (!approver.ok) return `approval by ${entry.approvedBy}: ${approver.problem}`;
  if (approver.fingerprint === author.fingerprint) {
    return `approved with the author's own key ${author.fingerprint} (${entry.by} / ${entry.approvedBy} are one person): a second key must approve`;
  }
  return undefined;
}

/** The item's records (its artifacts) judged; for measured kinds, the value they compute. */
function recordProblem(item: CatalogItem, entry: EvidenceEntry, g: GateInput): [ItemStatus, string] | { value?: number; reason: string } {
  const artifacts = entry.artifacts ?? [];
  if (item.threshold && artifacts.length !== 1) return ["invalid", `needs exactly one ${item.record} record as its artifact, has ${artifacts.length}`];
  const reasons: string[] = [];
  let value: number | undefined;
  for (const a of artifacts) {
    const j = judgeRecord(path.resolve(g.repoRoot, a.path), item.record!, { signers: g.signers, now: g.now, maxAgeDays: item.maxAgeDays, item: item.id, stack: g.stack, ...(g.keyFingerprint !== undefined ? { keyFingerprint: g.keyFingerprint } : {}) });
    if (!j.ok) return [j.status ?? "invalid", j.reason];
    value = j.value;
    reasons.push(j.reason);
  }
  return { ...(value !== undefined ? { value } : {}), reason: reasons.join("; ") };
}

function judgeEntry(item: CatalogItem, entry: EvidenceEntry | undefined, g: GateInput): [ItemStatus, string] {
  if (!entry) return ["missing", "no evidence entry"];
  const ev = g.evidence!;
  // Written before the stack's config was complete (cdb evidence init on an incomplete live config):
  // nothing is bound to settings yet, so nothing counts until `cdb evidence bind` binds it.
  if (ev.configDigest === PENDING_DIGEST) return ["invalid", `evidence configDigest is ${PENDING_DIGEST}: bind it to the complete config with \`npx cdb evidence bind --stack ${g.stack}\``];
  if (ev.configDigest !== g.configDigest) {
    return ["invalid", `evidence is for config digest ${ev.configDigest.slice(0, 12)}…, the stack's is ${g.configDigest.slice(0, 12)}…`];
  }
  const at = Date.parse(entry.at);
  if (!Number.isFinite(at)) return ["invalid", `at "${entry.at}" is not a timestamp`];
  if (at > g.now.getTime() + FUTURE_TOLERANCE_MS) return ["invalid", `at ${entry.at} is in the future`];
  const ageDays = (g.now.getTime() - at) / DAY_MS;
  if (ageDays > item.maxAgeDays!) return ["expired", `dated ${entry.at}, ${Math.floor(ageDays)} days old, maximum ${item.maxAgeDays} days`];
  const unsigned = signatureProblem(item, entry, g);
  if (unsigned) return ["invalid", unsigned];
  const artifacts = entry.artifacts ?? [];
  if (item.artifact && artifacts.length === 0) return ["invalid", "needs at least one artifact"];
  for (const a of artifacts) {
    const problem = artifactProblem(g.repoRoot, a, g.hashes);
    if (problem) return ["invalid", problem];
  }
  let fromRecord = "";
  if (item.record) {
    const r = recordProblem(item, entry, g);
    if (Array.isArray(r)) return r;
    fromRecord = `; ${r.reason}`;
    if (r.value !== undefined && entry.value !== r.value) return ["invalid", `value ${entry.value ?? "(none)"} differs from ${r.value}, what its record computes`];
  }
  if (item.threshold) {
    const { min, max, unit } = item.threshold;
    if (entry.value === undefined) return ["invalid", `needs value (${thresholdText(item.threshold)})`];
    if (min !== undefined && !(entry.value >= min)) return ["failed", `value ${entry.value} ${unit} is below ${min} ${unit}`];
    if (max !== undefined && !(entry.value <= max)) return ["failed", `value ${entry.value} ${unit} is above ${max} ${unit}`];
  }
  // The records are genuine and their figures count: are their images the ones live runs?
  // (Paper's soaked freight, or the executor a rehearsal ran: one comparison, readiness/freight.ts.)
  const binding = imageBindingOf(item);
  if (binding && g.pins) {
    const problems = entryFreightProblems(g.repoRoot, artifacts, g.pins, binding);
    if (problems.length > 0) return ["failed", `${binding === PAPER_FREIGHT ? "not the soaked freight" : "not live's image"}: ${problems.join("; ")}`];
  }
  return ["satisfied", `by ${entry.by}${entry.approvedBy ? `, approved by ${entry.approvedBy}` : ""}, ${entry.at}${fromRecord}`];
}

function judge(item: CatalogItem, g: GateInput): [ItemStatus, string] {
  const check = MACHINE_CHECKS[item.id];
  if (item.kind === "machine") {
    if (!check) return ["failed", "no machine check is implemented for this item"];
    const problems = check({ ...g.facts, repoRoot: g.repoRoot });
    const ignored = g.evidence?.items[item.id] ? " (its evidence entry is ignored: machine items are proven by the stack)" : "";
    return problems.length === 0 ? ["satisfied", `proven by the stack${ignored}`] : ["failed", problems.join("; ") + ignored];
  }
  // An evidence item with a machine check too (monitoring.structured-logs): what the stack must declare
  // comes first; a record cannot stand in for it.
  const problems = check ? check({ ...g.facts, repoRoot: g.repoRoot }) : [];
  if (problems.length > 0) return ["failed", `the stack does not declare it: ${problems.join("; ")}`];
  return judgeEntry(item, g.evidence?.items[item.id], g);
}

/** The items that keep a verdict from being ready. */
export const unsatisfied = (v: Verdict): ItemResult[] => v.items.filter((i) => i.status !== "satisfied");

/** Ready only when every catalog item is satisfied and there was at least one; any error counts against. */
export function evaluateReadiness(input: GateInput): Verdict {
  const g: GateInput = { ...input, hashes: input.hashes ?? new ArtifactHashes() };
  const items = g.catalog.items.map((item): ItemResult => {
    try {
      const [status, reason] = judge(item, g);
      return { id: item.id, section: item.section, status, reason };
    } catch (e) {
      // Not one item's problem: the evaluation as a whole stops, closed, with one line (exit 2).
      if (e instanceof ArtifactBudgetExceeded) throw e;
      return { id: item.id, section: item.section, status: "failed", reason: `error while evaluating: ${(e as Error).message}` };
    }
  });
  return { ready: items.length > 0 && items.every((i) => i.status === "satisfied"), stack: g.stack, items };
}
