import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planStackWithMonitoring } from "../model/monitoredPlan";
import { liveConfigYaml, makeFixture } from "../test/readinessFixture";
import { deployVerdict, WITHHELD, withheldTraders } from "./deployRule";
import { runGate } from "./gate";
import { loadStackConfigFile } from "./stackView";

// The one rule: refused only when something would trade for real without a ready gate.

describe("deployVerdict", () => {
  const fx = makeFixture();
  const verdictOf = (config: string, evidenceFile?: string) => {
    const loaded = loadStackConfigFile("live", config);
    const plan = planStackWithMonitoring("live", loaded.config, loaded.secretsSet);
    return deployVerdict(loaded, plan, () => runGate({ stack: "live", configFiles: { live: config }, evidenceFile, allowedSignersFile: fx.allowedSigners }));
  };

  it("allows a live stack with complete evidence, naming its traders", () => {
    expect(verdictOf(fx.liveConfig, fx.evidenceFile)).toEqual({ traders: ["cdb_risk", "cdb_execution"] });
  });

  it("refuses a live stack whose gate is not ready, naming the open items", () => {
    const e = structuredClone(fx.evidence);
    delete e.items["compliance.legal-tax"];
    const v = verdictOf(fx.liveConfig, fx.write(e));
    fx.write();
    expect(v.traders).toEqual(["cdb_risk", "cdb_execution"]);
    expect(v.refused).toBe("the readiness gate is not ready: 1 checklist item(s) unsatisfied (compliance.legal-tax)");
  });

  it("refuses, failing closed, when the gate cannot be evaluated", () => {
    const v = verdictOf(fx.liveConfig, path.join(fx.dir, "missing.yaml"));
    expect(v.refused).toMatch(/^the readiness gate could not be evaluated: .*missing\.yaml: file not found$/);
  });

  it("allows a live stack at paper flags without any evidence (nothing trades: cdb rollback's target, and a first cdb deploy)", () => {
    const config = path.join(fx.dir, "Pulumi.live-paper.yaml");
    writeFileSync(config, liveConfigYaml({ mode: "paper" }));
    let asked = false;
    const loaded = loadStackConfigFile("live", config);
    const v = deployVerdict(loaded, planStackWithMonitoring("live", loaded.config, loaded.secretsSet), () => {
      asked = true;
      throw new Error("the gate is not consulted when nothing trades");
    });
    expect(v).toEqual({ traders: [] });
    expect(asked).toBe(false);
  });
});

describe("withheldTraders: the program's warning read back by the pull-request check", () => {
  it("names the traders after WITHHELD, and none in any other warning", () => {
    expect(withheldTraders(`the readiness gate is not ready: 3 checklist item(s) unsatisfied (a, b), so cdb_risk and cdb_execution are not declared (${WITHHELD} cdb_risk, cdb_execution). Run: npx cdb readiness --stack live`)).toEqual(["cdb_risk", "cdb_execution"]);
    expect(withheldTraders("some other warning (a, b)")).toEqual([]);
  });
});
