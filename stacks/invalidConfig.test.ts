import { describe, expect, it } from "vitest";
import { mockRun, type RecordedResource } from "../test/mockRun";

describe("program with invalid config (Pulumi mocks)", () => {
  it("stops before declaring any resource, with one message naming key and rule", async () => {
    const registered: RecordedResource[] = [];
    const error = await mockRun("paper", { sourceDir: "../src", risk: { maxPositionPct: 1.5 } }, {}, registered).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe("invalid stack config:\ncdb:risk.maxPositionPct must be > 0 and <= 1, got 1.5");
    expect(error?.constructor.name).toBe("RunError");
    expect(registered).toEqual([]);
  });
});
