import { describe, expect, it } from "vitest";
import type { ContainerFacts, StackFacts } from "./facts";
import { MACHINE_CHECKS } from "./machineChecks";

const container = (service: string, env: Record<string, string>): ContainerFacts => ({
  service,
  name: `cdbpaper_${service}`,
  env,
  secretFiles: new Map(),
  files: new Map(),
  mounts: [],
});
const stack = (...cs: ContainerFacts[]): StackFacts => ({ stack: "paper", containers: new Map(cs.map((c) => [c.service, c])) });
const mockExplicit = (paper: StackFacts) => MACHINE_CHECKS["execution.mock-explicit"]!({ paper, target: stack() });

describe("execution.mock-explicit", () => {
  it("passes paper execution with MOCK_TRADING true and no confirmation", () => {
    expect(mockExplicit(stack(container("execution", { MOCK_TRADING: "true" }), container("risk", {})))).toEqual([]);
  });

  it("fails a paper stack in which any container carries CONFIRM_LIVE_TRADING", () => {
    expect(mockExplicit(stack(container("execution", { MOCK_TRADING: "true", CONFIRM_LIVE_TRADING: "true" })))).toEqual([
      "paper/execution sets CONFIRM_LIVE_TRADING, which only a live executor may carry",
    ]);
    expect(mockExplicit(stack(container("execution", { MOCK_TRADING: "true" }), container("ws", { CONFIRM_LIVE_TRADING: "false" })))).toEqual([
      "paper/ws sets CONFIRM_LIVE_TRADING, which only a live executor may carry",
    ]);
  });

  it("fails when MOCK_TRADING is not set explicitly", () => {
    expect(mockExplicit(stack(container("execution", {})))).toEqual(['paper/execution does not set MOCK_TRADING (must be "true" explicitly)']);
  });
});
