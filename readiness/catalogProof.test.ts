import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoTmpDir } from "../test/repoTmp";
import { DEFAULT_CATALOG, loadCatalog, proofOf } from "./catalog";
import { RECORD_KINDS } from "./recordKinds";

// The checklist says per item who proves it (`proof:`), and the record kinds
// say who signs each record (`signer:`): the loader refuses a checklist whose
// word differs from the kinds', so the two cannot drift (issue 22).

const text = readFileSync(DEFAULT_CATALOG, "utf8");
function loadEdited(edit: (t: string) => string): () => unknown {
  const file = path.join(repoTmpDir("catalog-proof-"), "checklist.yaml");
  const edited = edit(text);
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
  return () => loadCatalog(file);
}

describe("proof: in the checklist", () => {
  it("every item states the proof its kind and record kind give it; the exchange-check items are attested, the drills, collectors and rehearsals witnessed", () => {
    const items = loadCatalog().items;
    for (const i of items) expect(i.proof, i.id).toBe(proofOf(i));
    const by = (p: string) => items.filter((i) => i.proof === p).map((i) => i.id);
    expect(by("attested")).toEqual(expect.arrayContaining(["secrets.testnet-verified", "secrets.mainnet-verified", "secrets.key-permissions", "risk.account-balance", "compliance.strategy"]));
    expect(by("witnessed").sort()).toEqual(items.filter((i) => i.record !== undefined && i.record !== "exchange-check").map((i) => i.id).sort());
    expect(by("witnessed")).toHaveLength(13);
    // The kinds themselves: only the check of the live key is a person's record.
    expect(Object.entries(RECORD_KINDS).filter(([, k]) => k.signer === "person").map(([n]) => n)).toEqual(["exchange-check"]);
  });

  it("refuses a witnessed item declared attested, an attested one declared witnessed, and a missing proof, naming file, line and field", () => {
    const drill = loadEdited((t) => t.replace(/(id: killswitch\.manual-drill\n(?:.*\n)*?\s+proof: )witnessed/, "$1attested"));
    expect(drill).toThrow(/checklist\.yaml:\d+: items\.\d+\.proof: is attested, but its killswitch-drill records are signed by the stack's witness: must be witnessed$/);
    const check = loadEdited((t) => t.replace(/(id: secrets\.mainnet-verified\n(?:.*\n)*?\s+proof: )attested/, "$1witnessed"));
    expect(check).toThrow(/checklist\.yaml:\d+: items\.\d+\.proof: is witnessed, but its exchange-check records are signed by a person: must be attested$/);
    const missing = loadEdited((t) => t.replace(/(id: compliance\.legal-tax\n(?:.*\n)*?)\s+proof: attested\n/, "$1"));
    expect(missing).toThrow(/checklist\.yaml:\d+: items\.\d+\.proof: /);
  });

  it("refuses an item proven by person-signed records declared recorded (nobody's word)", () => {
    const recorded = loadEdited((t) => t.replace(/(id: secrets\.mainnet-verified\n\s+section: secrets\n\s+kind: )attested/, "$1recorded"));
    expect(recorded).toThrow(/checklist\.yaml:\d+: items\.\d+\.kind: recorded items read witness-signed records; exchange-check records are signed by a person: make it attested with the record as its artifact$/);
  });
});
