import type { ReportViolation } from "@pulumi/policy";
import { unsatisfied } from "../readiness/evaluate";
import type { GateResult } from "../readiness/gate";

/** One violation per unsatisfied checklist item, so the preview names each id. */
export function reportGate(result: GateResult, report: ReportViolation, prefix: string): void {
  const { verdict, notes } = result;
  if (verdict.ready) return;
  if (verdict.items.length === 0) {
    report(`${prefix}: the checklist has no item, nothing was evaluated`);
    return;
  }
  const open = unsatisfied(verdict);
  report(`${prefix}: not ready, ${open.length} of ${verdict.items.length} checklist items unsatisfied${notes.length ? ` (${notes.join("; ")})` : ""}`);
  for (const i of open) report(`${prefix}: ${i.id} ${i.status}: ${i.reason}`);
}
