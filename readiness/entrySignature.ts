import { createHash } from "node:crypto";
import { signWithKeyFile } from "./sshsig";

// The canonical form of an evidence entry, which its author and its approver
// sign (sshsig, namespace cdb-evidence): item id, stack, value, artifact
// digests, configDigest, time and the signer's typed name, as JSON with sorted
// keys and no whitespace. A note is not signed (free text). The approver's
// form adds the author's signature digest, so an approval belongs to exactly
// one authored entry and cannot be moved to another.

export const ENTRY_FORM = "cdb-evidence-entry/v1";

export interface SignedFields {
  stack: string;
  item: string;
  configDigest: string;
  at: string;
  by: string;
  value?: number;
  artifacts?: { path: string; sha256: string }[];
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const sortedArtifacts = (a: SignedFields["artifacts"]) => [...(a ?? [])].map((x) => ({ path: x.path, sha256: x.sha256 })).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

/** What the author signs. */
export function authorForm(f: SignedFields): string {
  return canonical({ form: ENTRY_FORM, role: "author", stack: f.stack, item: f.item, configDigest: f.configDigest, at: f.at, by: f.by, value: f.value ?? null, artifacts: sortedArtifacts(f.artifacts) });
}

/** What the approver signs: the author's form, who approves, and the digest of the author's signature. */
export function approverForm(f: SignedFields, approvedBy: string, authorSignature: string): string {
  return canonical({
    form: ENTRY_FORM,
    role: "approver",
    approvedBy,
    authorSignatureSha256: createHash("sha256").update(authorSignature.trim()).digest("hex"),
    entry: JSON.parse(authorForm(f)) as unknown,
  });
}

export const signAuthor = (keyFile: string, f: SignedFields) => signWithKeyFile(keyFile, authorForm(f));
export const signApproval = (keyFile: string, f: SignedFields, approvedBy: string, authorSignature: string) => signWithKeyFile(keyFile, approverForm(f, approvedBy, authorSignature));
