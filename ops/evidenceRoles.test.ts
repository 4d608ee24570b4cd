import { copyFileSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WITNESS_NAMESPACE } from "../config/witness";
import { OpsRefused } from "../platform/errors";
import { REPO_ROOT } from "../platform/paths";
import { signRecordFile } from "../readiness/records";
import { npxCdb } from "../test/npxCdb";
import { makeFixture } from "../test/readinessFixture";
import { addEvidence } from "./evidence";

// `cdb evidence add` refuses a record whose signer is not the role its kind
// names (issue 22), before anything is written: a witness's record signed again
// by a person, and a person's record (the exchange check) signed by a witness.
// Through the function and through `npx cdb`, exit 5 and one line naming the
// record and the role it needs.

const fx = makeFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));
const recordOf = (id: string) => path.join(REPO_ROOT, fx.evidence.items[id]!.artifacts![0]!.path);
const add = (id: string, file: string) => addEvidence({ file: fx.evidenceFile, id, key: fx.keys.janne.file, artifacts: [file], allowedSignersFile: fx.allowedSigners, now: fx.now, stackConfigFile: fx.liveConfig });
const cli = (id: string, file: string) => npxCdb(["evidence", "add", id, "--key", fx.keys.janne.file, "--artifact", file, "--evidence", fx.evidenceFile], { env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners } });

/** A copy of the record of `id` (and its signature) beside the fixture's, to re-sign without touching the original. */
function copyOf(id: string, name: string): string {
  const file = path.join(fx.dir, name);
  copyFileSync(recordOf(id), file);
  copyFileSync(`${recordOf(id)}.sig`, `${file}.sig`);
  return file;
}

describe("evidence add and the signer role of a record", () => {
  it("control: takes the witness's drill record and janne's check record", () => {
    expect(add("killswitch.manual-drill", copyOf("killswitch.manual-drill", "drill-genuine.json"))).toMatchObject({ by: "janne" });
    expect(add("secrets.mainnet-verified", copyOf("secrets.mainnet-verified", "check-genuine.json"))).toMatchObject({ by: "janne" });
  });

  it("refuses a witness's record signed again by a person's allowed key, naming the record and the role, and writes nothing", () => {
    const file = copyOf("stability.candles", "candles-by-janne.json");
    signRecordFile(file, fx.keys.janne.file);
    const before = readFileSync(fx.evidenceFile, "utf8");
    expect(() => add("stability.candles", file)).toThrow(
      new OpsRefused(`${file}: not a candles record that counts for stability.candles: record candles-by-janne.json: signature is for namespace "cdb-evidence", not cdb-witness; candles records count only when signed by witness@paper (namespace cdb-witness)`),
    );
    expect(readFileSync(fx.evidenceFile, "utf8")).toBe(before);
  });

  it("refuses an exchange-check record signed by a witness's key", () => {
    const file = copyOf("secrets.mainnet-verified", "check-by-witness.json");
    signRecordFile(file, fx.keys.witnessPaper.file, WITNESS_NAMESPACE);
    expect(() => add("secrets.mainnet-verified", file)).toThrow(/^\S+check-by-witness\.json: not a exchange-check record that counts for secrets\.mainnet-verified: record check-by-witness\.json: signature is for namespace "cdb-witness", not cdb-evidence; exchange-check records count only when signed by a person's key in readiness\/allowed_signers \(namespace cdb-evidence\)$/);
  });

  it("npx cdb evidence add: exit 5 and one line for the re-signed witness record; exit 0 for the genuine one", async () => {
    const file = copyOf("killswitch.manual-drill", "drill-by-janne.json");
    signRecordFile(file, fx.keys.janne.file);
    const refused = await cli("killswitch.manual-drill", file);
    expect(refused.code).toBe(5);
    expect(refused.err).toBe(`cdb: refused: ${file}: not a killswitch-drill record that counts for killswitch.manual-drill: record drill-by-janne.json: signature is for namespace "cdb-evidence", not cdb-witness; killswitch-drill records count only when signed by witness@paper (namespace cdb-witness)\n`);
    const ok = await cli("killswitch.manual-drill", copyOf("killswitch.manual-drill", "drill-cli.json"));
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
  }, 60_000);
});
