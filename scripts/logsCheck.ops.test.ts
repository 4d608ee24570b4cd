import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WITNESS_NAMESPACE } from "../config/witness";
import { dockerTarget } from "../ops/docker";
import { loadAllowedSigners, verifySignedBy } from "../readiness/allowedSigners";
import { readRecord, type Statement } from "../readiness/records";
import { doublesAround } from "../test/doublesAround";
import { lokiQueryRangeDouble, type LokiDouble } from "../test/lokiQueryRangeDouble";
import { npxCdb } from "../test/npxCdb";
import { paperPlan } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { repoTmpDir } from "../test/repoTmp";
import { witnessAround } from "../test/witnessAround";
import { writeFileSync } from "node:fs";

// `npx cdb logs check` as the operator runs it: the stack's witness (issue 22)
// asks a TEST DOUBLE of Loki's query_range (test/lokiQueryRangeDouble.ts: no
// Loki binary here) from inside the stack, through the stack network's
// gateway, and signs the record. The stack is a paper stack of test doubles
// named logstest: its execution container is cdblogstest_execution.

const EXEC = "cdblogstest_execution";
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
const t = dockerTarget();

let loki: LokiDouble;
beforeAll(async () => {
  loki = await lokiQueryRangeDouble("0.0.0.0");
});
afterAll(() => loki?.close());

describe("cdb logs check", () => {
  const { plan, file: stackConfig } = paperPlan("logstest");
  const doubles = doublesAround(t, plan, { only: ["redis", "execution"] });
  const witness = witnessAround(t, plan, doubles, async () => {
    const net = await t.docker.getNetwork(plan.networkName).inspect();
    return { LOKI_URL: `http://${net.IPAM!.Config![0]!.Gateway}:${new URL(loki.url).port}` };
  });
  const fx = makeFixture();
  const out = repoTmpDir("logs-");
  const cdb = (...args: string[]) =>
    npxCdb(["logs", "check", "--stack", "logstest", "--stack-config", stackConfig, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--out", out, ...args], {
      env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners },
    });
  const newest = () => path.join(out, readdirSync(out).filter((f) => f.endsWith("-structured-logs.json")).sort().at(-1)!);

  it("counts execution's lines since --since only (not older ones, not other containers), in a record the witness signed", async () => {
    const now = Date.now();
    loki.push({ container: EXEC, stream: "stdout" }, [
      [ns(now - 3 * 3_600_000), "too old"],
      [ns(now - 20 * 60_000), '{"level":"INFO","msg":"Mode: MOCK"}'],
      [ns(now - 10 * 60_000), '{"level":"INFO","msg":"order MOCK_1 filled"}'],
    ]);
    loki.push({ container: EXEC, stream: "stderr" }, [[ns(now - 5 * 60_000), "WARNING slow fill"]]);
    loki.push({ container: "cdblogstest_ws", stream: "stdout" }, [[ns(now - 60_000), "not execution"]]);
    const r = await cdb("--since", "1h", "--json");
    // The entry (the operator's, over the witness's artifact) is written once the gate accepts witness signatures (branch roles); until then evidence add refuses it (exit 5).
    expect([0, 5], r.err).toContain(r.code);
    // What the witness asked Loki: execution's container by its label, the window in ns.
    const q = loki.queries.at(-1)!;
    expect(q.query).toBe(`{container="${EXEC}"}`);
    expect(BigInt(q.end!) - BigInt(q.start!)).toBeGreaterThanOrEqual(ns(3_600_000));
    const file = newest();
    const s = JSON.parse(readFileSync(file, "utf8")) as Statement;
    expect(s.predicate).toMatchObject({ kind: "structured-logs", stack: "logstest", mode: "paper", by: "witness@logstest", outcome: "measured", figures: { lines: 3, container: EXEC, sample: "WARNING slow fill" } });
    const signers = path.join(out, "allowed_signers");
    writeFileSync(signers, `${witness().allowedSignersLine}\n`);
    const rec = readRecord(file);
    const v = verifySignedBy(loadAllowedSigners(signers), readFileSync(`${file}.sig`, "utf8"), rec.ok ? rec.bytes : "", { principal: "witness@logstest", namespace: WITNESS_NAMESPACE, now: new Date() });
    expect(v).toMatchObject({ ok: true });
  }, 120_000);

  it("no line of execution in the window: a failed record", async () => {
    // The first test's newest line of execution is 5 minutes old: nothing in the last 4.
    const r = await cdb("--since", "4m", "--json");
    expect([1, 5], r.err).toContain(r.code);
    const s = JSON.parse(readFileSync(newest(), "utf8")) as Statement;
    expect(s.predicate.outcome).toBe("failed");
    expect(s.predicate.explanation).toContain(`no line of ${EXEC} reached Loki`);
  }, 60_000);

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
    expect(r.err).toMatch(/^cdb: unreachable: witness of logstest: Loki at http:\/\/[0-9.]+:\d+ answered 503: Ingester not ready/);
    expect(r.out).toBe("");
  }, 60_000);

  it("--loki-url is refused (exit 2): no Loki from outside the stack enters a witness record", async () => {
    const r = await cdb("--since", "1h", "--loki-url", loki.url);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdb: unusable input: --loki-url: /);
  });

  it("refuses a live stack (exit 5): the lines are measured on paper", async () => {
    const r = await npxCdb(["logs", "check", "--stack", "live", "--stack-config", fx.liveConfig, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--since", "1h"], { env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners } });
    expect(r.code).toBe(5);
    expect(r.err).toContain("logs check measures the paper stack; live is live");
  });
});
