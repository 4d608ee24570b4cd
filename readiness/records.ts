import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readInputFile, readInputText } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";
import type { default as Ajv, ValidateFunction } from "ajv";
import type { AllowedSigners } from "./allowedSigners";
import { RECORD_KINDS, type RecordPredicate } from "./recordKinds";
import { verifyRecordSigner } from "./signerRole";
import { signWithKeyFile, SSHSIG_NAMESPACE } from "./sshsig";

// Every record this project writes (drills, collected figures, exchange
// records) is an in-toto Statement v1: `subject` the image digests of the
// containers involved, `predicateType` per kind, `predicate` the figures. The
// file is signed beside itself: `<record>.sig` holds the sshsig over the record
// file's exact bytes, in the namespace of the signer role its kind needs
// (readiness/signerRole.ts): cdb-witness for the stack's witness, cdb-evidence
// for a person, what
//   ssh-keygen -Y sign -n cdb-witness -f <key> <record>
// writes, so `ssh-keygen -Y verify` checks it as well as the gate does.

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const predicateTypeOf = (kind: string) => `https://cdb-deploy.dev/${kind}/v1`;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const signatureFileOf = (recordFile: string) => `${recordFile}.sig`;

export interface Subject {
  /** The service or container the image ran as. */
  name: string;
  digest: { sha256: string };
  annotations?: Record<string, unknown>;
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: RecordPredicate;
}

const statementSchema = {
  type: "object",
  additionalProperties: false,
  required: ["_type", "subject", "predicateType", "predicate"],
  properties: {
    _type: { const: STATEMENT_TYPE },
    subject: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "digest"],
        properties: {
          name: { type: "string", minLength: 1 },
          digest: { type: "object", additionalProperties: false, required: ["sha256"], properties: { sha256: { type: "string", pattern: "^[0-9a-f]{64}$" } } },
          annotations: { type: "object" },
        },
      },
    },
    predicateType: { type: "string", pattern: "^https://cdb-deploy\\.dev/[a-z0-9-]+/v1$" },
    predicate: {
      type: "object",
      additionalProperties: false,
      required: ["kind", "version", "stack", "mode", "by", "window", "outcome", "figures"],
      properties: {
        kind: { type: "string", pattern: "^[a-z0-9-]+$" },
        version: { const: 1 },
        stack: { type: "string", minLength: 1 },
        mode: { enum: ["paper", "live", "rehearsal"] },
        by: { type: "string", minLength: 1 },
        window: {
          type: "object",
          additionalProperties: false,
          required: ["from", "to"],
          properties: { from: { type: "string", format: "date-time" }, to: { type: "string", format: "date-time" } },
        },
        outcome: { enum: ["passed", "failed", "not-observed", "measured"] },
        explanation: { type: "string" },
        figures: { type: "object" },
      },
    },
  },
} as const;

// Compiled on first use, and ajv required then too (an import would load its
// compiler with this module): `cdb readiness` without record items keeps its cold start.
let ajv: Ajv | undefined;
let statementValidator: ValidateFunction<Statement> | undefined;
const compiler = () => {
  if (!ajv) {
    const { default: AjvClass } = require("ajv") as typeof import("ajv");
    const { default: addFormats } = require("ajv-formats") as typeof import("ajv-formats");
    ajv = new AjvClass({ allErrors: false, strict: true });
    addFormats(ajv, ["date-time"]);
  }
  return ajv;
};
const validateStatement = (value: unknown): value is Statement => (statementValidator ??= compiler().compile<Statement>(statementSchema))(value);
const figureValidators = new Map<string, ValidateFunction>();
function figuresValidator(kind: string): ValidateFunction | undefined {
  const k = RECORD_KINDS[kind];
  if (!k) return undefined;
  let v = figureValidators.get(kind);
  if (!v) figureValidators.set(kind, (v = compiler().compile(k.figures)));
  return v;
}

const where = (e: { instancePath: string; message?: string; keyword: string; params: unknown }) =>
  `${e.instancePath.split("/").slice(1).join(".") || "(root)"}: ${e.message ?? "is invalid"}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`;

/** Schema problems of a parsed record (envelope, then the kind's figures); [] when valid. */
export function statementProblems(value: unknown): string[] {
  if (!validateStatement(value)) return [where(statementValidator!.errors![0]!)];
  const s = value as Statement;
  if (s.predicateType !== predicateTypeOf(s.predicate.kind)) return [`predicateType ${s.predicateType} does not match kind ${s.predicate.kind}`];
  const v = figuresValidator(s.predicate.kind);
  if (!v) return [`unknown record kind ${s.predicate.kind}`];
  if (!v(s.predicate.figures)) return [`predicate.figures.${where(v.errors![0]!).replace(/^\(root\): /, "")}`];
  if (Date.parse(s.predicate.window.to) < Date.parse(s.predicate.window.from)) return ["predicate.window: to is before from"];
  return [];
}

export interface RecordInput {
  kind: string;
  stack: string;
  mode: "paper" | "live" | "rehearsal";
  by: string;
  window: { from: string; to: string };
  outcome: RecordPredicate["outcome"];
  explanation?: string;
  figures: Record<string, unknown>;
  subjects: Subject[];
}

/** Builds a Statement and checks it against the schema; a collector that writes an invalid record is a bug, so this throws. */
export function makeStatement(r: RecordInput): Statement {
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject: r.subjects,
    predicateType: predicateTypeOf(r.kind),
    predicate: {
      kind: r.kind,
      version: 1,
      stack: r.stack,
      mode: r.mode,
      by: r.by,
      window: r.window,
      outcome: r.outcome,
      ...(r.explanation !== undefined ? { explanation: r.explanation } : {}),
      figures: r.figures,
    },
  };
  // Through JSON, so undefined fields vanish as they will in the file.
  const problems = statementProblems(JSON.parse(JSON.stringify(statement)));
  if (problems.length > 0) throw new Error(`internal: ${r.kind} record does not match its schema: ${problems.join("; ")}`);
  return statement;
}

export interface WrittenRecord {
  file: string;
  sha256: string;
  /** The `.sig` beside the record, when a key signed it. */
  signatureFile?: string;
}

/**
 * Writes the record as JSON and, with a key, its sshsig beside it
 * (`<file>.sig`). Without a key the record is written unsigned: the gate will
 * not count it until it is signed (`ssh-keygen -Y sign -n cdb-evidence -f <key> <file>`).
 */
export function writeRecord(statement: Statement, file: string, keyFile?: string, namespace: string = SSHSIG_NAMESPACE): WrittenRecord {
  mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify(statement, null, 2) + "\n";
  const signature = keyFile ? signWithKeyFile(keyFile, text, namespace) : undefined;
  writeFileSync(file, text);
  const out: WrittenRecord = { file, sha256: createHash("sha256").update(text).digest("hex") };
  if (signature) {
    writeFileSync(signatureFileOf(file), signature);
    out.signatureFile = signatureFileOf(file);
  }
  return out;
}

/** Signs an existing record file (writes `<file>.sig`). */
export function signRecordFile(file: string, keyFile: string, namespace: string = SSHSIG_NAMESPACE): string {
  const sig = signWithKeyFile(keyFile, readFileSync(file), namespace);
  writeFileSync(signatureFileOf(file), sig);
  return signatureFileOf(file);
}

export type ReadRecord = { ok: true; statement: Statement; bytes: Buffer } | { ok: false; problem: string };

/** Reads and validates a record file; never throws. */
export function readRecord(file: string): ReadRecord {
  let bytes: Buffer;
  try {
    // Regular files only, the cap counted while reading: a FIFO or /dev/zero never hangs the gate.
    bytes = readInputFile(file, { maxBytes: MAX_RECORD_BYTES, what: "record" });
  } catch (e) {
    return { ok: false, problem: e instanceof UnusableInput ? e.message.replace(`${file}: `, "") : `cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, problem: "not JSON" };
  }
  const problems = statementProblems(value);
  if (problems.length > 0) return { ok: false, problem: `not a valid record: ${problems[0]}` };
  return { ok: true, statement: value as Statement, bytes };
}

export interface RecordJudgement {
  ok: boolean;
  /** Why it does not count, as a gate status: the record says it failed, it is too old, or it is no usable record. */
  status?: "failed" | "expired" | "invalid";
  reason: string;
  statement?: Statement;
  /** For measured kinds: the value the record computes. */
  value?: number;
  /** Key fingerprint of the record's signer. */
  signer?: string;
}

export interface JudgeOptions {
  signers: AllowedSigners | undefined;
  now: Date;
  maxAgeDays?: number;
  /** The item the record is attached to: kinds that prove several items judge per item. */
  item?: string;
  /** The gated stack (for kinds whose records must be of that stack). */
  stack?: string;
  /** The gated stack's cdb:mexcKeyFingerprint (for kinds about a key); undefined: such records cannot count. */
  keyFingerprint?: string;
}

/**
 * Whether the record at `file` counts for an item reading `kind`: valid, of
 * that kind, from the mode of stack the kind counts from (and, for kinds bound
 * to a stack or key, of the gated stack and its key), about `item`, signed by
 * the role its kind names (its stack's witness, or a person: signerRole.ts), its outcome what the kind needs, its figures consistent,
 * its window no older than `maxAgeDays`.
 */
export function judgeRecord(file: string, kind: string, opts: JudgeOptions): RecordJudgement {
  const k = RECORD_KINDS[kind];
  if (!k) return { ok: false, status: "invalid", reason: `unknown record kind ${kind}` };
  const name = path.basename(file);
  const read = readRecord(file);
  if (!read.ok) return { ok: false, status: "invalid", reason: `record ${name}: ${read.problem}` };
  const s = read.statement;
  const p = s.predicate;
  if (p.kind !== kind) return { ok: false, status: "invalid", reason: `record ${name} is a ${p.kind} record, this item reads ${kind}`, statement: s };
  const sigFile = signatureFileOf(file);
  let sig: string | undefined;
  try {
    sig = existsSync(sigFile) ? readInputText(sigFile, { maxBytes: 64 * 1024, what: "signature" }) : undefined;
  } catch (e) {
    return { ok: false, status: "invalid", reason: `record ${name}: ${(e as Error).message}`, statement: s };
  }
  // Who signed it must be the role its kind names: the stack's witness, or a person (signerRole.ts);
  // the key's validity is judged now, at verification, never at a time the record names.
  const signed = verifyRecordSigner(opts.signers, sig, read.bytes, k.signer, p, opts.now);
  if (!signed.ok) return { ok: false, status: "invalid", reason: `record ${name}: ${sig === undefined ? `not signed (no ${path.basename(sigFile)})` : signed.problem}`, statement: s };
  if (p.mode !== k.mode) return { ok: false, status: "invalid", reason: `record ${name} is from a ${p.mode} stack; ${kind} counts from ${k.mode} only`, statement: s };
  if (k.sameStack && p.stack !== opts.stack) return { ok: false, status: "invalid", reason: `record ${name} is of stack ${p.stack}, not ${opts.stack ?? "the gated stack (none given)"}`, statement: s };
  if (k.keyFingerprint) {
    const fp = k.keyFingerprint(p);
    if (opts.keyFingerprint === undefined) return { ok: false, status: "invalid", reason: `record ${name} checked key ${fp}, and the stack declares no cdb:mexcKeyFingerprint to compare it with`, statement: s };
    if (fp !== opts.keyFingerprint) return { ok: false, status: "invalid", reason: `record ${name} checked key ${fp}, the stack's key is ${opts.keyFingerprint}`, statement: s };
  }
  if (k.items) {
    const about = opts.item === undefined ? undefined : k.items[opts.item];
    if (!about) return { ok: false, status: "invalid", reason: `record ${name}: a ${kind} record proves only ${Object.keys(k.items).join(", ")}${opts.item ? `, not ${opts.item}` : ""}`, statement: s };
    const notAbout = about(p);
    if (notAbout.length > 0) return { ok: false, status: "invalid", reason: `record ${name} cannot prove ${opts.item}: ${notAbout.join("; ")}`, statement: s };
  }
  if (p.outcome !== k.counts) return { ok: false, status: "failed", reason: `record ${name}: outcome ${p.outcome}${p.explanation ? ` (${p.explanation})` : ""}`, statement: s };
  const problems = k.problems?.(p, opts.item) ?? [];
  if (problems.length > 0) return { ok: false, status: "failed", reason: `record ${name}: ${problems.join("; ")}`, statement: s };
  const to = Date.parse(p.window.to);
  if (to > opts.now.getTime() + 5 * 60_000) return { ok: false, status: "invalid", reason: `record ${name}: window ends in the future (${p.window.to})`, statement: s };
  if (opts.maxAgeDays !== undefined && (opts.now.getTime() - to) / 86_400_000 > opts.maxAgeDays) {
    return { ok: false, status: "expired", reason: `record ${name}: window ended ${p.window.to}, more than ${opts.maxAgeDays} days ago`, statement: s };
  }
  const value = k.value?.(p, opts.item);
  return { ok: true, reason: `record ${name} ${p.outcome}${value !== undefined ? ` (${value})` : ""}, signed by ${signed.principals.join(", ")}`, statement: s, ...(value !== undefined ? { value } : {}), signer: signed.fingerprint };
}
