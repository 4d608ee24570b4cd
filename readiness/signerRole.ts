import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import { type AllowedSigners, type SignedBy, verifySignedBy } from "./allowedSigners";
import { SSHSIG_NAMESPACE } from "./sshsig";

// Who may sign which record (the in-toto layout idea, issue 22): each record
// kind names the signer role that counts, and this is the one place that turns
// a role into what the signature must show.
//
// - `witness`: the stack's own witness (a service of this project inside the
//   stack that saw the run) signed it in namespace cdb-witness, with the key
//   allowed_signers lists as `witness@<the record's stack>` for that namespace,
//   and the record's `by` is that principal. A person's key never counts, nor
//   another stack's witness: witness@rehearsal cannot speak for paper.
// - `person`: a person signed it in namespace cdb-evidence (what can only be
//   attested, e.g. the check of the live key, see exchangeRecordKinds.ts); a
//   witness key is no person (allowedSigners.ts keeps the roles apart).

export type SignerRole = "witness" | "person";

/** The namespace a role signs in. */
export const namespaceOf = (role: SignerRole): string => (role === "witness" ? WITNESS_NAMESPACE : SSHSIG_NAMESPACE);

/** What a record of `stack` needs, for people: "witness@paper (namespace cdb-witness)". */
export const roleText = (role: SignerRole, stack: string): string =>
  role === "witness" ? `${witnessPrincipal(stack)} (namespace ${WITNESS_NAMESPACE})` : `a person's key in readiness/allowed_signers (namespace ${SSHSIG_NAMESPACE})`;

/**
 * Verifies a record's signature for the role its kind needs: for `witness`,
 * the record must name the witness of its own stack as `by`, and be signed by
 * that witness's key in cdb-witness; for `person`, by the person `by` names in
 * cdb-evidence. Problems name the role that would count.
 */
export function verifyRecordSigner(
  signers: AllowedSigners | undefined,
  signature: unknown,
  bytes: Buffer,
  role: SignerRole,
  p: { kind: string; stack: string; by: string },
  now: Date,
): SignedBy {
  const needs = `${p.kind} records count only when signed by ${roleText(role, p.stack)}`;
  if (role === "witness" && p.by !== witnessPrincipal(p.stack)) return { ok: false, problem: `names by ${p.by}; ${needs}` };
  const signed = verifySignedBy(signers, signature, bytes, { principal: p.by, now, namespace: namespaceOf(role) });
  return signed.ok ? signed : { ok: false, problem: `${signed.problem}; ${needs}` };
}
