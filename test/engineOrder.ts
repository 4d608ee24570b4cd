import { BaseSequencer, type TestSpecification } from "vitest/node";

// The engine files run three at a time (vitest.config.mts) and take from
// 1.5 to 12 minutes each. Vitest starts the longest first when it has
// durations of earlier runs; in a fresh clone (CI) it has none and starts the
// largest files first, and file size says little here: the policy-check PRs
// (a short file, 11 minutes) started last and ran alone for 5 minutes after
// every other engine file had ended. Where vitest has no duration, the
// engine files start in the order of these, measured in a whole `.ci/run`
// (bench/testFiles.ts). A stale figure only costs balance, never a test; a
// file missing here starts first, as vitest starts unknown files.

/**
 * Wall seconds of each engine file in a whole CI run (fresh clone, 2 cores,
 * e49916c); the two policy-check files are halves of the one file they were then.
 */
export const ENGINE_SECONDS: Readonly<Record<string, number>> = {
  "live.engine.test.ts": 731,
  "promote.engine.test.ts": 686,
  "postgresState.engine.test.ts": 684,
  "deploy.engine.test.ts": 369,
  "policyCheckBase.engine.test.ts": 340,
  "policyCheckJudge.engine.test.ts": 340,
  "rehearsal.engine.test.ts": 160,
  "readme.engine.test.ts": 141,
  "paper.engine.test.ts": 102,
  "passphrase.engine.test.ts": 93,
  "runtimeOptions.engine.test.ts": 10,
};

const secondsOf = (spec: TestSpecification) => ENGINE_SECONDS[spec.moduleId.split(/[\\/]/).at(-1)!] ?? Number.POSITIVE_INFINITY;

export class EngineLongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const engine = sorted.map((spec, i) => ({ spec, i })).filter(({ spec }) => spec.project.name === "engine");
    if (engine.some(({ spec }) => this.ctx.cache.getTestSpecificationResult(spec))) return sorted;
    // The same positions in the order, the engine files among themselves longest first.
    const byWeight = engine.map(({ spec }) => spec).sort((a, b) => secondsOf(b) - secondsOf(a));
    engine.forEach(({ i }, k) => (sorted[i] = byWeight[k]!));
    return sorted;
  }
}
