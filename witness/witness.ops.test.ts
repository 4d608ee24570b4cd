import { spawnSync } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WITNESS_JOURNAL_FILE, WITNESS_KEY_FILE, WITNESS_NAMESPACE, witnessPrincipal } from "../config/witness";
import { dockerTarget, execIn } from "../ops/docker";
import { REGIME_SIGNALS } from "../ops/allocationDrill";
import { containerRedis } from "../ops/redis";
import { pollUntil } from "../platform/poll";
import type { Statement } from "../readiness/records";
import { doublesAround } from "../test/doublesAround";
import { lokiQueryRangeDouble, type LokiDouble } from "../test/lokiQueryRangeDouble";
import { npxCdb } from "../test/npxCdb";
import { paperPlan, paperStackFile } from "../test/opsStack";
import { type Fixture, makeFixture } from "../test/readinessFixture";
import { liveImages } from "../test/mockRun";
import { runGate } from "../readiness/gate";
import { APP_SERVICES } from "../config/services";
import { REPO_ROOT } from "../platform/paths";
import { parse } from "yaml";
import { repoTmpDir } from "../test/repoTmp";
import { witnessAround } from "../test/witnessAround";

// The witness (issue 22) in a paper stack of TEST DOUBLES, driven the way the
// operator drives it: `npx cdb …` execs the witness container, which runs the
// drill or collector inside the stack and signs the records with the key it
// made itself. Every signature is checked by the real ssh-keygen.

const t = dockerTarget();
const STACK = "wit";
const PRINCIPAL = witnessPrincipal(STACK);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

let loki: LokiDouble;
beforeAll(async () => {
  loki = await lokiQueryRangeDouble("0.0.0.0");
});
afterAll(() => loki?.close());

/** ssh-keygen -Y verify of a record against its .sig, as witness@<stack> in namespace cdb-witness. */
function sshVerify(signers: string, record: string, principal = PRINCIPAL, namespace = WITNESS_NAMESPACE) {
  return spawnSync("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", principal, "-n", namespace, "-s", `${record}.sig`], { input: readFileSync(record), encoding: "utf8" });
}

describe("the witness of a paper stack of test doubles", () => {
  const { plan, file: stackConfig } = paperPlan(STACK);
  const name = (s: string) => plan.containers.find((c) => c.service === s)!.name;
  const doubles = doublesAround(t, plan, { orderIntervalMs: 100, signalIntervalMs: 100 });
  // The Loki double listens on the host; the witness reaches it through the stack network's gateway.
  const witness = witnessAround(t, plan, doubles, async () => {
    const net = await t.docker.getNetwork(plan.networkName).inspect();
    return { LOKI_URL: `http://${net.IPAM!.Config![0]!.Gateway}:${new URL(loki.url).port}` };
  });
  // The operator's signer list lists this stack's witness (`cdb witness key` prints its line), and live pins
  // the images the doubles run (one image, never pushed: its id): the records are paper's freight.
  let fx: Fixture;
  beforeAll(async () => {
    const imageId = (await t.docker.getImage(doubles().image).inspect()).Id;
    fx = makeFixture(new Date(), { images: liveImages(Object.fromEntries(APP_SERVICES.map((x) => [x, imageId]))) });
    appendFileSync(fx.allowedSigners, `${witness().allowedSignersLine}\n`);
  });
  const out = repoTmpDir("witness-");
  const cdb = (...args: string[]) => npxCdb([...args, "--stack", STACK, "--stack-config", stackConfig, "--out", out], { env: { CDB_ALLOWED_SIGNERS: fx.allowedSigners, CDB_AUDIT_FILE: path.join(out, "audit.jsonl") } });
  const signers = path.join(out, "allowed_signers");
  const written: string[] = [];

  it("makes its key at first start (0600, in its volume), keeps it on a restart, and prints its allowed_signers line", async () => {
    const w = witness();
    expect(w.allowedSignersLine).toMatch(new RegExp(`^${PRINCIPAL} namespaces="cdb-witness" ssh-ed25519 AAAA[A-Za-z0-9+/=]+$`));
    writeFileSync(signers, `${w.allowedSignersLine}\n`);
    const mode = await execIn(t, w.container, ["node", "-e", `process.stdout.write((require("fs").statSync(${JSON.stringify(WITNESS_KEY_FILE)}).mode & 0o777).toString(8))`]);
    expect(mode.stdout).toBe("600");
    const bad = await w.exec("sing");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^witness: unusable input: command: "sing" is not serve/);
    await t.docker.getContainer(w.container).restart({ t: 1 });
    const { value } = await pollUntil(() => w.exec("pubkey"), (r) => r.exitCode === 0, { deadline: Date.now() + 20_000, intervalMs: 200 });
    expect(value.stdout.trim()).toBe(w.allowedSignersLine);
    const info = await t.docker.getContainer(w.container).inspect();
    expect(info.Mounts.find((m) => m.Destination === "/var/lib/cdb-witness")?.Name).toBe(w.volume);
  }, 60_000);

  it("cdb kill --drill: the witness drives the drill in the stack and signs the record; ssh-keygen verifies it; an edit breaks it", async () => {
    const r = await cdb("kill", "--drill", "--window", "10", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { file: string; signatureFile: string; kind: string; by: string; outcome: string };
    expect(o).toMatchObject({ kind: "killswitch-drill", by: PRINCIPAL, outcome: "passed", signatureFile: `${o.file}.sig` });
    written.push(o.file);
    const s = JSON.parse(readFileSync(o.file, "utf8")) as Statement;
    expect(s.predicate.figures).toMatchObject({ measured: "first-rejected-order", cleanup: { entryDeleted: true } });
    // Subjects: the images the witness saw running, each bound to its journal head.
    const imageId = (await t.docker.getContainer(name("execution")).inspect()).Image;
    expect(s.subject.map((x) => x.name)).toEqual(["execution", "risk", "allocation", "redis"]);
    expect(`sha256:${s.subject[0]!.digest.sha256}`).toBe(imageId);
    expect(s.subject[0]!.annotations).toMatchObject({ witnessJournal: { seq: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const v = sshVerify(signers, o.file);
    expect(v.status, v.stderr + v.stdout).toBe(0);
    // Not a person's signature: the evidence namespace refuses it.
    expect(sshVerify(signers, o.file, PRINCIPAL, "cdb-evidence").status).not.toBe(0);
    const edited = path.join(out, "edited.json");
    writeFileSync(edited, readFileSync(o.file, "utf8").replace('"outcome": "passed"', '"outcome": "passed" '));
    writeFileSync(`${edited}.sig`, readFileSync(`${o.file}.sig`));
    expect(sshVerify(signers, edited).status).not.toBe(0);
  }, 120_000);

  it("cdb drill allocation-restart and allocation-zero: witness-signed records", async () => {
    const redis = containerRedis(t, name("redis"));
    await redis.call(["XADD", REGIME_SIGNALS, "*", "ts", String(Math.floor(Date.now() / 1000)), "symbol", "BTCUSDT", "timeframe", "60s", "regime", "HIGH_VOL_CHAOTIC", "adx", "28.000000", "atr", "2.400000"]);
    const restart = await cdb("drill", "allocation-restart", "--bound", "30", "--json");
    expect(restart.err).toBe("");
    const ro = JSON.parse(restart.out) as { outcome: string; file: string };
    expect(restart.code, restart.out).toBe(0);
    expect(ro.outcome).toBe("passed");
    const zero = await cdb("drill", "allocation-zero", "--window", "20", "--json");
    expect(zero.err).toBe("");
    const zo = JSON.parse(zero.out) as { allocationZero: { outcome: string; file: string }; riskBlocksZero: { outcome: string; file: string } };
    expect(zero.code, zero.out).toBe(0);
    for (const f of [ro.file, zo.allocationZero.file, zo.riskBlocksZero.file]) {
      const v = sshVerify(signers, f);
      expect(v.status, `${f}: ${v.stderr}`).toBe(0);
      expect((JSON.parse(readFileSync(f, "utf8")) as Statement).predicate.by).toBe(PRINCIPAL);
      written.push(f);
    }
  }, 240_000);

  it("cdb evidence collect and cdb logs check: the witness signs the four records and the logs record; the entries are the operator's and the gate counts them", async () => {
    const now = Date.now();
    loki.push({ container: name("execution"), stream: "stdout" }, [[ns(now - 60_000), '{"level":"INFO","msg":"Mode: MOCK"}']]);
    const since = new Date(now - 10 * 60_000).toISOString();
    const col = await cdb("evidence", "collect", "--since", since, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--json");
    expect(col.code, col.err).toBe(0);
    const files = readdirSync(out).filter((f) => /-(paper-orders|observation-window|candles|regime)\.json$/.test(f));
    expect(files, col.err).toHaveLength(4);
    for (const f of files.map((x) => path.join(out, x))) {
      const v = sshVerify(signers, f);
      expect(v.status, `${f}: ${v.stderr}`).toBe(0);
      written.push(f);
    }
    const window = JSON.parse(readFileSync(path.join(out, files.find((f) => f.endsWith("-observation-window.json"))!), "utf8")) as Statement;
    expect(window.predicate).toMatchObject({ by: PRINCIPAL, figures: { docker: expect.stringMatching(/^witness journal lines \d+\.\.\d+$/) } });
    const logs = await cdb("logs", "check", "--since", since, "--key", fx.keys.janne.file, "--evidence", fx.evidenceFile, "--json");
    expect(logs.code, logs.err).toBe(0);
    const logFile = readdirSync(out).find((f) => f.endsWith("-structured-logs.json"));
    expect(logFile, logs.err).toBeDefined();
    const lv = sshVerify(signers, path.join(out, logFile!));
    expect(lv.status, lv.stderr).toBe(0);
    expect((JSON.parse(readFileSync(path.join(out, logFile!), "utf8")) as Statement).predicate.figures).toMatchObject({ lines: 1, container: name("execution") });
    written.push(path.join(out, logFile!));
    // The entries: janne's statements (signed with her key) over the witness-signed records, one per item.
    const artifactOf: Record<string, string> = { "stability.paper-orders": "paper-orders", "stability.observation-window": "observation-window", "stability.candles": "candles", "stability.regime": "regime", "monitoring.structured-logs": "structured-logs" };
    const evidence = parse(readFileSync(fx.evidenceFile, "utf8")) as { items: Record<string, { by: string; artifacts: { path: string }[]; signature?: string }> };
    for (const [id, kind] of Object.entries(artifactOf)) {
      expect(evidence.items[id], id).toMatchObject({ by: "janne", signature: expect.any(String), artifacts: [{ path: expect.stringMatching(new RegExp(`-${kind}\\.json$`)) }] });
      expect(path.resolve(REPO_ROOT, evidence.items[id]!.artifacts[0]!.path), id).toBe(path.resolve(out, id === "monitoring.structured-logs" ? logFile! : files.find((f) => f.endsWith(`-${kind}.json`))!));
    }
    // The gate counts them: it reads each entry's record, checks the witness's signature and judges the
    // record's figures. Satisfied where this fresh stack of doubles can show it; failed by the record's own
    // measure where it cannot (minutes, not 48 h; the allocation drill above restarted a container; the
    // doubles publish no candles), never refused for its signer.
    const gate = runGate({ ...fx.gateRequest(), now: new Date() });
    const item = (id: string) => gate.verdict.items.find((i) => i.id === id)!;
    for (const id of ["stability.paper-orders", "monitoring.structured-logs"]) expect(item(id), id).toMatchObject({ status: "satisfied", reason: expect.stringContaining(`signed by ${PRINCIPAL}`) });
    expect(item("stability.observation-window")).toMatchObject({ status: "failed", reason: expect.stringMatching(/-observation-window\.json: outcome failed \(0 h during which the witness saw every container of the stack run unchanged/) });
    expect(item("stability.observation-window").reason).not.toMatch(/witness not seen by the witness/); // it does not expect itself
    expect(item("stability.candles")).toMatchObject({ status: "failed", reason: expect.stringMatching(/-candles\.json: outcome failed \(no candles on stream\.candles_1m since /) });
    expect(item("stability.regime")).toMatchObject({ status: "failed", reason: "value 0 hours is below 48 hours" });
    // The regime signal XADDed (auto id) by the drill test above appeared under the witness's heartbeats: it counts.
    const regime = JSON.parse(readFileSync(path.join(out, files.find((f) => f.endsWith("-regime.json"))!), "utf8")) as Statement;
    expect((regime.predicate.figures as { signals: unknown[] }).signals.length).toBeGreaterThanOrEqual(1);
    expect(regime.predicate.explanation).toMatch(/entries of stream\.regime_signals the witness saw appear: counted from /);
    // --redis-url and --loki-url no longer reach a record: refused, one line.
    const ru = await cdb("evidence", "collect", "--since", since, "--key", fx.keys.janne.file, "--redis-url", "redis://127.0.0.1:6379");
    expect(ru.code).toBe(2);
    expect(ru.err).toMatch(/^cdb: unusable input: --redis-url: /);
  }, 180_000);

  it("the private key is nowhere outside the volume: not in any container's inspect, the witness's logs, or the records", async () => {
    const w = witness();
    const privateText = (await execIn(t, w.container, ["node", "-e", `process.stdout.write(require("fs").readFileSync(${JSON.stringify(WITNESS_KEY_FILE)}, "utf8"))`])).stdout;
    expect(privateText).toContain("BEGIN OPENSSH PRIVATE KEY");
    const body = privateText.split("\n").filter((l) => l && !l.startsWith("-----"));
    const blob = Buffer.from(body.join(""), "base64");
    // The 64-byte private field (seed ‖ public) sits after the public parts: its seed, base64 and hex.
    const seedAt = blob.lastIndexOf(Buffer.from([0, 0, 0, 64]));
    const seed = blob.subarray(seedAt + 4, seedAt + 36);
    const needles = [...body.filter((l) => l.length >= 40), seed.toString("base64"), seed.toString("hex"), seed.toString("base64url")];
    const haystacks: [string, string][] = [];
    for (const c of await t.docker.listContainers({ all: true })) {
      // The ops files run two at a time on one dockerd: another file's container may go between the list and its
      // inspect. This stack's own containers must all be there.
      const inspected = await t.docker.getContainer(c.Id).inspect().catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404 && !c.Names[0]!.startsWith(`/cdb${STACK}_`)) return undefined;
        throw e;
      });
      if (inspected) haystacks.push([`inspect ${c.Names[0]}`, JSON.stringify(inspected)]);
    }
    const logs = (await t.docker.getContainer(w.container).logs({ stdout: true, stderr: true })) as unknown as Buffer;
    haystacks.push(["witness logs", logs.toString("latin1")]);
    for (const f of readdirSync(out)) haystacks.push([f, readFileSync(path.join(out, f), "latin1")]);
    expect(haystacks.length).toBeGreaterThan(plan.containers.length);
    for (const [where, text] of haystacks) for (const n of needles) expect(text.includes(n), `${where} holds the witness's private key`).toBe(false);
  }, 60_000);

  it("an edited journal line breaks `journal verify` at that line, and the witness then signs nothing", async () => {
    const w = witness();
    const ok = await w.exec("journal", "verify");
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    // Someone with access to the volume rewrites line 2's outcome.
    const edit = await execIn(t, w.container, ["node", "-e", `const fs=require("fs");const f=${JSON.stringify(WITNESS_JOURNAL_FILE)};const l=fs.readFileSync(f,"utf8").split("\\n");l[1]=l[1].replace('"type"','"type" ');fs.writeFileSync(f,l.join("\\n"))`]);
    expect(edit.exitCode, edit.stderr).toBe(0);
    const broken = await w.exec("journal", "verify");
    expect(broken.exitCode).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, line: 3 });
    const r = await cdb("kill", "--drill", "--window", "5");
    expect(r.code).toBe(5);
    expect(r.err).toMatch(/^cdb: refused: witness of wit: journal .* is broken at line 3/);
  }, 60_000);
});

describe("a stack without a witness", () => {
  it("cdb kill --drill: not found (exit 9), one line naming the stack", async () => {
    const r = await npxCdb(["kill", "--drill", "--stack", "nowit", "--stack-config", paperStackFile("nowit")]);
    expect(r.code).toBe(9);
    expect(r.err).toMatch(/^cdb: not found: no witness in stack nowit: deploy it/);
    expect(r.err.split("\n").filter(Boolean)).toHaveLength(1);
  });
});
