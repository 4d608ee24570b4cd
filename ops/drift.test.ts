import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { containerInputs } from "../model/containerArgs";
import type { ContainerPlan } from "../model/plan";
import { doublesAround } from "../test/doublesAround";
import { doubleSecret, engineBody } from "../test/deployedDoubles";
import { npxCdb } from "../test/npxCdb";
import { paperPlan } from "../test/opsStack";
import { removeContainer } from "../test/stackDoubles";
import { dockerTarget } from "./docker";
import { declaredImageRef, fingerprint } from "./drift";

// `cdb drift` on a real dockerd, through the package bin: a paper stack of
// TEST DOUBLES created as the program declares it (test/deployedDoubles.ts)
// shows no drift; each hand change is found with exactly one line and exit 1.

const t = dockerTarget();
const STACK = "drifttest";

// A port the kernel hands out now, for the one service this stack publishes (cdb:hostPorts).
const port = Number(spawnSync(process.execPath, ["-e", "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: "utf8" }).stdout.trim());
const base = paperPlan(STACK);
// The infra images by refs of this test only, so tagging the double image under them touches no real image.
const images = Object.fromEntries(base.plan.containers.filter((c) => c.image.kind === "ref").map((c) => [c.service, `cdb-test-double/${STACK}-${c.service}:declared`]));
const { file, plan } = paperPlan(STACK, { "cdb:images": images, "cdb:hostPorts": { signal: port } });
const declared = (service: string) => plan.containers.find((c) => c.service === service)!;
const INTRUDER = `${STACK}-intruder`;

const drift = (...extra: string[]) => npxCdb(["drift", "--stack", STACK, "--stack-config", file, ...extra]);

/** Replaces a container by one made from the same declared inputs, with `env` changed: a hand-made `docker run`. */
async function recreate(c: ContainerPlan, env: Record<string, string> = {}): Promise<void> {
  const inputs = containerInputs(c, { image: declaredImageRef(c), network: plan.networkName, secret: doubleSecret, waitForHealthy: false });
  const envs = Object.entries({ ...c.env, ...env }).map(([k, v]) => `${k}=${v}`);
  await removeContainer(t, c.name);
  const made = await t.docker.createContainer({ ...engineBody(inputs), Env: envs });
  // Secret files the container gets directly (no carrier), as the program uploads them.
  const { pack } = await import("tar-stream");
  if (inputs.uploads.length > 0) {
    const tar = pack();
    for (const u of inputs.uploads) tar.entry({ name: u.file.replace(/^\//, ""), mode: 0o444 }, String(u.content));
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    await made.putArchive(Buffer.concat(chunks), { path: "/" });
  }
  await made.start();
}

async function expectClean(): Promise<void> {
  const r = await drift();
  expect(r.err).toBe("");
  expect(r.out).toBe(`${STACK}: no drift (${plan.containers.length} containers on ${t.host})\n`);
  expect(r.code).toBe(0);
}

describe("cdb drift on a paper stack of test doubles created as declared", () => {
  const doubles = doublesAround(t, plan, { asDeclared: true });
  afterAll(async () => removeContainer(t, INTRUDER));

  it("reports no drift on the fresh stack (image ids, env with the image's ENV, command, mounts, the published port, labels)", async () => {
    expect(doubles().names.signal).toBe(declared("signal").name);
    expect(declared("signal").ports).toEqual([{ internal: 8005, external: port }]);
    await expectClean();
    const j = await drift("--json");
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toMatchObject({ stack: STACK, network: plan.networkName, checked: plan.containers.length, drifts: [] });
  });

  it("finds a container started by hand on the stack's network", async () => {
    const c = await t.docker.createContainer({ name: INTRUDER, Image: doubles().image, Cmd: ["idle"], HostConfig: { NetworkMode: plan.networkName } });
    await c.start();
    const r = await drift();
    expect(r.out).toBe(`${INTRUDER}: container: declared none running on ${plan.networkName} (image ${doubles().image})\n`);
    expect(r.code).toBe(1);
    // Stopped, it is still configured on the network (and one `docker start` from running there).
    await c.stop({ t: 1 });
    const stopped = await drift();
    expect(stopped.out).toBe(`${INTRUDER}: container: declared none running on ${plan.networkName} (image ${doubles().image}, exited)\n`);
    expect(stopped.code).toBe(1);
    await removeContainer(t, INTRUDER);
    await expectClean();
  });

  it("finds a trading-path container re-created with a changed variable", async () => {
    const c = declared("signal");
    await recreate(c, { SIGNAL_THRESHOLD_PCT: "9.9" });
    const r = await drift();
    expect(r.out).toBe(`${c.name}: environment SIGNAL_THRESHOLD_PCT: declared ${JSON.stringify(c.env.SIGNAL_THRESHOLD_PCT)} running "9.9"\n`);
    expect(r.code).toBe(1);
    const j = JSON.parse((await drift("--json")).out) as { drifts: unknown[] };
    expect(j.drifts).toEqual([{ container: c.name, service: "signal", tradingPath: true, field: "environment", item: "SIGNAL_THRESHOLD_PCT", declared: JSON.stringify(c.env.SIGNAL_THRESHOLD_PCT), running: '"9.9"' }]);
    await recreate(c);
    await expectClean();
  });

  it("shows a changed secret-like variable by fingerprints only, never either value", async () => {
    const c = declared("redis_exporter");
    const before = c.env.REDIS_PASSWORD_FILE!;
    const hand = "redis://:hand-set-password-4711@cdb_redis:6379";
    await recreate(c, { REDIS_PASSWORD_FILE: hand });
    for (const r of [await drift(), await drift("--json")]) {
      expect(r.code).toBe(1);
      for (const value of [before, hand, "hand-set-password-4711"]) {
        expect(r.out).not.toContain(value);
        expect(r.err).not.toContain(value);
      }
    }
    expect((await drift()).out).toBe(`${c.name}: environment REDIS_PASSWORD_FILE: declared ${fingerprint(before)} running ${fingerprint(hand)}\n`);
    await recreate(c);
    await expectClean();
  });

  it("finds a container re-created from another image that carries the changed variable as its own ENV default", async () => {
    // Trying to get around the env comparison: the hand-set variable hides in the image's defaults.
    const c = declared("risk");
    const committed = `cdb-test-double/${STACK}-committed:hand`;
    const at = committed.lastIndexOf(":");
    await t.docker.getContainer(c.name).commit({ repo: committed.slice(0, at), tag: committed.slice(at + 1), changes: ["ENV MAX_POSITION_PCT=0.99"] });
    try {
      const inputs = containerInputs(c, { image: committed, network: plan.networkName, secret: doubleSecret, waitForHealthy: false });
      await removeContainer(t, c.name);
      await (await t.docker.createContainer({ ...engineBody(inputs), Env: inputs.envs.filter((e) => !e.startsWith("MAX_POSITION_PCT=")) })).start();
      const id = (await t.docker.getImage(committed).inspect()).Id;
      const declaredId = (await t.docker.getImage(declaredImageRef(c)).inspect()).Id;
      const r = await drift();
      expect(r.out).toBe(
        [
          `${c.name}: image: declared ${declaredImageRef(c)} (${declaredId.slice(0, 19)}) running ${id.slice(0, 19)} (${committed})`,
          `${c.name}: environment MAX_POSITION_PCT: declared ${JSON.stringify(c.env.MAX_POSITION_PCT)} running "0.99"`,
          "",
        ].join("\n"),
      );
      expect(r.code).toBe(1);
    } finally {
      await recreate(c);
      await t.docker.getImage(committed).remove().catch(() => undefined);
    }
    await expectClean();
  });

  it("finds a container stopped by hand", async () => {
    const c = declared("execution");
    await t.docker.getContainer(c.name).stop({ t: 1 });
    const r = await drift();
    expect(r.out).toMatch(new RegExp(`^${c.name}: state: declared running running exited \\(exit code \\d+\\)\\n$`));
    expect(r.code).toBe(1);
  });

  it("writes the metrics file: the stopped trading-path container drifted, the rest 0", async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/drifttest-metrics-");
    let text: string;
    try {
      const r = await drift("--metrics-file", `${dir}/cdb_drift.prom`);
      expect(r.code).toBe(1);
      text = readFileSync(`${dir}/cdb_drift.prom`, "utf8");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(text).toContain(`cdb_drift_fields{stack="${STACK}",container="${declared("execution").name}",service="execution",trading_path="true"} 1\n`);
    expect(text).toContain(`cdb_drift_fields{stack="${STACK}",container="${declared("grafana").name}",service="grafana",trading_path="false"} 0\n`);
    // promtool reads it as Prometheus text format.
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});

describe("cdb drift with a metrics file it cannot write", () => {
  it("exits 2 with one line naming --metrics-file, whatever it found", async () => {
    const r = await drift("--metrics-file", "/nonexistent-drifttest/cdb_drift.prom");
    expect(r.err).toMatch(/^cdb: unusable input: --metrics-file: cannot write \/nonexistent-drifttest\/cdb_drift\.prom: ENOENT[^\n]*\n$/);
    expect(r.code).toBe(2);
  });
});

describe("cdb drift against an engine that does not answer", () => {
  it("exits 7 within seconds with one line", async () => {
    const r = await drift("--docker-host", `tcp://127.0.0.1:${port}`);
    expect(r.code).toBe(7);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^cdb: unreachable: Docker host tcp:\/\/127\.0\.0\.1:\d+ is not reachable/);
    // Refused at once, not a time-out waited out (that would say "did not answer within").
    expect(r.err).toContain("ECONNREFUSED");
    expect(r.ms).toBeLessThan(15_000);
  });
});
