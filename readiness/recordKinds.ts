// The kinds of record this project writes, in one map: the schema of each
// kind's `predicate.figures`, the outcomes that count, and what an evidence
// entry's `value` must be (computed from the record, never typed). Which
// checklist item reads which kind is the item's `record:` in checklist.yaml.
// A new drill or collector adds its kind here and names it in the checklist.

import { EXCHANGE_RECORD_KINDS } from "./exchangeRecordKinds";
import { DRILLED_SERVICES, PAPER_DRILL_KINDS } from "./paperDrillKinds";
import type { SignerRole } from "./signerRole";

type JsonSchema = Record<string, unknown>;

/** The predicate as records.ts validated it; `figures` has the kind's shape. */
export interface RecordPredicate {
  kind: string;
  version: 1;
  stack: string;
  mode: "paper" | "live" | "rehearsal";
  by: string;
  window: { from: string; to: string };
  outcome: "passed" | "failed" | "not-observed" | "measured";
  explanation?: string;
  figures: Record<string, unknown>;
}

export interface RecordKind {
  /** Schema of predicate.figures (draft-07, ajv strict mode). */
  figures: JsonSchema;
  /**
   * `passed`: a drill that shows the behaviour; `measured`: a collector whose
   * figures are then compared with the item's threshold through `value`.
   */
  counts: "passed" | "measured";
  /**
   * Who must have signed a record of this kind for it to count (readiness/signerRole.ts):
   * `witness`, the witness of the record's own stack (witness@<predicate.stack>, namespace
   * cdb-witness), for everything a command of this project runs and the witness saw; `person`
   * only for what no witness can see (the check of the live key, exchangeRecordKinds.ts).
   * The checklist's `proof:` of every item reading the kind follows from it (catalog.ts).
   */
  signer: SignerRole;
  /** The mode of stack whose records prove anything for live: paper drills, rehearsals, checks of the live key. */
  mode: "paper" | "rehearsal" | "live";
  /**
   * The items a record of this kind can prove, and what it must show to be
   * about each (problems: it cannot prove that item at all). Unset: every item
   * that names the kind.
   */
  items?: Record<string, (p: RecordPredicate) => string[]>;
  /** The record must be of the gated stack itself (a check of its key), not of another. */
  sameStack?: true;
  /**
   * The services whose image live must pin for a record to count for live: the record's
   * subjects must name that image (compared as freight is, readiness/freight.ts). The paper
   * stability items say it per item (`freight: true`); a rehearsal (execution) and a paper drill
   * (the services it exercised, paperDrillKinds.ts DRILLED_SERVICES) say it here.
   */
  pinnedImages?: readonly string[];
  /** The key fingerprint the record is about; it must be the gated stack's cdb:mexcKeyFingerprint. */
  keyFingerprint?(p: RecordPredicate): string;
  /** The value the evidence entry must carry, for measured items (per item, for kinds that prove several). */
  value?(p: RecordPredicate, item?: string): number | undefined;
  /** Problems beyond schema and outcome: figures that contradict each other (or, per item, show it failed). */
  problems?(p: RecordPredicate, item?: string): string[];
  /** The command that writes such a record (the generated runbook says how an item is proven). */
  command?: string;
}

const isoTime = { type: "string", format: "date-time" };
const hoursBetween = (from: string, to: string) => Math.floor(((Date.parse(to) - Date.parse(from)) / 3_600_000) * 10) / 10;

export const RECORD_KINDS: Record<string, RecordKind> = {
  // cdb rehearse and cdb exchange check (exchange/): readiness/exchangeRecordKinds.ts
  ...EXCHANGE_RECORD_KINDS,
  // cdb kill --drill (ops/drill.ts)
  "killswitch-drill": {
    command: "npx cdb kill --stack paper --drill",
    pinnedImages: DRILLED_SERVICES["killswitch-drill"],
    counts: "passed",
    signer: "witness",
    mode: "paper",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["measured", "windowMs", "entry", "cleanup"],
      properties: {
        measured: { enum: ["first-rejected-order", "entry-read", "none"] },
        latencyMs: { type: "number", minimum: 0 },
        windowMs: { type: "number", minimum: 0 },
        redis: { type: "string" },
        entry: {
          type: "object",
          additionalProperties: false,
          required: ["id", "fields"],
          properties: { id: { type: "string" }, fields: { type: "object", additionalProperties: { type: "string" } } },
        },
        rejectedOrder: {
          type: "object",
          additionalProperties: false,
          required: ["id", "order_id", "status"],
          properties: { id: { type: "string" }, order_id: { type: "string" }, status: { type: "string" } },
        },
        entryRead: {
          type: "object",
          additionalProperties: false,
          required: ["client", "command"],
          properties: { client: { type: "string" }, command: { type: "array", items: { type: "string" } } },
        },
        cleanup: {
          type: "object",
          additionalProperties: false,
          required: ["entryDeleted", "restarted", "note"],
          properties: { entryDeleted: { type: "boolean" }, restarted: { type: "array", items: { type: "string" } }, note: { type: "string" } },
        },
      },
    },
    problems(p) {
      const f = p.figures as { measured: string; latencyMs?: number; rejectedOrder?: { status: string; order_id: string }; entryRead?: unknown; cleanup: { entryDeleted: boolean } };
      const out: string[] = [];
      if (f.measured === "none") out.push("the drill observed nothing");
      if (f.measured !== "none" && f.latencyMs === undefined) out.push("a drill that observed something has no latencyMs");
      if (f.measured === "first-rejected-order" && !(f.rejectedOrder?.status === "REJECTED" && f.rejectedOrder.order_id.startsWith("SHUTDOWN_"))) out.push("measured first-rejected-order without a REJECTED SHUTDOWN_ order");
      if (f.measured === "entry-read" && !f.entryRead) out.push("measured entry-read without the read");
      if (!f.cleanup.entryDeleted) out.push("the drill entry was not deleted");
      return out;
    },
  },
  // cdb evidence collect (ops/collect.ts): stability.paper-orders
  "paper-orders": {
    command: "npx cdb evidence collect --stack paper --since 48h",
    counts: "measured",
    signer: "witness",
    mode: "paper",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["stream", "since", "filled", "rejected", "errors", "duplicates", "otherStatus", "nonPaperIds", "scanned", "startsAfterSince", "orderIds"],
      properties: {
        stream: { type: "string" },
        redis: { type: "string" },
        since: isoTime,
        filled: { type: "integer", minimum: 0 },
        rejected: { type: "integer", minimum: 0 },
        errors: { type: "integer", minimum: 0 },
        duplicates: { type: "integer", minimum: 0 },
        otherStatus: { type: "integer", minimum: 0 },
        nonPaperIds: { type: "integer", minimum: 0 },
        scanned: { type: "integer", minimum: 0 },
        firstId: { type: "string" },
        lastId: { type: "string" },
        startsAfterSince: { type: "boolean" },
        orderIds: { type: "array", items: { type: "string" } },
      },
    },
    // The count is the distinct paper order ids listed, not the number typed beside them.
    value: (p) => new Set((p.figures.orderIds as string[]).filter((id) => id.startsWith("MOCK_"))).size,
    problems(p) {
      const f = p.figures as { filled: number; orderIds: string[]; startsAfterSince: boolean };
      const ids = new Set(f.orderIds);
      const out: string[] = [];
      if (ids.size !== f.orderIds.length) out.push("orderIds lists an order twice");
      if (f.orderIds.some((id) => !id.startsWith("MOCK_"))) out.push("orderIds lists an order id that is not a paper (MOCK_) order");
      if (f.filled !== ids.size) out.push(`filled says ${f.filled}, orderIds lists ${ids.size}`);
      return out;
    },
  },
  // cdb evidence collect (ops/collect.ts): stability.observation-window. The
  // record's window runs from the last disruption (start, restart, crash, OOM
  // of any paper container) to the collection: its length is the value.
  "observation-window": {
    command: "npx cdb evidence collect --stack paper --since 48h",
    counts: "measured",
    signer: "witness",
    mode: "paper",
    figures: {
      type: "object",
      additionalProperties: false,
      required: ["since", "containers", "events"],
      properties: {
        since: isoTime,
        docker: { type: "string" },
        lastDisruption: {
          type: "object",
          additionalProperties: false,
          required: ["at", "container", "what"],
          properties: { at: isoTime, container: { type: "string" }, what: { type: "string" } },
        },
        containers: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            additionalProperties: false,
            required: ["name", "running"],
            properties: {
              name: { type: "string" },
              running: { type: "boolean" },
              startedAt: { type: "string" },
              restartCount: { type: "integer" },
              oomKilled: { type: "boolean" },
              exitCode: { type: "integer" },
            },
          },
        },
        events: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["at", "container", "action"],
            properties: { at: isoTime, container: { type: "string" }, action: { type: "string" }, exitCode: { type: "string" } },
          },
        },
      },
    },
    value: (p) => Math.max(0, hoursBetween(p.window.from, p.window.to)),
    problems(p) {
      const f = p.figures as { containers: { name: string; running: boolean; startedAt?: string }[]; lastDisruption?: { at: string }; events: { at: string; container: string; action: string }[] };
      const out: string[] = [];
      const down = f.containers.filter((c) => !c.running).map((c) => c.name);
      if (down.length > 0) out.push(`not running at collection: ${down.join(", ")}`);
      const from = Date.parse(p.window.from);
      const later = f.containers.filter((c) => c.startedAt && Date.parse(c.startedAt) > from).map((c) => c.name);
      if (later.length > 0) out.push(`the window starts ${p.window.from}, but ${later.join(", ")} started after it`);
      if (f.lastDisruption && Date.parse(f.lastDisruption.at) > from) out.push(`the window starts before the last disruption (${f.lastDisruption.at})`);
      const inside = f.events.filter((e) => Date.parse(e.at) > from).map((e) => `${e.container} ${e.action} at ${e.at}`);
      if (inside.length > 0) out.push(`disruptions inside the window: ${inside.join(", ")}`);
      return out;
    },
  },
  // The allocation-zero and allocation-restart drills, the candles and regime collectors (issue 14 part 5).
  ...PAPER_DRILL_KINDS,
};
