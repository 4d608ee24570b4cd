import { describe, expect, it } from "vitest";
import { liveStackFile, paperPlan } from "../test/opsStack";
import { renamed } from "../test/stackDoubles";
import { dockerTarget } from "./docker";
import { SHUTDOWN_STREAM, writeKillEntry } from "./kill";
import { containerRedis } from "./redis";
import { stackPlan } from "./target";
import { executionStatusProblems, verifyStack } from "./verify";
import { doublesAround } from "../test/doublesAround";

const t = dockerTarget();

// Issue 16 item 9: execution's mode comes from its GET /status (asked inside
// the container: live has no host port), not from the log, whose start-up
// "Mode:" line a day of logging pushes out. Before: an executor whose log no
// longer held the line was reported unhealthy.
describe("execution's mode from GET /status, whatever its log still holds", () => {
  const { plan } = paperPlan("verifystatus");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  // CDB_DOUBLE_QUIET: the double logs no mode line at all, as a log rotated past the start.
  doublesAround(t, plan, { only: ["redis", "execution"], orderIntervalMs: 0, env: { execution: { CDB_DOUBLE_QUIET: "1" } } });

  it("reads mock from /status and says when the stack expects live", async () => {
    const logs = (await t.docker.getContainer(name("execution")).logs({ stdout: true, stderr: true })).toString("utf8");
    expect(logs).not.toMatch(/Mode: (MOCK|LIVE)/);
    expect(await executionStatusProblems(t, name("execution"), "paper")).toEqual([]);
    expect(await executionStatusProblems(t, name("execution"), "live")).toEqual([`${name("execution")}: GET /status reports mode "mock", the stack is live (expects "live")`]);
    const only = { ...plan, containers: plan.containers.filter((c) => c.service === "redis" || c.service === "execution") };
    expect((await verifyStack({ stack: "verifystatus", plan: only, docker: t, restartSampleMs: 200 })).problems).toEqual([]);
  });
});

describe("cdb verify on a paper stack of test doubles", () => {
  const { plan } = paperPlan("verifytest");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  doublesAround(t, plan, { orderIntervalMs: 0 });

  it("is healthy when every declared container runs, healthy, in paper mode, with an empty kill switch", async () => {
    const r = await verifyStack({ stack: "verifytest", plan, docker: t, restartSampleMs: 500 });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(plan.containers.length);
    expect(r.checked).toBeGreaterThanOrEqual(17);
    // The witness is one of them: cdb verify checks it like any declared container.
    expect(plan.containers.map((c) => c.service)).toContain("witness");
  });

  it("names every problem on its own line: missing, stopped, kill switch set", async () => {
    const redis = containerRedis(t, name("redis"));
    const entry = await writeKillEntry(redis, { reason: "verify test" });
    await t.docker.getContainer(name("reports")).stop({ t: 1 });
    await t.docker.getContainer(name("candles")).remove({ force: true });
    await t.docker.getContainer(name("witness")).remove({ force: true });
    try {
      const r = await verifyStack({ stack: "verifytest", plan, docker: t, restartSampleMs: 200 });
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual([
        `${name("witness")}: missing (declared by stack verifytest, not on ${t.host})`,
        `${name("candles")}: missing (declared by stack verifytest, not on ${t.host})`,
        expect.stringMatching(new RegExp(`^${name("reports")}: not running \\(exited, exit code \\d+\\)$`)),
        `${name("redis")}: ${SHUTDOWN_STREAM} holds 1 entry: execution rejects every order (release with cdb kill --release, then restart)`,
      ]);
    } finally {
      await redis.call(["XDEL", SHUTDOWN_STREAM, entry.id]);
    }
  });
});

describe("cdb verify catches a restart loop, a secret in the environment and the wrong mode", () => {
  const { plan } = paperPlan("verifybad");
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  doublesAround(t, plan, {
    orderIntervalMs: 0,
    crash: ["regime"],
    env: { risk: { REDIS_PASSWORD: "hunter2" }, ws: { DATABASE_URL: "postgresql://claire_user:hunter2@cdb_postgres/db" }, execution: { MOCK_TRADING: "false" } },
  });

  it("reports each without echoing a secret value", async () => {
    const r = await verifyStack({ stack: "verifybad", plan, docker: t, restartSampleMs: 1500 });
    expect(r.ok).toBe(false);
    expect(r.problems).toContain(`${name("risk")}: environment variable REDIS_PASSWORD carries a literal value (secrets belong in /run/secrets)`);
    expect(r.problems).toContain(`${name("ws")}: environment variable DATABASE_URL holds a URL with a password`);
    expect(r.problems).toContain(`${name("execution")}: its environment trades for real (MOCK_TRADING=false), the stack is paper`);
    expect(r.problems).toContain(`${name("execution")}: GET /status reports mode "live", the stack is paper (expects "mock")`);
    expect(r.problems.filter((p) => p.startsWith(`${name("regime")}: restart-looping`))).toHaveLength(1);
    expect(r.problems.join("\n")).not.toContain("hunter2");
  });
});

describe("cdb verify on a live stack of test doubles", () => {
  // The live plan (mode, env, Mode: LIVE) under names of its own: the engine suite uses cdb_* on the same dockerd.
  const live = stackPlan("live", liveStackFile()).plan;
  const plan = renamed(live, "opslive");
  doublesAround(t, plan, { orderIntervalMs: 0, env: { execution: { CDB_DOUBLE_QUIET: "1" } } });

  it("is healthy with mode live from cdb_execution's /status, its log holding no mode line", async () => {
    expect(live.containers.find((c) => c.service === "execution")!.name).toBe("cdb_execution");
    expect(plan.mode).toBe("live");
    const r = await verifyStack({ stack: "live", plan, docker: t, restartSampleMs: 300 });
    expect(r.problems).toEqual([]);
  });
});
