import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { makeFixture, signEntry, type Fixture } from "../test/readinessFixture";
import { REPO_ROOT } from "../platform/paths";
import { fileSha256 } from "./artifacts";
import type { Evidence } from "./evidence";
import { runGate } from "./gate";
import { signRecordFile, type Statement } from "./records";
import { WITNESS_NAMESPACE } from "../config/witness";
import { loadStackConfigFile, viewOf } from "./stackView";

// monitoring.structured-logs at the gate: the fixture's signed structured-logs record
// (test/readinessFixture.ts) counts; each attack breaks one thing.

const ID = "monitoring.structured-logs";
let fx: Fixture;
beforeEach(() => {
  fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
});

type E = Omit<Evidence, "file">;
const verdictOf = (e?: E, target?: Parameters<typeof runGate>[0]["target"]) =>
  runGate({ ...fx.gateRequest(e ? fx.write(e) : fx.evidenceFile), ...(target ? { target } : {}) }).verdict.items.find((i) => i.id === ID)!;

/** Edits the record by hand, puts its new sha256 into the entry and signs the entry again; `resignRecord`: paper's witness signs the edited record too. */
function forge(edit: (f: Record<string, unknown>, s: Statement) => void, opts: { resignRecord?: boolean; value?: number } = {}): E {
  const e = structuredClone(fx.evidence);
  const file = path.join(REPO_ROOT, e.items[ID]!.artifacts![0]!.path);
  const s = JSON.parse(readFileSync(file, "utf8")) as Statement;
  edit(s.predicate.figures, s);
  writeFileSync(file, JSON.stringify(s, null, 2) + "\n");
  if (opts.resignRecord) signRecordFile(file, fx.keys.witnessPaper.file, WITNESS_NAMESPACE);
  e.items[ID]!.artifacts![0]!.sha256 = fileSha256(file);
  if (opts.value !== undefined) e.items[ID]!.value = opts.value;
  signEntry(e, ID, fx.keys, false);
  return e;
}

describe("monitoring.structured-logs at the gate", () => {
  it("counts the signed record of execution's lines in Loki, on a stack that declares the aggregation", () => {
    const r = verdictOf();
    expect(r.status, r.reason).toBe("satisfied");
    expect(r.reason).toMatch(/record structured-logs\.json measured.*signed by witness@paper/);
  });

  it("refuses a hand-edited line count whose sha256 in the entry matches: the record's signature no longer holds", () => {
    const e = forge((f) => {
      f.lines = 40;
    }, { value: 40 });
    expect(verdictOf(e)).toMatchObject({ status: "invalid", reason: expect.stringMatching(/^record structured-logs\.json: signature does not verify/) });
  });

  it("refuses an entry value other than the record's line count", () => {
    const e = structuredClone(fx.evidence);
    e.items[ID]!.value = 4;
    signEntry(e, ID, fx.keys, false);
    expect(verdictOf(e)).toMatchObject({ status: "invalid", reason: "value 4 differs from 3, what its record computes" });
  });

  it("a record with no line (failed outcome, honestly signed) fails the item", () => {
    const e = forge((f, s) => {
      f.lines = 0;
      delete f.firstNs;
      delete f.lastNs;
      delete f.sample;
      s.predicate.outcome = "failed";
      s.predicate.explanation = "no line of cdbpaper_execution reached Loki since …";
    }, { resignRecord: true, value: 0 });
    expect(verdictOf(e)).toMatchObject({ status: "failed", reason: expect.stringMatching(/^record structured-logs\.json: outcome failed/) });
  });

  it("re-judges the figures: a record typed `measured` that counted another container's lines fails", () => {
    const other = forge((f) => {
      f.query = '{container="cdbpaper_ws"}';
      f.container = "cdbpaper_ws";
    }, { resignRecord: true });
    expect(verdictOf(other)).toMatchObject({ status: "failed", reason: expect.stringContaining("cdbpaper_ws is not an execution container") });
  });

  it("re-judges the query: a selector wider than execution's container fails", () => {
    const anyLabel = forge((f) => {
      f.query = '{container=~".+"}';
    }, { resignRecord: true });
    expect(verdictOf(anyLabel)).toMatchObject({ status: "failed", reason: expect.stringContaining('the query {container=~".+"} is not {container="cdbpaper_execution"}') });
  });

  it("re-judges the timestamps: a line older than the window fails", () => {
    const old = forge((f, s) => {
      f.firstNs = String(BigInt(Date.parse(s.predicate.window.from) - 86_400_000) * 1_000_000n);
    }, { resignRecord: true });
    expect(verdictOf(old)).toMatchObject({ status: "failed", reason: expect.stringContaining("lines outside the window") });
  });

  it("fails, whatever the record says, when the gated stack declares no Loki or no Promtail", () => {
    const view = viewOf(loadStackConfigFile("live", fx.liveConfig));
    for (const gone of ["cdb_loki", "cdb_promtail"]) {
      const r = verdictOf(undefined, { plan: view.plan, resources: view.resources.filter((x) => x.props.name !== gone) });
      expect(r.status).toBe("failed");
      expect(r.reason).toBe(`the stack does not declare it: live: declares no ${gone.slice(4)} container`);
    }
  });
});
