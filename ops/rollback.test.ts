import { describe, expect, it } from "vitest";
import { doublesAround } from "../test/doublesAround";
import { paperPlan } from "../test/opsStack";
import { dockerTarget } from "./docker";
import { ORDER_RESULTS } from "./drill";
import { SHUTDOWN_STREAM } from "./kill";
import { containerRedis } from "./redis";
import { stopTrading } from "./rollback";
import { stackTarget } from "./target";

// Stop trading first: rollback arms the kill switch BEFORE it stops execution.
// Execution honours the switch within about a second; its stop takes the
// whole grace period (it ignores SIGTERM and is killed), during which it kept
// filling orders when the stop came first. The double ignores SIGTERM like
// the real service (CDB_DOUBLE_IGNORE_TERM) and fills an order every 100 ms.

const t = dockerTarget();
const STACK = "stoptest";
const { file, plan } = paperPlan(STACK);
const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
const idMs = (id: string) => Number(id.split("-")[0]);

describe("rollback's first step on a stack of test doubles", () => {
  doublesAround(t, plan, { only: ["redis", "execution"], orderIntervalMs: 100, env: { execution: { CDB_DOUBLE_IGNORE_TERM: "1" } } });

  it("arms the kill switch, sees execution reject orders, and only then stops it", async () => {
    const lines: string[] = [];
    const r = await stopTrading(t, stackTarget(STACK, file), "order test", (l) => lines.push(l));
    expect(r.killSwitch).toMatch(/^armed \(\d+-\d+\)$/);
    expect(r.execution).toBe(`${name("execution")} stopped`);
    expect(lines).toEqual([`rollback ${STACK}: kill switch ${r.killSwitch}`, `rollback ${STACK}: ${r.execution}`]);

    const redis = containerRedis(t, name("redis"));
    const [entry] = (await redis.call(["XRANGE", SHUTDOWN_STREAM, "-", "+"])) as [string, string[]][];
    expect(entry![0]).toBe(r.entryId);
    const info = await t.docker.getContainer(name("execution")).inspect();
    // Killed after the grace period: it ignored SIGTERM, as the real executor does.
    expect(info.State.ExitCode).toBe(137);
    const stoppedMs = Date.parse(info.State.FinishedAt);
    // The entry came before the stop (Redis and Docker share this host's clock)...
    expect(idMs(r.entryId!)).toBeLessThan(stoppedMs);
    // ...and execution rejected orders because of it while it was still running.
    const results = (await redis.call(["XRANGE", ORDER_RESULTS, r.entryId!, "+"])) as [string, string[]][];
    const rejected = results.filter(([, kv]) => kv[kv.indexOf("status") + 1] === "REJECTED" && kv[kv.indexOf("order_id") + 1]!.startsWith("SHUTDOWN_"));
    expect(rejected.length).toBeGreaterThan(0);
    expect(idMs(rejected[0]![0])).toBeLessThan(stoppedMs);
    // Once it rejected, it filled nothing more.
    expect(results.filter(([id, kv]) => idMs(id) > idMs(rejected[0]![0]) && kv[kv.indexOf("status") + 1] === "FILLED")).toEqual([]);
  }, 60_000);
});
