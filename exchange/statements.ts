import { createHash } from "node:crypto";
import { CHECK_KIND, REHEARSAL_KIND, rehearsalFailures, type CheckFigures, type RehearsalFigures } from "../readiness/exchangeRecordKinds";
import { makeStatement, type Statement, type Subject } from "../readiness/records";

// The two exchange records as Statements, from their figures: what
// `cdb exchange check` and `cdb rehearse` write. Kept apart from the commands
// (ccxt, Docker) so tests and fixtures build records with the same functions.

/**
 * The record's subjects: the key it checked (a domain-separated sha256, so the
 * digest never equals the hash anything else publishes of the key) and the
 * pinned images of the services that will trade with it.
 */
export function checkSubjects(key: string, images: Record<string, string>): Subject[] {
  const out: Subject[] = [{ name: "mexc-api-key", digest: { sha256: createHash("sha256").update(`cdb-deploy exchange-check key\n${key.trim()}`).digest("hex") } }];
  for (const service of ["execution", "risk"]) {
    const pin = /@sha256:([0-9a-f]{64})$/.exec(images[service] ?? "");
    if (pin) out.push({ name: service, digest: { sha256: pin[1]! }, annotations: { image: images[service]! } });
  }
  return out;
}

/** The check record of `figures` (schema-checked: a check that writes an invalid record is a bug). */
export const checkStatement = (figures: CheckFigures, c: { stack: string; mode: "paper" | "live" | "rehearsal"; by: string; window: { from: string; to: string }; subjects: Subject[] }): Statement =>
  makeStatement({ kind: CHECK_KIND, ...c, outcome: "measured", figures: figures as unknown as Record<string, unknown> });

/**
 * The record of one rehearsed scenario: passed only when execution's reports
 * matched the exchange's book (the gate's rule, rehearsalFailures); a failed
 * one says where, and what upstream would have to change.
 */
export function rehearsalStatement(figures: RehearsalFigures, c: { stack: string; by: string; window: { from: string; to: string }; subjects: Subject[] }): Statement {
  const failures = rehearsalFailures(figures);
  return makeStatement({
    kind: REHEARSAL_KIND,
    ...c,
    mode: "rehearsal",
    outcome: failures.length === 0 ? "passed" : "failed",
    ...(failures.length > 0 ? { explanation: `${failures.join("; ")}${figures.upstream.length > 0 ? `; upstream: ${figures.upstream.map((u) => u.split(":")[0]).join(", ")}` : ""}` } : {}),
    figures: figures as unknown as Record<string, unknown>,
  });
}

