import { artifactProblem } from "./artifacts";
import type { Catalog, CatalogItem } from "./catalog";
import type { Evidence, EvidenceEntry } from "./evidence";
import { entryFreightProblems } from "./freight";
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
}

const DAY_MS = 86_400_000;
/** Clock skew tolerated for an `at` in the future. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function judgeEntry(item: CatalogItem, entry: EvidenceEntry | undefined, g: GateInput): [ItemStatus, string] {
  if (!entry) return ["missing", "no evidence entry"];
  const ev = g.evidence!;
  if (ev.configDigest !== g.configDigest) {
    return ["invalid", `evidence is for config digest ${ev.configDigest.slice(0, 12)}…, the stack's is ${g.configDigest.slice(0, 12)}…`];
  }
  const at = Date.parse(entry.at);
  if (!Number.isFinite(at)) return ["invalid", `at "${entry.at}" is not a timestamp`];
  if (at > g.now.getTime() + FUTURE_TOLERANCE_MS) return ["invalid", `at ${entry.at} is in the future`];
  const ageDays = (g.now.getTime() - at) / DAY_MS;
  if (ageDays > item.maxAgeDays!) return ["expired", `dated ${entry.at}, ${Math.floor(ageDays)} days old, maximum ${item.maxAgeDays} days`];
  if (item.twoPerson) {
    if (!entry.approvedBy) return ["invalid", "needs approvedBy: a second person must approve"];
    if (same(entry.approvedBy, entry.by)) return ["invalid", `approvedBy must differ from by (${entry.by})`];
  }
  const artifacts = entry.artifacts ?? [];
  if (item.artifact && artifacts.length === 0) return ["invalid", "needs at least one artifact"];
  for (const a of artifacts) {
    const problem = artifactProblem(g.repoRoot, a);
    if (problem) return ["invalid", problem];
  }
  if (item.freight && g.pins) {
    const problems = entryFreightProblems(g.repoRoot, artifacts, g.pins);
    if (problems.length > 0) return ["failed", `not the soaked freight: ${problems.join("; ")}`];
  }
  if (item.threshold) {
    const { min, unit } = item.threshold;
    if (entry.value === undefined) return ["invalid", `needs value (>= ${min} ${unit})`];
    if (!(entry.value >= min)) return ["failed", `value ${entry.value} ${unit} is below ${min} ${unit}`];
  }
  return ["satisfied", `by ${entry.by}${entry.approvedBy ? `, approved by ${entry.approvedBy}` : ""}, ${entry.at}`];
}

function judge(item: CatalogItem, g: GateInput): [ItemStatus, string] {
  if (item.kind === "machine") {
    const check = MACHINE_CHECKS[item.id];
    if (!check) return ["failed", "no machine check is implemented for this item"];
    const problems = check(g.facts);
    const ignored = g.evidence?.items[item.id] ? " (its evidence entry is ignored: machine items are proven by the stack)" : "";
    return problems.length === 0 ? ["satisfied", `proven by the stack${ignored}`] : ["failed", problems.join("; ") + ignored];
  }
  return judgeEntry(item, g.evidence?.items[item.id], g);
}

/** The items that keep a verdict from being ready. */
export const unsatisfied = (v: Verdict): ItemResult[] => v.items.filter((i) => i.status !== "satisfied");

/** Ready only when every catalog item is satisfied and there was at least one; any error counts against. */
export function evaluateReadiness(g: GateInput): Verdict {
  const items = g.catalog.items.map((item): ItemResult => {
    try {
      const [status, reason] = judge(item, g);
      return { id: item.id, section: item.section, status, reason };
    } catch (e) {
      return { id: item.id, section: item.section, status: "failed", reason: `error while evaluating: ${(e as Error).message}` };
    }
  });
  return { ready: items.length > 0 && items.every((i) => i.status === "satisfied"), stack: g.stack, items };
}
