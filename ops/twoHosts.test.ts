import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Statement } from "../readiness/records";
import { doublesAround } from "../test/doublesAround";
import { ensureDoubleImage } from "../test/images/build";
import { ensureWitnessImage } from "../test/images/witness";
import { lokiQueryRangeDouble, type LokiDouble } from "../test/lokiQueryRangeDouble";
import { npxCdb } from "../test/npxCdb";
import { paperStackFile } from "../test/opsStack";
import { makeFixture } from "../test/readinessFixture";
import { repoCopy } from "../test/repoCopy";
import { repoTmpDir } from "../test/repoTmp";
import { secondDockerd } from "../test/secondDockerd";
import { DOUBLE_HEALTH } from "../test/stackDoubles";
import { witnessAround } from "../test/witnessAround";
import { REGIME_SIGNALS } from "./allocationDrill";
import { readAudit } from "./audit";
import { dockerTarget } from "./docker";
import { SHUTDOWN_STREAM } from "./kill";
import { containerRedis } from "./redis";
import { stackPlan } from "./target";

// Issue 24 (two Docker hosts) and issue 25 item 11: every command reaches the
// engine its stack file names (cdb:dockerHost), never the one DOCKER_HOST
// points at. Engine A is the main dockerd; engine B a second dockerd started
// here on its own socket (test/secondDockerd.ts). Both run a stack of TEST
// DOUBLES under the SAME stack name (same container names): A a partial one,
// B the whole plan with its witness. Every command runs with DOCKER_HOST = A
// and --stack-config naming B, and must act on B only.

const STACK = "twohosts";
const A_HOST = "unix:///var/run/docker.sock";
const A = dockerTarget(A_HOST);
const B = secondDockerd(STACK);
const fileA = paperStackFile(STACK);
const fileB = paperStackFile(STACK, { "cdb:dockerHost": B.host });
const { plan } = stackPlan(STACK, fileA);
const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
const out = repoTmpDir("twohosts-");
const AUDIT = path.join(out, "audit.jsonl");
const fx = makeFixture();
/** DOCKER_HOST names engine A: a command that ignored the stack file would land there. */
const cdb = (args: string[], env: Record<string, string> = {}) => npxCdb(args, { env: { DOCKER_HOST: A_HOST, CDB_AUDIT_FILE: AUDIT, CDB_ALLOWED_SIGNERS: fx.allowedSigners, ...env } });
const entries = async (t: typeof A) => ((await containerRedis(t, name("redis")).call(["XRANGE", SHUTDOWN_STREAM, "-", "+"])) ?? []) as [string, string[]][];
const startedAt = async (t: typeof A, service: string) => (await t.docker.getContainer(name(service)).inspect()).State.StartedAt;
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

let loki: LokiDouble;
beforeAll(async () => {
  await B.start();
  process.stdout.write(`second dockerd: _ping answered ${B.startupMs} ms after spawn (${B.host}, networks from ${B.pool})\n`);
  // The images the doubles and the witness run, built (or found) on A: docker save | docker load into B.
  let t0 = Date.now();
  const refs = [await ensureDoubleImage(A.docker), await ensureWitnessImage(A.docker)];
  process.stdout.write(`images on A: ${Date.now() - t0} ms\n`);
  t0 = Date.now();
  await B.loadImages(A.docker, refs);
  process.stdout.write(`second dockerd: test-double and witness images loaded in ${Date.now() - t0} ms\n`);
  loki = await lokiQueryRangeDouble("0.0.0.0");
}, 300_000);
afterAll(async () => {
  await loki?.close();
  await B.stop();
}, 120_000);

describe("the second engine beside the main one", () => {
  // A second daemon started with --bridge=none deletes the host's docker0: the main engine's
  // `docker run` on its default network failed afterwards (ops/witnessKey.test.ts in a full run).
  it("leaves the main engine's default bridge working", async () => {
    const c = await A.docker.createContainer({ Image: await ensureDoubleImage(A.docker), Entrypoint: ["/bin/busybox", "true"], HostConfig: { NetworkMode: "bridge" } });
    try {
      await c.start();
      expect((await c.wait()).StatusCode).toBe(0);
    } finally {
      await c.remove({ force: true });
    }
  });
});

describe("two engines, one stack name: every command acts on the engine of its stack file", () => {
  // A: a partial stack (verify fails there), without a witness (a witness command fails there).
  // Health checks only where verify reads them (B), with a probe timeout a machine shared by many test runs keeps up with.
  doublesAround(A, plan, { only: ["redis", "execution", "allocation"], noHealth: ["execution", "allocation"], orderIntervalMs: 0 });
  const doublesB = doublesAround(B.target, plan, { orderIntervalMs: 100, signalIntervalMs: 100, health: { intervalMs: DOUBLE_HEALTH.intervalMs, timeoutMs: 10_000 } });
  // B's witness watches B's socket; it reaches the Loki double on this machine through its network's gateway.
  witnessAround(
    B.target,
    plan,
    doublesB,
    async () => {
      const net = await B.target.docker.getNetwork(plan.networkName).inspect();
      return { LOKI_URL: `http://${net.IPAM!.Config![0]!.Gateway}:${new URL(loki.url).port}` };
    },
    B.socket,
  );

  it("the two engines are two daemons, each with its own copy of the stack", async () => {
    const [ia, ib] = await Promise.all([A.docker.info(), B.target.docker.info()]);
    // (Their IDs are equal: both derive it from /etc/docker/key.json.)
    expect(ia.DockerRootDir).not.toBe(ib.DockerRootDir);
    expect(ib.DockerRootDir).toContain(path.dirname(B.socket));
    const [ca, cb] = await Promise.all([A.docker.getContainer(name("redis")).inspect(), B.target.docker.getContainer(name("redis")).inspect()]);
    expect(ca.Id).not.toBe(cb.Id);
  });

  it("cdb verify checks B's containers: healthy on B, while the same stack name on A is incomplete", async () => {
    const t0 = Date.now();
    const onB = await cdb(["verify", "--stack", STACK, "--stack-config", fileB, "--timeout", "120", "--json"]);
    process.stdout.write(`cdb verify on B: ${Date.now() - t0} ms\n`);
    expect(onB.err).toBe("");
    expect(onB.code, onB.out).toBe(0);
    expect(JSON.parse(onB.out)).toMatchObject({ ok: true, stack: STACK, checked: plan.containers.length });
    // The control: through DOCKER_HOST (file A) the same command sees A's partial stack.
    const onA = await cdb(["verify", "--stack", STACK, "--stack-config", fileA, "--json"]);
    expect(onA.code).toBe(1);
    expect((JSON.parse(onA.out) as { problems: string[] }).problems).toContain(`${name("witness")}: missing (declared by stack ${STACK}, not on ${A_HOST})`);
  }, 240_000);

  it("cdb kill writes to B's Redis and never to A's; --release empties B's and leaves A's", async () => {
    const r = await cdb(["kill", "--stack", STACK, "--stack-config", fileB, "--reason", "two hosts", "--by", "janne"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`(${B.host})`);
    expect((await entries(B.target)).map(([, f]) => f[f.indexOf("reason") + 1])).toEqual(["two hosts"]);
    expect(await entries(A)).toEqual([]);
    expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill", stack: STACK, outcome: "written", redis: `Redis in container ${name("redis")} (${B.host})` });
    // An entry on A that a release through the wrong engine would remove.
    await containerRedis(A, name("redis")).call(["XADD", SHUTDOWN_STREAM, "*", "reason", "A's own", "ts", "1"]);
    const rel = await cdb(["kill", "--stack", STACK, "--stack-config", fileB, "--release", "--yes", "--by", "janne", "--json"]);
    expect(rel.err).toBe("");
    expect(JSON.parse(rel.out)).toEqual({ released: true, removed: 1 });
    expect(await entries(B.target)).toEqual([]);
    expect((await entries(A)).map(([, f]) => f[1])).toEqual(["A's own"]);
    await containerRedis(A, name("redis")).call(["DEL", SHUTDOWN_STREAM]);
  }, 120_000);

  it("cdb drill allocation-restart restarts B's allocation through B's witness; A's keeps running untouched", async () => {
    await containerRedis(B.target, name("redis")).call(["XADD", REGIME_SIGNALS, "*", "ts", String(Math.floor(Date.now() / 1000)), "symbol", "BTCUSDT", "timeframe", "60s", "regime", "HIGH_VOL_CHAOTIC", "adx", "28.000000", "atr", "2.400000"]);
    const [a0, b0] = [await startedAt(A, "allocation"), await startedAt(B.target, "allocation")];
    const r = await cdb(["drill", "allocation-restart", "--stack", STACK, "--stack-config", fileB, "--out", out, "--bound", "30", "--by", "janne", "--json"]);
    expect(r.err).toBe("");
    expect(r.code, r.out).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ outcome: "passed" });
    expect(await startedAt(B.target, "allocation")).not.toBe(b0);
    expect(await startedAt(A, "allocation")).toBe(a0);
    // Through DOCKER_HOST the same drill finds no witness: A has none.
    const onA = await cdb(["drill", "allocation-restart", "--stack", STACK, "--stack-config", fileA, "--out", out, "--bound", "5"]);
    expect(onA.code).toBe(9);
    expect(onA.err).toContain(`${name("witness")} does not exist on ${A_HOST}`);
  }, 180_000);

  it("cdb evidence collect and cdb logs check run in B's witness, which sees B's whole stack", async () => {
    const now = Date.now();
    loki.push({ container: name("execution"), stream: "stdout" }, [[ns(now - 60_000), '{"level":"INFO","msg":"Mode: MOCK"}']]);
    const since = new Date(now - 10 * 60_000).toISOString();
    const dir = repoTmpDir("twohosts-collect-");
    const common = ["--stack", STACK, "--stack-config", fileB, "--out", dir, "--since", since, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile];
    const col = await cdb(["evidence", "collect", ...common, "--json"]);
    const files = readdirSync(dir).filter((f) => /-(paper-orders|observation-window|candles|regime)\.json$/.test(f));
    expect(files, col.err).toHaveLength(4);
    const window = JSON.parse(readFileSync(path.join(dir, files.find((f) => f.endsWith("-observation-window.json"))!), "utf8")) as Statement;
    // The witness expected every container of the plan (--expect) and saw them: A has three of them.
    expect(window.predicate, col.err).toMatchObject({ by: `witness@${STACK}` });
    expect(JSON.stringify(window.predicate.figures)).toContain(name("reports"));
    const logs = await cdb(["logs", "check", ...common, "--json"]);
    const logFile = readdirSync(dir).find((f) => f.endsWith("-structured-logs.json"));
    expect(logFile, logs.err).toBeDefined();
    expect((JSON.parse(readFileSync(path.join(dir, logFile!), "utf8")) as Statement).predicate.figures).toMatchObject({ lines: 1, container: name("execution") });
  }, 240_000);

  it("cdb rollback stops trading on B (kill entry, execution stopped), never on A; a --docker-host naming A is refused", async () => {
    // rollback reads the repository's Pulumi.<stack>.yaml: a copy of the repository holds B's file.
    const repo = repoCopy("cdb-twohosts-repo-");
    try {
      writeFileSync(repo.file(`Pulumi.${STACK}.yaml`), readFileSync(fileB));
      // No passphrase for this stack: Pulumi's part stops at opening the stack, after the Engine API part.
      const env = { DOCKER_HOST: A_HOST, CDB_AUDIT_FILE: AUDIT, PULUMI_CONFIG_PASSPHRASE: "", PULUMI_CONFIG_PASSPHRASE_FILE: "" };
      const other = await repo.cdb(["rollback", "--stack", STACK, "--reason", "two hosts rollback", "--docker-host", A_HOST], env);
      expect(other.code).toBe(2);
      expect(other.err).toMatch(new RegExp(`^cdb: unusable input: --docker-host: names ${A_HOST}, but Pulumi updates ${STACK} on ${B.host} \\(.*cdb:dockerHost\\): the kill switch, the update and the verification reach one engine\n$`));
      expect(await entries(A)).toEqual([]);
      expect(await entries(B.target)).toEqual([]);
      const r = await repo.cdb(["rollback", "--stack", STACK, "--reason", "two hosts rollback"], env);
      expect(r.code, r.err).not.toBe(0);
      expect(r.err).toMatch(/passphrase/i);
      expect((await entries(B.target)).map(([, f]) => f[f.indexOf("reason") + 1])).toEqual(["rollback: two hosts rollback"]);
      expect((await B.target.docker.getContainer(name("execution")).inspect()).State.Running).toBe(false);
      expect(await entries(A)).toEqual([]);
      expect((await A.docker.getContainer(name("execution")).inspect()).State.Running).toBe(true);
    } finally {
      repo.dispose();
    }
  }, 240_000);
});

describe("docker:host (the docker provider's own key) naming another engine than cdb would use is refused", () => {
  // Issue 25 item 11: docker:host in the stack file, while cdb used DOCKER_HOST: a kill wrote to
  // another engine's Redis and exited 0. Refused with one line, exit 2, nothing written anywhere.
  doublesAround(A, plan, { only: ["redis"] });
  doublesAround(B.target, plan, { only: ["redis"] });
  const stackFile = (config: Record<string, unknown>) => {
    const file = path.join(repoTmpDir("twohosts-provider-"), `Pulumi.${STACK}.yaml`);
    writeFileSync(file, stringify({ config: { "cdb:mode": "paper", ...config } }));
    return file;
  };
  const kill = (file: string, extra: string[] = []) => cdb(["kill", "--stack", STACK, "--stack-config", file, "--reason", "provider host", ...extra]);

  it("docker:host = B without cdb:dockerHost, DOCKER_HOST = A: exit 2, no entry on A or B", async () => {
    const file = stackFile({ "docker:host": B.host });
    const r = await kill(file);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cdb: unusable input: ${file}:3: docker:host names ${B.host}, but cdb would act on ${A_HOST} (DOCKER_HOST): one stack, one engine; name it in cdb:dockerHost and remove docker:host\n`);
    // Unset DOCKER_HOST: the local engine, named as such.
    const unset = await npxCdb(["kill", "--stack", STACK, "--stack-config", file, "--reason", "x"], { env: { DOCKER_HOST: undefined, CDB_AUDIT_FILE: AUDIT } });
    expect(unset.code).toBe(2);
    expect(unset.err).toContain(`but cdb would act on ${A_HOST} (the local engine: DOCKER_HOST is unset)`);
    // Nor in Pulumi.yaml's project config, which the engine applies to every stack.
    const dir = repoTmpDir("twohosts-project-");
    writeFileSync(path.join(dir, "Pulumi.yaml"), stringify({ name: "cdb", runtime: { name: "nodejs" }, config: { "docker:host": B.host } }));
    writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), stringify({ config: { "cdb:mode": "paper" } }));
    const project = await kill(path.join(dir, `Pulumi.${STACK}.yaml`));
    expect(project.code).toBe(2);
    expect(project.err).toMatch(new RegExp(`^cdb: unusable input: ${path.join(dir, "Pulumi.yaml")}:\\d+: docker:host names ${B.host}, but cdb would act on ${A_HOST} \\(DOCKER_HOST\\)`));
    // --docker-host naming A does not get around it either.
    const over = await kill(file, ["--docker-host", A_HOST]);
    expect(over.code).toBe(2);
    expect(over.err).toContain("(--docker-host)");
    expect(await entries(A)).toEqual([]);
    expect(await entries(B.target)).toEqual([]);
  }, 120_000);

  it("docker:host = A with cdb:dockerHost = B: exit 2 (the stack file names two engines)", async () => {
    const file = stackFile({ "cdb:dockerHost": B.host, "docker:host": A_HOST });
    const r = await kill(file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^cdb: unusable input: .*docker:host names ${A_HOST}, but cdb would act on ${B.host} \\(.*cdb:dockerHost\\)`));
    // An encrypted docker:host names no engine cdb can compare: refused too.
    const secure = await kill(stackFile({ "cdb:dockerHost": B.host, "docker:host": { secure: "v1:abc" } }));
    expect(secure.code).toBe(2);
    expect(secure.err).toMatch(/docker:host is not a plain URL/);
    expect(await entries(A)).toEqual([]);
    expect(await entries(B.target)).toEqual([]);
  }, 120_000);

  it("cdb deploy refuses docker:host naming another engine before Pulumi starts; nothing is created on either engine", async () => {
    const repo = repoCopy("cdb-twohosts-repo-");
    try {
      writeFileSync(repo.file(`Pulumi.${STACK}.yaml`), stringify({ config: { "cdb:mode": "paper", "docker:host": B.host, "cdb:sourceDir": "../claire-de-binare" } }));
      // (A is shared with other test runs: its container count proves nothing; no Pulumi state does.)
      const before = (await B.target.docker.listContainers({ all: true })).length;
      for (const args of [["deploy", "--stack", STACK, "--preview"], ["deploy", "--stack", STACK]]) {
        const r = await repo.cdb(args, { DOCKER_HOST: A_HOST, PULUMI_CONFIG_PASSPHRASE: "twohosts-test" });
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.err).toBe(`cdb: unusable input: ${repo.file(`Pulumi.${STACK}.yaml`)}:3: docker:host names ${B.host}, but cdb would act on ${A_HOST} (DOCKER_HOST): one stack, one engine; name it in cdb:dockerHost and remove docker:host\n`);
      }
      expect(existsSync(repo.file(".pulumi-state"))).toBe(false);
      expect((await B.target.docker.listContainers({ all: true })).length).toBe(before);
    } finally {
      repo.dispose();
    }
  }, 240_000);

  it("docker:host naming the same engine as cdb:dockerHost (spelled with a doubled slash) is honoured: the kill lands on B", async () => {
    const file = stackFile({ "cdb:dockerHost": B.host, "docker:host": B.host.replace("/docker.sock", "//docker.sock") });
    const r = await kill(file);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(await entries(B.target)).toHaveLength(1);
    expect(await entries(A)).toEqual([]);
    await containerRedis(B.target, name("redis")).call(["DEL", SHUTDOWN_STREAM]);
  }, 120_000);
});
