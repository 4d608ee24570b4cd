import { RECORD_KINDS, type RecordPredicate } from "../readiness/recordKinds";
import { makeStatement, type RecordInput, type Statement } from "../readiness/records";

/**
 * A record whose outcome comes from its kind's own rule (RECORD_KINDS
 * `problems`): `failed`, with the problems as explanation, when the figures do
 * not show what the kind needs. The gate runs the same rule on the figures
 * again, so the written outcome never decides by itself.
 */
export function judgedStatement(input: Omit<RecordInput, "outcome" | "explanation"> & { explanation: string }): Statement {
  const kind = RECORD_KINDS[input.kind];
  if (!kind) throw new Error(`internal: unknown record kind ${input.kind}`);
  const draft = { kind: input.kind, version: 1, stack: input.stack, mode: input.mode, by: input.by, window: input.window, outcome: kind.counts, figures: input.figures } as RecordPredicate;
  const problems = kind.problems?.(draft) ?? [];
  return makeStatement({ ...input, outcome: problems.length === 0 ? kind.counts : "failed", explanation: problems.length === 0 ? input.explanation : problems.join("; ") });
}
