import { afterAll, beforeAll } from "vitest";
import type { ServiceName } from "../config/services";
import type { StackPlan } from "../model/plan";
import type { DockerTarget } from "../ops/docker";
import { startDoubles, waitHealthy, type DoubleOptions, type Doubles } from "./stackDoubles";

/**
 * A stack of TEST DOUBLES around the tests of one describe block: started
 * before them, with every started container that is not asked to crash
 * running and healthy, and removed after them. (Apart from stackDoubles.ts,
 * which the docker stand-in plugin imports outside vitest.)
 */
export function doublesAround(t: DockerTarget, plan: StackPlan, opts: DoubleOptions = {}): () => Doubles {
  let doubles: Doubles | undefined;
  beforeAll(async () => {
    doubles = await startDoubles(t, plan, opts);
    const crashing = new Set<string>(opts.crash ?? []);
    await waitHealthy(t, Object.entries(doubles.names).filter(([service]) => !crashing.has(service as ServiceName)).map(([, name]) => name));
  });
  afterAll(async () => doubles?.stop());
  return () => doubles!;
}
