import type { Catalog } from "./catalog";
import { UnusableInput } from "../platform/errors";
import { validateEvidence as validate } from "./evidenceValidator";
import { readYamlFile } from "./yamlFile";

export interface EvidenceEntry {
  by: string;
  at: string;
  approvedBy?: string;
  value?: number;
  artifacts?: { path: string; sha256: string }[];
  note?: string;
  /** sshsig of the author over authorForm (readiness/entrySignature.ts). */
  signature?: string;
  /** sshsig of the approver over approverForm. */
  approvalSignature?: string;
}

export interface Evidence {
  file: string;
  version: 1;
  stack: string;
  configDigest: string;
  items: Record<string, EvidenceEntry>;
}


/** Reads and validates an evidence file for `stack`; anything unusable throws UnusableInput. */
export function loadEvidence(file: string, stack: string, catalog: Catalog): Evidence {
  const y = readYamlFile(file);
  if (!validate(y.value)) {
    const err = validate.errors![0]!;
    const path = err.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const field = path.join(".") || "(root)";
    const extra = err.keyword === "additionalProperties" ? ` (${String((err.params as { additionalProperty: string }).additionalProperty)})` : "";
    throw new UnusableInput(file, `${field}: ${err.message ?? "is invalid"}${extra}`, y.lineOf(path));
  }
  const evidence = y.value as Omit<Evidence, "file">;
  if (evidence.stack !== stack) {
    throw new UnusableInput(file, `stack: evidence is for stack "${evidence.stack}", not "${stack}"`, y.lineOf(["stack"]));
  }
  const known = new Set(catalog.items.map((i) => i.id));
  for (const id of Object.keys(evidence.items)) {
    if (!known.has(id)) throw new UnusableInput(file, `items.${id}: unknown checklist id`, y.lineOf(["items", id]));
  }
  return { file, ...evidence };
}
