import path from "node:path";
import { z } from "zod";
import { REPO_ROOT } from "../platform/paths";
import { UnusableInput } from "../platform/errors";
import { RECORD_KINDS } from "./recordKinds";
import { readYamlFile } from "./yamlFile";

export const DEFAULT_CATALOG = path.join(REPO_ROOT, "readiness", "checklist.yaml");

const ID = /^[a-z]+\.[a-z0-9-]+$/;

/**
 * Who proves an item (issue 22), said per item in checklist.yaml and checked here against the one
 * home of the signer roles, the record kinds: `machine` the stack's declared resources; `witnessed`
 * a record signed by the witness of the stack that ran it (its kind's signer is `witness`);
 * `attested` a person's signed word, with a person-signed record as its artifact where it names one.
 */
export const PROOFS = ["machine", "witnessed", "attested"] as const;
export type Proof = (typeof PROOFS)[number];

/** The proof an item's kind and record kind give it: what its `proof:` must say. */
export function proofOf(item: { kind: string; record?: string | undefined }): Proof {
  if (item.kind === "machine") return "machine";
  return item.record !== undefined && RECORD_KINDS[item.record]?.signer === "witness" ? "witnessed" : "attested";
}

const itemSchema = z
  .object({
    id: z.string().regex(ID, "must look like section.item-name"),
    section: z.string(),
    /** `recorded`: proven by signed records a command of this project wrote; nobody's word, no number typed. */
    kind: z.enum(["machine", "attested", "measured", "recorded"]),
    /** Who proves it: follows from kind and the record kind's signer (proofOf); stated so the checklist says it. */
    proof: z.enum(PROOFS),
    runbook: z.string().min(1),
    summary: z.string().min(1),
    artifact: z.boolean().default(false),
    twoPerson: z.boolean().default(false),
    /** Measured on paper: counts for live only when live pins the images paper soaked (readiness/freight.ts). */
    freight: z.boolean().default(false),
    maxAgeDays: z.number().positive().optional(),
    /** `min` for counts and durations that must be reached, `max` for latencies that must not be exceeded. */
    threshold: z
      .object({ min: z.number().optional(), max: z.number().optional(), unit: z.string().min(1) })
      .strict()
      .refine((t) => t.min !== undefined || t.max !== undefined, "needs min or max")
      .optional(),
    /** The record kind (readiness/recordKinds.ts) whose signed records prove this item. */
    record: z.string().optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    const evidence = item.kind !== "machine";
    if (evidence && item.maxAgeDays === undefined) ctx.addIssue({ code: "custom", path: ["maxAgeDays"], message: "is required for attested and measured items" });
    if ((item.kind === "measured") !== (item.threshold !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "is required for measured items and only for them" });
    }
    if (item.record !== undefined) {
      const kind = RECORD_KINDS[item.record];
      if (!kind) ctx.addIssue({ code: "custom", path: ["record"], message: `unknown record kind ${item.record} (readiness/recordKinds.ts)` });
      else if (!item.artifact) ctx.addIssue({ code: "custom", path: ["artifact"], message: "must be true for an item proven by records" });
      else if (item.threshold && !kind.value) ctx.addIssue({ code: "custom", path: ["record"], message: `${item.record} records compute no value for the threshold` });
    }
    if (!evidence && (item.artifact || item.twoPerson || item.freight || item.maxAgeDays !== undefined || item.record !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["kind"], message: "machine items take no evidence settings (artifact, twoPerson, freight, maxAgeDays)" });
    }
    if (item.kind === "recorded" && item.record === undefined) ctx.addIssue({ code: "custom", path: ["record"], message: "is required for recorded items" });
    // Nobody's word: a recorded item reads only records a witness signs; a person-signed record makes it attested.
    else if (item.kind === "recorded" && RECORD_KINDS[item.record!]?.signer === "person") {
      ctx.addIssue({ code: "custom", path: ["kind"], message: `recorded items read witness-signed records; ${item.record} records are signed by a person: make it attested with the record as its artifact` });
    }
    const proof = proofOf(item);
    if (item.proof !== proof) {
      const why = item.kind === "machine" ? "a machine item" : item.record ? `its ${item.record} records are signed by ${RECORD_KINDS[item.record]?.signer === "witness" ? "the stack's witness" : "a person"}` : "no record proves it: a person attests";
      ctx.addIssue({ code: "custom", path: ["proof"], message: `is ${item.proof}, but ${why}: must be ${proof}` });
    }
    if (item.freight && item.record === undefined) ctx.addIssue({ code: "custom", path: ["freight"], message: "needs record: the records name the soaked images" });
  });

export const catalogSchema = z
  .object({
    version: z.literal(1),
    sections: z.record(z.string(), z.string().min(1)),
    items: z.array(itemSchema),
  })
  .strict()
  .superRefine((cat, ctx) => {
    const seen = new Set<string>();
    cat.items.forEach((item, i) => {
      if (seen.has(item.id)) ctx.addIssue({ code: "custom", path: ["items", i, "id"], message: `duplicate id ${item.id}` });
      seen.add(item.id);
      if (!(item.section in cat.sections)) ctx.addIssue({ code: "custom", path: ["items", i, "section"], message: `unknown section ${item.section}` });
    });
  });

export type Catalog = z.output<typeof catalogSchema>;
export type CatalogItem = Catalog["items"][number];

/** Loads and validates the checklist; any problem is unusable input naming file, line and field. */
export function loadCatalog(file: string = DEFAULT_CATALOG): Catalog {
  const y = readYamlFile(file);
  const parsed = catalogSchema.safeParse(y.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.map(String);
    throw new UnusableInput(file, `${at.join(".") || "(root)"}: ${issue.message}`, y.lineOf(issue.path as (string | number)[]));
  }
  return parsed.data;
}
