import { spawnSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerTarget } from "../ops/docker";
import { ensureDoubleImage } from "../test/images/build";
import { loadConfig } from "../config/load";
import { keyFingerprint } from "../config/schema";
import { planStack } from "../model/plan";
import { ensureExchangeImage } from "../test/images/exchange";
import { rawSettings } from "../test/settings";
import { npxCdb } from "../test/npxCdb";
import { removeContainer } from "../test/stackDoubles";
import { readAudit } from "../ops/audit";
import { fixtureKeys, writeFixtureSigners } from "../test/readinessFixture";
import { loadAllowedSigners, verifySignedBy } from "../readiness/allowedSigners";
import { REHEARSAL_KIND, type RehearsalFigures } from "../readiness/exchangeRecordKinds";
import { judgeRecord } from "../readiness/records";
import type { RecordPredicate } from "../readiness/recordKinds";
import { WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import type { StackPlan } from "../model/plan";
import type { Doubles } from "../test/stackDoubles";
import { startWitness, stopWitness, type Witness } from "../test/witnessAround";

// `npx cdb rehearse` end to end on a real dockerd: a Redis double, the MEXC
// simulator (project code) as `api.mexc.com`/`contract.mexc.com` on an
// internal network, started with the rehearsal stack's own command and volumes
// (model/plan.ts), so it makes the stack's CA at its first start, and the
// execution TEST DOUBLE `execution-live-no-retry` (test/images/exchange), which
// mounts the CA volume read-only as the stack's execution does and calls the
// simulator over TLS through the alias, trusting the CA through
// NODE_EXTRA_CA_CERTS (the real service: the plan's REQUESTS_CA_BUNDLE). The double
// copies the live executor's parsing and its lack of retries, so the expected
// result is red, and the records say why. The stack's witness (test/witnessAround.ts,
// the real witness program) runs the rehearsal inside the stack and signs each
// record as witness@exchangerehearsal (issue 22); the CLI signs nothing.

const t = dockerTarget();
const STACK = "exchangerehearsal";
const P = `cdb${STACK}_`;
const NET = `${P}network`;
const OPEN_NET = `${P}open`;
const names = { redis: `${P}redis`, sim: `${P}exchange_simulator`, exec: `${P}execution` };
const WITNESS = witnessPrincipal(STACK);
let witness: Witness | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-rehearse-"));
const secrets = path.join(dir, "secrets");
const sim = path.join(dir, "sim");
const config = (mode: string) => {
  const f = path.join(dir, `Pulumi.${mode}.yaml`);
  writeFileSync(f, `config:\n  cdb:mode: ${mode}\n`);
  return f;
};

async function logsOf(name: string): Promise<string> {
  return (await t.docker.getContainer(name).logs({ stdout: true, stderr: true })).toString("utf8");
}
async function waitForLog(name: string, text: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await logsOf(name)).includes(text)) {
    const s = (await t.docker.getContainer(name).inspect()).State;
    if (!s.Running) throw new Error(`${name} stopped: ${await logsOf(name)}`);
    if (Date.now() > deadline) throw new Error(`${name} never logged ${JSON.stringify(text)}: ${await logsOf(name)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const VOLUMES = [`${P}rehearsal_ca`, `${P}exchange_simulator_tls`];
const removeVolumes = async () => {
  for (const v of VOLUMES) {
    try {
      await t.docker.getVolume(v).remove();
    } catch {
      // not there
    }
  }
};

/** The simulator and execution of a rehearsal stack named STACK, as the program plans them. */
function rehearsalPlan(simulatorImage: string) {
  const key = "mx0rehearsalkey";
  const secrets = { mexcApiKey: key, mexcApiSecret: "rehearsal-secret-7d2" };
  const settings = { mode: "rehearsal", sourceDir: "../src", mexcKeyFingerprint: keyFingerprint(key), rehearsalKeyFingerprint: keyFingerprint(key), images: { exchange_simulator: simulatorImage } };
  const loaded = loadConfig(STACK, rawSettings(settings, secrets), key);
  const plan = planStack(STACK, loaded.config, undefined, loaded.secretsSet);
  const by = (s: string) => plan.containers.find((c) => c.service === s)!;
  return { simulator: by("exchange_simulator"), execution: by("execution") };
}

const removeNet = async (n: string) => {
  try {
    await t.docker.getNetwork(n).remove();
  } catch {
    // not there
  }
};

beforeAll(async () => {
  const [doubleImage, exchangeImage] = await Promise.all([ensureDoubleImage(t.docker), ensureExchangeImage(t.docker)]);
  for (const d of [secrets, sim]) rmSync(d, { recursive: true, force: true });
  const { mkdirSync } = await import("node:fs");
  mkdirSync(secrets);
  mkdirSync(sim);
  writeFileSync(path.join(secrets, "redis_password"), `pw-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path.join(secrets, "mexc_api_key"), "mx0rehearsalkey");
  writeFileSync(path.join(secrets, "mexc_api_secret"), "rehearsal-secret-7d2");
  writeFileSync(path.join(sim, "simulator_keys"), "mx0rehearsalkey rehearsal-secret-7d2\n");
  for (const d of [secrets, sim]) for (const f of readdirSync(d)) chmodSync(path.join(d, f), 0o644);
  const stack = rehearsalPlan(exchangeImage);
  await Promise.all(Object.values(names).map((n) => removeContainer(t, n)));
  await removeNet(NET);
  await removeNet(OPEN_NET);
  await removeVolumes();
  await t.docker.createNetwork({ Name: NET, Internal: true, Labels: { "cdb-test-double": "true" } });
  const run = async (name: string, image: string, cmd: string[], aliases: string[], env: string[], binds: string[]) => {
    const c = await t.docker.createContainer({
      name,
      Image: image,
      Cmd: cmd,
      Env: env,
      Labels: { "cdb-test-double": "true" },
      HostConfig: { Binds: binds, NetworkMode: NET },
      NetworkingConfig: { EndpointsConfig: { [NET]: { Aliases: aliases } } },
    });
    await c.start();
  };
  await run(names.redis, doubleImage, ["redis"], ["cdb_redis"], [], [`${secrets}:/run/secrets:ro`]);
  // The stack's simulator as planned: its command, its aliases, its two volumes (named volumes, as the stack's).
  const s = stack.simulator;
  expect(s.name).toBe(names.sim);
  await run(names.sim, exchangeImage, s.command!, [s.alias, ...(s.extraAliases ?? [])], [], [`${sim}:/run/secrets:ro`, ...s.volumes.map((v) => `${v.volumeName}:${v.path}${v.readOnly ? ":ro" : ""}`)]);
  await waitForLog(names.sim, "listening on https://127.0.0.1:443");
  expect(await logsOf(names.sim)).toContain("made a new CA for api.mexc.com, contract.mexc.com: /run/rehearsal-ca/ca.pem");
  // The double mounts what the stack's execution mounts (the CA read-only) and trusts the file the plan names.
  const e = stack.execution;
  const caMounts = e.volumes.filter((v) => v.volumeName?.endsWith("rehearsal_ca") === true).map((v) => `${v.volumeName}:${v.path}${v.readOnly ? ":ro" : ""}`);
  expect(caMounts).toEqual([`${P}rehearsal_ca:/run/rehearsal-ca:ro`]);
  await run(names.exec, exchangeImage, ["node", "/double/execution-live-no-retry.mjs"], ["cdb_execution"], ["REDIS_HOST=cdb_redis", `NODE_EXTRA_CA_CERTS=${e.env.REQUESTS_CA_BUNDLE}`], [`${secrets}:/run/secrets:ro`, ...caMounts]);
  await waitForLog(names.exec, "Starting message loop");
  // The stack's witness, as the program deploys it: on the stack's (internal) network, Redis's password as the stack's containers get it.
  witness = await startWitness(t, { stack: STACK, networkName: NET } as StackPlan, { secretsDir: secrets } as Doubles);
}, 300_000);

afterAll(async () => {
  await stopWitness(t, witness);
  await Promise.all(Object.values(names).map((n) => removeContainer(t, n)));
  await removeNet(NET);
  await removeNet(OPEN_NET);
  await removeVolumes();
  rmSync(dir, { recursive: true, force: true });
});

const AUDIT = path.join(dir, "operations.jsonl");
// Refused runs write nowhere: their folder must stay absent (and never the repository's).
const REFUSED_OUT = path.join(dir, "refused");
const rehearse = (args: string[]) => npxCdb(["rehearse", "--stack", STACK, "--out", REFUSED_OUT, ...args], { env: { CDB_AUDIT_FILE: AUDIT } });

describe("cdb rehearse against the simulator, with the execution test double", () => {
  it("refuses a stack that is not a rehearsal stack, before any order", async () => {
    const r = await rehearse(["--stack-config", config("live")]);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/refused: stack exchangerehearsal is "live", not a rehearsal stack/);
    expect((await fetchTruth()).attempts).toEqual([]);
    expect(existsSync(REFUSED_OUT)).toBe(false);
  });

  it("refuses when execution is on a network that is not internal", async () => {
    await t.docker.createNetwork({ Name: OPEN_NET, Labels: { "cdb-test-double": "true" } });
    await t.docker.getNetwork(OPEN_NET).connect({ Container: names.exec });
    try {
      const r = await rehearse(["--stack-config", config("rehearsal")]);
      expect(r.code).toBe(5);
      expect(r.err).toMatch(new RegExp(`is on network ${OPEN_NET}, which is not internal`));
    } finally {
      await t.docker.getNetwork(OPEN_NET).disconnect({ Container: names.exec, Force: true });
      await removeNet(OPEN_NET);
    }
    const truth = await fetchTruth();
    expect(truth.attempts).toEqual([]);
    expect(existsSync(REFUSED_OUT)).toBe(false);
  });

  it("a stack without a witness rehearses nothing: not found, naming the stack", async () => {
    const r = await npxCdb(["rehearse", "--stack", "nowitnessrehearsal", "--stack-config", config("rehearsal"), "--out", REFUSED_OUT], { env: { CDB_AUDIT_FILE: AUDIT } });
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/no witness in stack nowitnessrehearsal/);
  });

  it("the witness takes only scenarios that script a rehearsal, each checked by the scenario schema", async () => {
    const noRehearsal = await witness!.exec("rehearse", "--scenarios", JSON.stringify([{ name: "plain" }]));
    expect(noRehearsal.exitCode).toBe(2);
    expect(noRehearsal.stderr).toMatch(/--scenarios\[0\].*scenario plain has no rehearsal block/);
    const bad = await witness!.exec("rehearse", "--scenarios", JSON.stringify([{ name: "Not A Name", rehearsal: {} }]));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--scenarios\[0\]: name/);
    expect((await witness!.exec("rehearse")).exitCode).toBe(2);
    expect((await fetchTruth()).attempts).toEqual([]);
  });

  it("runs every scenario end to end over TLS through the alias and writes one signed record each; red where the executor's code is, and the gate says why", { timeout: 600_000 }, async () => {
    const out = path.join(dir, "records");
    const signers = writeFixtureSigners(path.join(dir, "allowed_signers"));
    // The witness's line, as `cdb witness key` prints it: the gate counts rehearsal records it signed.
    appendFileSync(signers, `${witness!.allowedSignersLine}\n`);
    const r = await npxCdb(["rehearse", "--stack", STACK, "--stack-config", config("rehearsal"), "--out", out, "--json", "--key", fixtureKeys().janne.file, "--by", "janne"], { env: { CDB_ALLOWED_SIGNERS: signers, CDB_AUDIT_FILE: AUDIT } });
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    type Rec = { _type: string; predicateType: string; subject: { name: string }[]; predicate: RecordPredicate & { figures: RehearsalFigures }; file: string; signatureFile?: string };
    const records = r.out.trim().split("\n").map((l) => JSON.parse(l) as Rec);
    const by = Object.fromEntries(records.map((x) => [x.predicate.figures.scenario.name, x]));
    const f = (name: string) => by[name]!.predicate.figures;
    expect(Object.keys(by).sort()).toEqual(["bad-signature", "baseline", "insufficient-balance", "partial-fills", "rate-limit", "server-errors", "timeout"]);
    expect(readdirSync(out).filter((x) => x.endsWith(".json"))).toHaveLength(7);
    expect(readdirSync(out).filter((x) => x.endsWith(".json.sig"))).toHaveLength(7);
    for (const x of records) {
      expect(x._type).toBe("https://in-toto.io/Statement/v1");
      expect(x.predicateType).toBe(`https://cdb-deploy.dev/${REHEARSAL_KIND}/v1`);
      // Signed by the stack's witness, not by --key (which only names who asked).
      expect(x.predicate).toMatchObject({ kind: REHEARSAL_KIND, stack: STACK, mode: "rehearsal", by: WITNESS });
      expect(x.signatureFile).toBe(`${x.file}.sig`);
      const v = spawnSync("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", WITNESS, "-n", WITNESS_NAMESPACE, "-s", x.signatureFile!], { input: readFileSync(x.file), encoding: "utf8" });
      expect(v.status, v.stderr).toBe(0);
      expect(verifySignedBy(loadAllowedSigners(signers), readFileSync(x.signatureFile!, "utf8"), readFileSync(x.file), { now: new Date(), principal: WITNESS, namespace: WITNESS_NAMESPACE })).toMatchObject({ ok: true });
      // The record is bound to the witness's journal (witness/sign.ts).
      for (const sub of x.subject as { annotations?: { witnessJournal?: { seq: number } } }[]) expect(sub.annotations?.witnessJournal?.seq).toBeGreaterThan(0);
      expect(x.predicate.figures.isolation).toEqual({ execution: names.exec, networks: [{ name: NET, internal: true }] });
      // The images involved: execution's and the simulator's (no risk container in this test).
      expect(x.subject.map((s) => s.name).sort()).toEqual(["exchange_simulator", "execution"]);
      expect(JSON.parse(readFileSync(x.file, "utf8")).predicate.figures).toEqual(x.predicate.figures);
      expect(readFileSync(x.file, "utf8")).not.toContain("rehearsal-secret-7d2");
    }

    // --key/--by name who asked: the audit log says janne asked and the witness signed, one line a record.
    expect(readAudit(AUDIT).filter((a) => a.op === "rehearse")).toEqual(records.map((x) => expect.objectContaining({ stack: STACK, by: "janne", outcome: x.predicate.outcome, record: x.file, signedBy: WITNESS })));

    // Baseline: MEXC filled all five, the answer had no status, so execution reported ERROR with 0 filled.
    expect(f("baseline")).toMatchObject({ sent: 5, attempts: 5, accepted: 5, filledOnExchange: 5, filledButReportedFailed: 5, reported: { ERROR: 5 }, lost: 0, retried: 0 });
    expect(by.baseline!.predicate.outcome).toBe("failed");
    expect(f("baseline").upstream.join("\n")).toMatch(/_parse_mexc_response/);
    expect(f("baseline").metrics!.after.execution_orders_received_total! - f("baseline").metrics!.before.execution_orders_received_total!).toBe(5);

    expect(f("partial-fills")).toMatchObject({ sent: 4, accepted: 4, filledOnExchange: 4, fullyFilledOnExchange: 2, filledButReportedFailed: 4, faultsHit: { partialFills: 2 } });

    // Time-out: order 2 was filled while the double gave up after 10 s and reported it REJECTED (ERROR_…).
    expect(f("timeout")).toMatchObject({ sent: 3, accepted: 3, filledOnExchange: 3, reported: { ERROR: 2, REJECTED: 1 }, faultsHit: { delayedAnswers: 1 } });
    expect(f("timeout").mismatches.find((m: RehearsalFigures["mismatches"][number]) => (m.reported[0] as { status?: string } | undefined)?.status === "REJECTED")).toMatchObject({ kind: "exchange-filled-reported-failed", reported: [{ order_id: expect.stringMatching(/^ERROR_rehearsal-timeout-/) }] });
    expect(f("timeout").upstream.join("\n")).toMatch(/time-out/);

    // 5xx: no retry, so two orders never reached the book.
    expect(f("server-errors")).toMatchObject({ sent: 5, attempts: 5, accepted: 3, lost: 2, retried: 0, faultsHit: { serverErrors: 2 } });
    expect(f("server-errors").upstream.join("\n")).toMatch(/retry 5xx/);

    // The rate limit, scripted: 590 of the minute's 600 were used when the scenario loaded, so the
    // simulator's own window answered the 11th to 20th order 429 (whatever the machine's speed);
    // the double does not retry, so those ten are lost.
    const rl = f("rate-limit");
    expect(rl.scenario.rateLimit).toEqual({ perMinute: 600, usedAtStart: 590 });
    expect(rl.requestRate).toMatchObject({ usedAtStart: 590, limitPerMinute: 600, rateLimited: 10, total: 20 });
    expect(rl.requestRate.peakPerMinute).toBe(610);
    expect(rl).toMatchObject({ sent: 20, accepted: 10, lost: 10, faultsHit: { rateLimited: 10 } });
    expect(rl.upstream.join("\n")).toMatch(/600 per minute/);

    // Refusals are reported as refusals; the one order MEXC filled is still reported ERROR.
    expect(f("insufficient-balance")).toMatchObject({ sent: 3, accepted: 1, reported: { ERROR: 1, REJECTED: 2 }, filledButReportedFailed: 1, lost: 0 });
    expect(by["bad-signature"]!.predicate).toMatchObject({ outcome: "passed", figures: { sent: 2, accepted: 0, reported: { REJECTED: 2 }, statusMismatches: 0 } });

    // The gate reads these records: each execution item fails with the scenario's reason (honest red).
    const judge = (scenario: string, item: string) => judgeRecord(by[scenario]!.file, REHEARSAL_KIND, { signers: loadAllowedSigners(signers), now: new Date(), maxAgeDays: 30, item });
    expect(judge("timeout", "execution.timeout-tested")).toMatchObject({ ok: false, status: "failed", reason: expect.stringMatching(/outcome failed \(\d+ report\(s\) differ .*filled on the exchange but reported as failed.*upstream: services\/execution\/live_executor\.py/) });
    expect(judge("server-errors", "execution.retry-tested")).toMatchObject({ ok: false, status: "failed", reason: expect.stringContaining("2 order(s) never reached the exchange") });
    expect(judge("partial-fills", "execution.partial-fill-tested")).toMatchObject({ ok: false, status: "failed" });
    expect(judge("rate-limit", "execution.rate-limits")).toMatchObject({ ok: false, status: "failed", reason: expect.stringContaining("10 order(s) never reached the exchange") });
    // A passing record of another scenario proves nothing for these items.
    expect(judge("bad-signature", "execution.retry-tested")).toMatchObject({ ok: false, status: "invalid", reason: expect.stringContaining("scenario bad-signature scripts no 5xx answer") });
  });
});

async function fetchTruth(): Promise<{ attempts: unknown[] }> {
  const { execIn } = await import("../ops/docker");
  const r = await execIn(t, names.sim, ["wget", "-qO-", "http://127.0.0.1:8080/_simulator/truth"]);
  return JSON.parse(r.stdout) as { attempts: unknown[] };
}
