import { describe, expect, it } from "vitest";
import { containers, envOf, liveSettings, LIVE_SECRETS, mockRun } from "../test/mockRun";

const SERVICES = [
  "redis", "postgres", "prometheus", "alertmanager", "grafana", "postgres_exporter", "redis_exporter",
  "ws", "signal", "candles", "regime", "allocation", "risk", "execution", "db_writer", "paper_runner", "reports",
];

describe("paper stack (Pulumi mocks)", () => {
  it("declares every container", async () => {
    const run = await mockRun("paper", { sourceDir: "../claire-de-binare" });
    const names = containers(run).map((c) => c.inputs.name).sort();
    expect(names).toEqual(SERVICES.map((s) => `cdbpaper_${s}`).sort());
    console.log(run.resources.map(r=>r.type+" "+r.name).join("\n"));
  });
});
