import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeRecord, type Statement } from "../readiness/records";
import { loadAllowedSigners } from "../readiness/allowedSigners";
import { lokiQueryRangeDouble, type LokiDouble } from "../test/lokiQueryRangeDouble";
import { npxCdb } from "../test/npxCdb";
import { paperStackFile } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";

// `npx cdb logs check` as the operator runs it, against a TEST DOUBLE of Loki's
// query_range (test/lokiQueryRangeDouble.ts: no Loki binary here). The stack is a
// paper stack named logstest: its execution container is cdblogstest_execution.

const EXEC = "cdblogstest_execution";
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

let loki: LokiDouble;
beforeAll(async () => {
  loki = await lokiQueryRangeDouble();
});
afterAll(() => loki.close());

describe("cdb logs check", () => {
  const stackConfig = paperStackFile("logstest");
  const fx = makeFixture();
  const cdb = (...args: string[]) =>
    npxCdb(["logs", "check", "--stack", "logstest", "--stack-config", stackConfig, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--loki-url", loki.url, "--out", repoTmpDir("logs-"), ...args], {
      env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners },
    });

  it("counts execution's lines since --since only (not older ones, not other containers), and writes a record the gate's rule accepts", async () => {
    const now = Date.now();
    loki.push({ container: EXEC, stream: "stdout" }, [
      [ns(now - 3 * 3_600_000), "too old"],
      [ns(now - 20 * 60_000), '{"level":"INFO","msg":"Mode: MOCK"}'],
      [ns(now - 10 * 60_000), '{"level":"INFO","msg":"order MOCK_1 filled"}'],
    ]);
    loki.push({ container: EXEC, stream: "stderr" }, [[ns(now - 5 * 60_000), "WARNING slow fill"]]);
    loki.push({ container: "cdblogstest_ws", stream: "stdout" }, [[ns(now - 60_000), "not execution"]]);
    const r = await cdb("--since", "1h", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { lines: number; query: string; firstNs: string; lastNs: string; artifact: string };
    expect(out).toMatchObject({ lines: 3, query: `{container="${EXEC}"}`, firstNs: String(ns(now - 20 * 60_000)), lastNs: String(ns(now - 5 * 60_000)) });
    // What the collector asked Loki: execution's container by its label, the window in ns.
    const q = loki.queries.at(-1)!;
    expect(q.query).toBe(`{container="${EXEC}"}`);
    expect(BigInt(q.end!) - BigInt(q.start!)).toBeGreaterThanOrEqual(ns(3_600_000));
    const s = JSON.parse(readFileSync(out.artifact, "utf8")) as Statement;
    expect(s.predicate).toMatchObject({ kind: "structured-logs", stack: "logstest", mode: "paper", outcome: "measured", figures: { lines: 3, container: EXEC, sample: "WARNING slow fill" } });
    const j = judgeRecord(out.artifact, "structured-logs", { signers: loadAllowedSigners(fx.allowedSigners), now: new Date(), maxAgeDays: 7, item: "monitoring.structured-logs", stack: "live" });
    expect(j).toMatchObject({ ok: true, value: 3 });
    const evidence = readFileSync(fx.evidenceFile, "utf8");
    expect(evidence).toContain("cdb logs check: 3 line(s) of cdblogstest_execution in Loki");
  });

  it("no line of execution in the window: a failed record and entry, exit 1", async () => {
    // The first test's newest line of execution is 5 minutes old: nothing in the last 4.
    const r = await cdb("--since", "4m", "--json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { lines: number; artifact: string };
    expect(out.lines).toBe(0);
    const s = JSON.parse(readFileSync(out.artifact, "utf8")) as Statement;
    expect(s.predicate.outcome).toBe("failed");
    expect(s.predicate.explanation).toContain(`no line of ${EXEC} reached Loki`);
  });

  it("a --since in the future is unusable input (exit 2), one line, nothing asked", async () => {
    const asked = loki.queries.length;
    const r = await cdb("--since", new Date(Date.now() + 60_000).toISOString());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdb: unusable input: --since: "[^"]+" is in the future\n$/);
    expect(loki.queries.length).toBe(asked);
  });

  it("Loki answering an error is unreachable (exit 7), one line naming Loki", async () => {
    loki.failNext(503, "Ingester not ready: waiting for 15s after being ready");
    const r = await cdb("--since", "1h");
    expect(r.code).toBe(7);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain(`Loki at ${loki.url} answered 503: Ingester not ready`);
    expect(r.out).toBe("");
  });

  it("a Loki nobody listens on is unreachable (exit 7)", async () => {
    const gone = await lokiQueryRangeDouble();
    await gone.close();
    const r = await npxCdb(["logs", "check", "--stack", "logstest", "--stack-config", stackConfig, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--loki-url", gone.url, "--since", "1h"], { env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners } });
    expect(r.code).toBe(7);
    expect(r.err).toContain(`Loki at ${gone.url}`);
  });

  it("refuses a live stack (exit 5): the lines are measured on paper", async () => {
    const r = await npxCdb(["logs", "check", "--stack", "live", "--stack-config", fx.liveConfig, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--loki-url", loki.url, "--since", "1h"], { env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners } });
    expect(r.code).toBe(5);
    expect(r.err).toContain("logs check measures the paper stack; live is live");
  });
});
