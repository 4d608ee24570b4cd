import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { addEvidence } from "../ops/evidence";
import { OpsRefused } from "../platform/errors";
import { REPO_ROOT } from "../platform/paths";
import { runGate } from "../readiness/gate";
import { writeRecord } from "../readiness/records";
import { LIVE_SECRETS } from "../test/mockRun";
import { passingCheckFigures } from "../test/exchangeRecordsFixture";
import { makeFixture } from "../test/readinessFixture";
import { checkStatement, checkSubjects } from "./statements";

// `cdb evidence add` with an exchange check record: the balance comes from the
// record (never typed), the key must be the stack's, and a check made against
// the simulator is refused before an entry is written.

const fx = makeFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));
const at = new Date(fx.now.getTime() - 3_600_000);
const record = (name: string, figures = passingCheckFigures()) =>
  writeRecord(checkStatement(figures, { stack: "live", mode: "live", by: "janne", window: { from: new Date(at.getTime() - 5_000).toISOString(), to: at.toISOString() }, subjects: checkSubjects(LIVE_SECRETS.mexcApiKey, {}) }), path.join(fx.dir, name), fx.keys.janne.file).file;
const add = (id: string, file: string, value?: number) =>
  addEvidence({ file: fx.evidenceFile, id, key: fx.keys.janne.file, artifacts: [path.relative(process.cwd(), file)], allowedSignersFile: fx.allowedSigners, now: fx.now, stackConfigFile: fx.liveConfig, ...(value !== undefined ? { value } : {}) });

describe("evidence add with an exchange check record", () => {
  it("takes the balance and the time from the record, and the gate counts the entry", () => {
    const file = record("check-300.json", passingCheckFigures("300"));
    const entry = add("risk.account-balance", file);
    expect(entry).toMatchObject({ by: "janne", at: at.toISOString(), value: 300 });
    expect(path.resolve(REPO_ROOT, entry.artifacts![0]!.path)).toBe(file);
    const item = runGate(fx.gateRequest()).verdict.items.find((i) => i.id === "risk.account-balance")!;
    expect(item).toMatchObject({ status: "satisfied", reason: expect.stringContaining("record check-300.json measured (300)") });
    expect(() => add("risk.account-balance", file, 1000)).toThrow(new OpsRefused("risk.account-balance: --value 1000 differs from 300, what the record computes"));
  });

  it("refuses a check made against the simulator, and a check of another key", () => {
    const sim = passingCheckFigures();
    sim.endpoint = { url: "http://127.0.0.1:8443" };
    expect(() => add("secrets.mainnet-verified", record("check-sim.json", sim))).toThrow(/not a exchange-check record that counts for secrets\.mainnet-verified: record check-sim\.json cannot prove secrets\.mainnet-verified: made against http:\/\/127\.0\.0\.1:8443, not MEXC's mainnet/);
    const other = passingCheckFigures("250", "mx0-some-other-key");
    expect(() => add("secrets.mainnet-verified", record("check-other.json", other))).toThrow(/record check-other\.json checked key [0-9a-f]{16}, the stack's key is [0-9a-f]{16}/);
  });
});
