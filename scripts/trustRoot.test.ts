import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { fileSha256 } from "../readiness/artifacts";
import { loadCatalog } from "../readiness/catalog";
import { configDigest } from "../readiness/digest";
import type { Evidence } from "../readiness/evidence";
import { type Statement, writeRecord } from "../readiness/records";
import { loadStackConfigFile, viewOf } from "../readiness/stackView";
import { readAudit } from "../ops/audit";
import { completeEvidence, fixtureKeys, liveConfigYaml, signEntry, soakedSubjects, writeFixtureSigners } from "../test/readinessFixture";
import { repoCopy, type RepoCopy } from "../test/repoCopy";
import { makeKey, type TestKey } from "../test/sshKeys";
import { SSHSIG_NAMESPACE } from "../readiness/sshsig";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";

// Issue 22, findings 4 and 5, through `npx cdb` in a copy of the repository:
// - a key is judged when the gate verifies, as `ssh-keygen -Y verify` judges
//   it: revoked (valid-before in the past) or removed from allowed_signers, it
//   signs nothing that counts, whatever time the entry or record names;
// - a live gate reads allowed_signers, checklist and evidence from the
//   repository only: CDB_ALLOWED_SIGNERS, CDB_EVIDENCE_FILE, --evidence and
//   --catalog are refused for live (exit 2, one line naming them).
// Every refusal has its control: the same setup with valid keys is ready.

const DAY = 86_400_000;
const now = new Date();
/** allowed_signers' time format, UTC: YYYYMMDDHHMMSSZ. */
const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}Z$/, "Z");
const YESTERDAY = new Date(now.getTime() - DAY);
const TOMORROW = new Date(now.getTime() + DAY);
const iso = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();

const catalog = loadCatalog();
const evidenceItems = catalog.items.filter((i) => i.kind !== "machine");
const twoPerson = new Set(catalog.items.filter((i) => i.twoPerson).map((i) => i.id));
/** The item whose record rex signs, a second key of paper's witness (as after a witness's volume was lost): the other records are the fixture witnesses'. */
const REX_ITEM = "killswitch.manual-drill";

let repo: RepoCopy;
let evidence: Omit<Evidence, "file">;
let rex: TestKey;
const keys = fixtureKeys();

type Options = string | null;
/** The repository's allowed_signers (or `file`): per person extra options, or null to delete the line. */
function writeSigners(o: { janne?: Options; mara?: Options; rex?: Options } = {}, file = repo.file("readiness", "allowed_signers")): string {
  const line = (principals: string, key: TestKey, opts: Options | undefined, ns = SSHSIG_NAMESPACE) =>
    opts === null ? [] : [`${principals} namespaces="${ns}"${opts ? `,${opts}` : ""} ${key.publicLine}`];
  const lines = [
    ...line("janne,janne@example.com", keys.janne, o.janne),
    ...line("mara", keys.mara, o.mara),
    ...line(witnessPrincipal("paper"), keys.witnessPaper, undefined, WITNESS_NAMESPACE),
    ...line(witnessPrincipal("rehearsal"), keys.witnessRehearsal, undefined, WITNESS_NAMESPACE),
    ...line(witnessPrincipal("paper"), rex, o.rex, WITNESS_NAMESPACE),
  ];
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const writeEvidence = (file = repo.file("readiness", "live.evidence.yaml")) => {
  writeFileSync(file, stringify(evidence));
  return file;
};

interface Json {
  ready: boolean;
  items: { id: string; status: string; reason: string }[];
}
async function readiness(args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = await repo.cdb(["readiness", "--stack", "live", "--json", ...args], env);
  return { ...r, json: r.code === 0 || r.code === 1 ? (JSON.parse(r.out) as Json) : undefined };
}
const byId = (j: Json) => Object.fromEntries(j.items.map((i) => [i.id, i]));

beforeAll(() => {
  repo = repoCopy("cdb-trust-");
  rex = makeKey("rex");
  writeFileSync(repo.file("Pulumi.live.yaml"), liveConfigYaml());
  const plan = viewOf(loadStackConfigFile("live", repo.file("Pulumi.live.yaml"))).plan;
  const dir = repo.file("readiness", "artifacts", "trust");
  mkdirSync(dir, { recursive: true });
  // Complete evidence, its entries and records dated two days ago: before "yesterday", when a key is revoked below.
  evidence = completeEvidence(dir, configDigest(plan), now, repo.root, soakedSubjects(plan), keys);
  // One record by rex, paper's witness's second key: the drill record; the entry (janne's) points at it.
  const entry = evidence.items[REX_ITEM]!;
  const statement = JSON.parse(readFileSync(repo.file(entry.artifacts![0]!.path), "utf8")) as Statement;
  statement.predicate.by = witnessPrincipal("paper");
  const written = writeRecord(statement, path.join(dir, "drill-rex.json"), rex.file, WITNESS_NAMESPACE);
  entry.artifacts = [{ path: path.relative(repo.root, written.file).split(path.sep).join("/"), sha256: fileSha256(written.file) }];
  signEntry(evidence, REX_ITEM, keys, twoPerson.has(REX_ITEM));
  writeEvidence();
}, 120_000);
afterAll(() => repo?.dispose());

describe("keys are judged when the gate verifies (npx cdb readiness --stack live)", () => {
  it("control: every key valid (also with a validity window around now) is READY", async () => {
    writeSigners();
    const plain = await readiness();
    expect(plain.code, plain.out + plain.err).toBe(0);
    expect(plain.json!.ready).toBe(true);
    const windowed = `valid-after="${stamp(new Date(now.getTime() - 30 * DAY))}",valid-before="${stamp(TOMORROW)}"`;
    writeSigners({ janne: windowed, mara: windowed, rex: windowed });
    const r = await readiness();
    expect(r.code, r.out + r.err).toBe(0);
  }, 60_000);

  it("an author revoked yesterday (valid-before) voids every entry, back-dated to before the revocation or not", async () => {
    writeSigners({ janne: `valid-before="${stamp(YESTERDAY)}"` });
    const r = await readiness();
    expect(r.code, r.err).toBe(1);
    const items = byId(r.json!);
    const revoked = new RegExp(`^entry by janne: key SHA256:\\S+ of janne, janne@example\\.com may not sign cdb-evidence evidence: it was revoked: valid-before ${iso(YESTERDAY).replace(/\./g, "\\.")} \\(allowed_signers line 1\\), now is `);
    for (const item of evidenceItems) {
      // Written two days ago: when the key still was valid.
      expect(Date.parse(evidence.items[item.id]!.at)).toBeLessThan(YESTERDAY.getTime());
      expect(items[item.id], item.id).toMatchObject({ status: "invalid", reason: expect.stringMatching(revoked) });
    }
  }, 60_000);

  it("an author not yet valid (valid-after tomorrow) signs nothing that counts", async () => {
    writeSigners({ janne: `valid-after="${stamp(TOMORROW)}"` });
    const r = await readiness();
    expect(r.code).toBe(1);
    expect(byId(r.json!)["compliance.legal-tax"]!.reason).toMatch(/^entry by janne: key SHA256:\S+ of janne, janne@example\.com may not sign cdb-evidence evidence: it is not valid before .* \(valid-after, allowed_signers line 1\)/);
  }, 60_000);

  it("an approver revoked yesterday voids every approval, and nothing else", async () => {
    writeSigners({ mara: `valid-before="${stamp(YESTERDAY)}"` });
    const r = await readiness();
    expect(r.code).toBe(1);
    const items = byId(r.json!);
    for (const item of evidenceItems) {
      if (twoPerson.has(item.id)) {
        expect(items[item.id], item.id).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^approval by mara: key SHA256:\S+ of mara may not sign cdb-evidence evidence: it was revoked: valid-before .* \(allowed_signers line 2\)/) });
      } else expect(items[item.id]!.status, item.id).toBe("satisfied");
    }
    expect(twoPerson.size).toBeGreaterThan(0);
  }, 60_000);

  it("a record signer (witness) revoked yesterday voids its record, dated before the revocation", async () => {
    writeSigners({ rex: `valid-before="${stamp(YESTERDAY)}"` });
    const r = await readiness();
    expect(r.code).toBe(1);
    const items = byId(r.json!);
    expect(items[REX_ITEM]).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record drill-rex\.json: key SHA256:\S+ of witness@paper may not sign cdb-witness evidence: it was revoked: valid-before .* \(allowed_signers line 5\)/) });
    const record = JSON.parse(readFileSync(repo.file(evidence.items[REX_ITEM]!.artifacts![0]!.path), "utf8")) as Statement;
    expect(Date.parse(record.predicate.window.to)).toBeLessThan(YESTERDAY.getTime());
    expect(r.json!.items.filter((i) => i.status !== "satisfied").map((i) => i.id)).toEqual([REX_ITEM]);
  }, 60_000);

  it.each([
    ["janne", "author", /^entry by janne: signed by key SHA256:\S+, which is not in allowed_signers$/, (id: string) => id !== "x"],
    ["mara", "approver", /^approval by mara: signed by key SHA256:\S+, which is not in allowed_signers$/, (id: string) => twoPerson.has(id)],
    ["rex", "record signer", /^record drill-rex\.json: signed by key SHA256:\S+, which is not in allowed_signers; /, (id: string) => id === REX_ITEM],
  ] as const)("%s's line removed from allowed_signers (%s): what the key signed is void", async (who, _role, reason, hit) => {
    writeSigners({ [who]: null });
    const r = await readiness();
    expect(r.code).toBe(1);
    const items = byId(r.json!);
    for (const item of evidenceItems) {
      if (hit(item.id)) expect(items[item.id], item.id).toMatchObject({ status: "invalid", reason: expect.stringMatching(reason) });
      else expect(items[item.id]!.status, item.id).toBe("satisfied");
    }
  }, 60_000);
});

describe("a live gate reads its files from the repository only", () => {
  const oneLine = (r: { code: number | null; err: string; out: string }, named: string) => {
    expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: "" });
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`^cdb: unusable input: ${named}: refused for (live|canary): a live gate reads only the repository's readiness/allowed_signers, readiness/checklist\\.yaml and readiness/(live|canary)\\.evidence\\.yaml`));
  };

  it("CDB_ALLOWED_SIGNERS naming a private list of the signers' own keys: exit 2, naming it (without it: the repository's list, not ready)", async () => {
    // The repository lists only rex; a private list names janne, mara and rex, who signed everything: it would make live ready.
    writeSigners({ janne: null, mara: null });
    writeEvidence();
    const own = writeSigners({}, repo.file("..", "private_signers"));
    const control = await readiness();
    expect(control.code).toBe(1);
    expect(byId(control.json!)["compliance.legal-tax"]!.reason).toMatch(/which is not in allowed_signers$/);
    oneLine(await readiness([], { CDB_ALLOWED_SIGNERS: own }), "CDB_ALLOWED_SIGNERS");
    // Set but empty is an override too: never silently ignored.
    oneLine(await readiness([], { CDB_ALLOWED_SIGNERS: "" }), "CDB_ALLOWED_SIGNERS");
  }, 60_000);

  it("CDB_EVIDENCE_FILE, --evidence and --catalog: exit 2, naming each (without them: the repository's evidence)", async () => {
    writeSigners();
    const own = writeEvidence(repo.file("..", "private.evidence.yaml"));
    rmSync(repo.file("readiness", "live.evidence.yaml"));
    const control = await readiness();
    expect(control.code).toBe(1);
    expect(byId(control.json!)["compliance.legal-tax"]!.reason).toBe("no evidence entry");
    oneLine(await readiness([], { CDB_EVIDENCE_FILE: own }), "CDB_EVIDENCE_FILE");
    oneLine(await readiness(["--evidence", own]), "--evidence");
    // A shorter checklist would be a bypass.
    const short = repo.file("..", "short-checklist.yaml");
    writeFileSync(short, "version: 1\nsections: {}\nitems: []\n");
    oneLine(await readiness(["--catalog", short]), "--catalog");
    oneLine(await readiness(["--evidence", own], { CDB_ALLOWED_SIGNERS: repo.file("readiness", "allowed_signers") }), "CDB_ALLOWED_SIGNERS, --evidence");
    writeEvidence();
    expect((await readiness()).code).toBe(0);
  }, 90_000);

  it("a stack of another name whose mode is live is live", async () => {
    copyFileSync(repo.file("Pulumi.live.yaml"), repo.file("Pulumi.canary.yaml"));
    try {
      oneLine(await repo.cdb(["readiness", "--stack", "canary"], { CDB_ALLOWED_SIGNERS: repo.file("readiness", "allowed_signers") }), "CDB_ALLOWED_SIGNERS");
    } finally {
      rmSync(repo.file("Pulumi.canary.yaml"));
    }
  }, 60_000);

  it("cdb promote and cdb deploy refuse them before anything runs (and promote audits the refusal)", async () => {
    const audit = repo.file("..", "operations.jsonl");
    const promote = await repo.cdb(["promote", "--to", "live", "--yes"], { CDB_ALLOWED_SIGNERS: repo.file("readiness", "allowed_signers"), CDB_AUDIT_FILE: audit });
    oneLine(promote, "CDB_ALLOWED_SIGNERS");
    expect(readAudit(audit).at(-1)).toMatchObject({ op: "promote", stack: "live", outcome: "failed at gate files (unusable input)" });
    oneLine(await repo.cdb(["deploy", "--stack", "live", "--confirm-live"], { CDB_EVIDENCE_FILE: repo.file("readiness", "live.evidence.yaml") }), "CDB_EVIDENCE_FILE");
    oneLine(await repo.cdb(["deploy", "--stack", "live", "--preview"], { CDB_ALLOWED_SIGNERS: repo.file("readiness", "allowed_signers") }), "CDB_ALLOWED_SIGNERS");
  }, 60_000);

  it("paper (which gates nothing live) still takes CDB_ALLOWED_SIGNERS and --evidence", async () => {
    // The repository lists only rex; the private list names janne, who signed paper's one entry.
    writeSigners({ janne: null, mara: null });
    const own = writeFixtureSigners(repo.file("..", "private_signers"));
    const paper: Omit<Evidence, "file"> = {
      version: 1,
      stack: "paper",
      configDigest: configDigest(viewOf(loadStackConfigFile("paper", repo.file("Pulumi.paper.yaml"))).plan),
      items: { "compliance.legal-tax": { by: "janne", at: new Date(now.getTime() - DAY).toISOString() } },
    };
    signEntry(paper, "compliance.legal-tax", keys, false);
    const file = repo.file("..", "paper.evidence.yaml");
    writeFileSync(file, stringify(paper));
    const r = await repo.cdb(["readiness", "--stack", "paper", "--json", "--evidence", file], { CDB_ALLOWED_SIGNERS: own });
    expect(r.code, r.err).toBe(1);
    expect(byId(JSON.parse(r.out) as Json)["compliance.legal-tax"]).toMatchObject({ status: "satisfied" });
    const withoutList = await repo.cdb(["readiness", "--stack", "paper", "--json", "--evidence", file]);
    expect(byId(JSON.parse(withoutList.out) as Json)["compliance.legal-tax"]!.reason).toMatch(/which is not in allowed_signers$/);
  }, 60_000);
});
