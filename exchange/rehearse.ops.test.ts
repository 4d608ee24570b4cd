import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import type { RehearsalPredicate } from "./rehearse";

// `npx cdb rehearse` end to end on a real dockerd: a Redis double, the MEXC
// simulator (project code) as `api.mexc.com`/`contract.mexc.com` on an
// internal network, started with the rehearsal stack's own command and volumes
// (model/plan.ts), so it makes the stack's CA at its first start, and the
// execution TEST DOUBLE `execution-live-no-retry` (test/images/exchange), which
// mounts the CA volume read-only as the stack's execution does and calls the
// simulator over TLS through the alias, trusting the CA through
// NODE_EXTRA_CA_CERTS (the real service: the plan's REQUESTS_CA_BUNDLE). The double
// copies the live executor's parsing and its lack of retries, so the expected
// result is red, and the records say why.

const t = dockerTarget();
const STACK = "exchangerehearsal";
const P = `cdb${STACK}_`;
const NET = `${P}network`;
const OPEN_NET = `${P}open`;
const names = { redis: `${P}redis`, sim: `${P}exchange_simulator`, exec: `${P}execution` };
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
  const caMounts = e.volumes.filter((v) => v.volumeName.endsWith("rehearsal_ca")).map((v) => `${v.volumeName}:${v.path}${v.readOnly ? ":ro" : ""}`);
  expect(caMounts).toEqual([`${P}rehearsal_ca:/run/rehearsal-ca:ro`]);
  await run(names.exec, exchangeImage, ["node", "/double/execution-live-no-retry.mjs"], ["cdb_execution"], ["REDIS_HOST=cdb_redis", `NODE_EXTRA_CA_CERTS=${e.env.REQUESTS_CA_BUNDLE}`], [`${secrets}:/run/secrets:ro`, ...caMounts]);
  await waitForLog(names.exec, "Starting message loop");
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(names).map((n) => removeContainer(t, n)));
  await removeNet(NET);
  await removeNet(OPEN_NET);
  await removeVolumes();
  rmSync(dir, { recursive: true, force: true });
});

const rehearse = (args: string[]) => npxCdb(["rehearse", "--stack", STACK, ...args]);

describe("cdb rehearse against the simulator, with the execution test double", () => {
  it("refuses a stack that is not a rehearsal stack, before any order", async () => {
    const r = await rehearse(["--stack-config", config("live")]);
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/refused: stack exchangerehearsal is "live", not a rehearsal stack/);
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
  });

  it("runs every scenario end to end over TLS through the alias and writes one record each; red where the executor's code is", { timeout: 600_000 }, async () => {
    const out = path.join(dir, "records");
    const r = await rehearse(["--stack-config", config("rehearsal"), "--out", out, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    const records = r.out.trim().split("\n").map((l) => JSON.parse(l) as { _type: string; predicateType: string; predicate: RehearsalPredicate; file: string });
    const by = Object.fromEntries(records.map((x) => [x.predicate.scenario.name, x.predicate]));
    expect(Object.keys(by).sort()).toEqual(["bad-signature", "baseline", "insufficient-balance", "partial-fills", "rate-limit", "server-errors", "timeout"]);
    expect(readdirSync(out)).toHaveLength(7);
    for (const x of records) {
      expect(x._type).toBe("https://in-toto.io/Statement/v1");
      expect(x.predicateType).toBe("https://cdb-deploy.dev/rehearsal/v1");
      expect(JSON.parse(readFileSync(x.file, "utf8")).predicate.figures).toEqual(x.predicate.figures);
      expect(readFileSync(x.file, "utf8")).not.toContain("rehearsal-secret-7d2");
    }

    // Baseline: MEXC filled all five, the answer had no status, so execution reported ERROR with 0 filled.
    expect(by.baseline!.figures).toMatchObject({ sent: 5, attempts: 5, accepted: 5, filledOnExchange: 5, filledButReportedFailed: 5, reported: { ERROR: 5 }, lost: 0, retried: 0 });
    expect(by.baseline!.outcome).toBe("failed");
    expect(by.baseline!.upstream.join("\n")).toMatch(/_parse_mexc_response/);
    expect(by.baseline!.metrics!.after.execution_orders_received_total! - by.baseline!.metrics!.before.execution_orders_received_total!).toBe(5);

    expect(by["partial-fills"]!.figures).toMatchObject({ sent: 4, accepted: 4, filledOnExchange: 4, fullyFilledOnExchange: 2, filledButReportedFailed: 4 });
    expect(by["partial-fills"]!.proves).toEqual([]);

    // Time-out: order 2 was filled while the double gave up after 10 s and reported it REJECTED (ERROR_…).
    const to = by.timeout!;
    expect(to.figures).toMatchObject({ sent: 3, accepted: 3, filledOnExchange: 3, reported: { ERROR: 2, REJECTED: 1 } });
    expect(to.mismatches.find((m) => m.reported[0]?.status === "REJECTED")).toMatchObject({ kind: "exchange-filled-reported-failed", reported: [{ order_id: expect.stringMatching(/^ERROR_rehearsal-timeout-/) }] });
    expect(to.upstream.join("\n")).toMatch(/time-out/);

    // 5xx: no retry, so two orders never reached the book.
    expect(by["server-errors"]!.figures).toMatchObject({ sent: 5, attempts: 5, accepted: 3, lost: 2, retried: 0 });
    expect(by["server-errors"]!.upstream.join("\n")).toMatch(/retry 5xx/);

    // A burst of 650: the simulator answered 429 past 600 a minute; those orders are lost.
    const rl = by["rate-limit"]!.figures;
    expect(rl.sent).toBe(650);
    expect(rl.requestRate.peakPerMinute).toBeGreaterThan(600);
    expect(rl.requestRate.rateLimited).toBe(50);
    expect(rl.accepted).toBe(600);
    expect(rl.lost).toBe(50);
    expect(by["rate-limit"]!.upstream.join("\n")).toMatch(/600 per minute/);

    // Refusals are reported as refusals; the one order MEXC filled is still reported ERROR.
    expect(by["insufficient-balance"]!.figures).toMatchObject({ sent: 3, accepted: 1, reported: { ERROR: 1, REJECTED: 2 }, filledButReportedFailed: 1, lost: 0 });
    expect(by["bad-signature"]!).toMatchObject({ outcome: "passed", figures: { sent: 2, accepted: 0, reported: { REJECTED: 2 }, statusMismatches: 0 } });
    for (const p of Object.values(by)) if (p.outcome === "failed") expect(p.proves).toEqual([]);
  });
});

async function fetchTruth(): Promise<{ attempts: unknown[] }> {
  const { execIn } = await import("../ops/docker");
  const r = await execIn(t, names.sim, ["wget", "-qO-", "http://127.0.0.1:8080/_simulator/truth"]);
  return JSON.parse(r.stdout) as { attempts: unknown[] };
}
