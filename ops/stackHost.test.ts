import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { doublesAround } from "../test/doublesAround";
import { npxCdb } from "../test/npxCdb";
import { paperPlan } from "../test/opsStack";
import { freePort, startRedis, type RedisServer } from "../test/redisServer";
import { repoTmpDir } from "../test/repoTmp";
import { redisScript } from "../test/stackDoubles";
import { readAudit } from "./audit";
import { dockerTarget } from "./docker";
import { releaseKillSwitch, shutdownEntryCount } from "./kill";
import { containerRedis } from "./redis";

// Issue 16 item 6: operations reach exactly the stack's host and Redis or fail.
// Before: `--docker-host /tmp` fell back to the local engine and wrote the
// kill switch there (exit 0); a cdb:dockerHost from Pulumi.yaml or a merge key
// was ignored; a password in --redis-url was printed and audited; a database
// index wrote where execution never reads; against a Redis without a password
// kill and release were applied but exited 8 and were not audited.

const STACK = "hosttest";
const t = dockerTarget();
const { file: config, plan } = paperPlan(STACK);
const redisName = plan.containers.find((c) => c.service === "redis")!.name;
const tmp = repoTmpDir("ops-host-");
const AUDIT = path.join(tmp, "operations.jsonl");
const cdb = (args: string[], input = "") => npxCdb(args, { input, env: { CDB_AUDIT_FILE: AUDIT, DOCKER_HOST: undefined } });
const NOWHERE = "unix:///tmp/cdb-hosttest-nowhere.sock";

/** A project directory: Pulumi.yaml (with `project`) and Pulumi.<stack>.yaml (with `stackText`). */
function projectDir(project: Record<string, unknown> | undefined, stackText: string): string {
  const dir = repoTmpDir("ops-host-project-");
  if (project) writeFileSync(path.join(dir, "Pulumi.yaml"), stringify({ name: "cdb", runtime: { name: "nodejs" }, ...project }));
  const file = path.join(dir, `Pulumi.${STACK}.yaml`);
  writeFileSync(file, stackText);
  return file;
}

const auditText = () => {
  try {
    return readFileSync(AUDIT, "utf8");
  } catch {
    return "";
  }
};

describe("cdb kill reaches the stack's Docker host and Redis, or fails", () => {
  doublesAround(t, plan, { only: ["redis", "execution"], orderIntervalMs: 0 });
  const redis = () => containerRedis(t, redisName);
  const base = ["kill", "--stack", STACK, "--reason", "host test"];

  it("an unusable or empty --docker-host or DOCKER_HOST is exit 2, and nothing is written anywhere", async () => {
    for (const host of ["/tmp", "foo://x", "unix://"]) {
      const r = await cdb([...base, "--stack-config", config, "--docker-host", host]);
      expect({ host, code: r.code }).toEqual({ host, code: 2 });
      expect(r.err).toMatch(/^cdb: unusable input: --docker-host: Docker host must be unix:\/\/\/<socket path>, .*\n$/);
    }
    const env = await npxCdb([...base, "--stack-config", config], { env: { CDB_AUDIT_FILE: AUDIT, DOCKER_HOST: "/tmp" } });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/^cdb: unusable input: DOCKER_HOST: Docker host must be/);
    // Set but empty (`DOCKER_HOST=$LIVE_HOST` with the variable unset) is not "the local engine", where the doubles run.
    for (const empty of ["", " "]) {
      const e = await npxCdb([...base, "--stack-config", config], { env: { CDB_AUDIT_FILE: AUDIT, DOCKER_HOST: empty } });
      expect({ empty, code: e.code, err: e.err }).toEqual({ empty, code: 2, err: "cdb: unusable input: DOCKER_HOST: is set but empty (an unset shell variable?): unset it for the local engine, or name the host\n" });
    }
    const flag = await cdb([...base, "--stack-config", config, "--docker-host", ""]);
    expect(flag.code).toBe(2);
    expect(flag.err).toBe("cdb: unusable input: --docker-host: is empty: name the Docker host, or leave it out for the stack's own\n");
    expect(await shutdownEntryCount(redis())).toBe(0);
  }, 180_000);

  it("takes cdb:dockerHost from Pulumi.yaml's project defaults and from YAML merge keys, as the engine does", async () => {
    const cases = {
      "project shorthand default": projectDir({ config: { "cdb:dockerHost": NOWHERE } }, stringify({ config: { "cdb:mode": "paper" } })),
      "project typed default": projectDir({ config: { dockerHost: { type: "string", default: NOWHERE } } }, stringify({ config: { "cdb:mode": "paper" } })),
      "merge key": projectDir(undefined, `hosts: &remote\n  cdb:dockerHost: ${NOWHERE}\nconfig:\n  <<: *remote\n  cdb:mode: paper\n`),
    };
    for (const [what, file] of Object.entries(cases)) {
      const r = await cdb([...base, "--stack-config", file]);
      expect({ what, code: r.code }).toEqual({ what, code: 7 });
      expect(r.err).toBe(`cdb: unreachable: Docker host ${NOWHERE} is not reachable (ENOENT) while trying to inspect container ${redisName}\n`);
    }
    // The stack file wins over the project's default: here it names the engine the doubles run on.
    const own = projectDir({ config: { "cdb:dockerHost": NOWHERE } }, stringify({ config: { "cdb:mode": "paper", "cdb:dockerHost": "unix:///var/run/docker.sock" } }));
    const ok = await cdb([...base, "--stack-config", own]);
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(await shutdownEntryCount(redis())).toBe(1);
    await releaseKillSwitch(redis());
  }, 180_000);

  it("a --redis-url with a password or a database index is exit 2; the refusal is audited, the password neither printed nor audited", async () => {
    const port = await freePort();
    const secret = "hunter2-in-a-url";
    for (const url of [`redis://:${secret}@127.0.0.1:${port}`, `redis://default:${secret}@127.0.0.1:${port}`, `redis://127.0.0.1:${port}/3`, `redis://127.0.0.1:${port}?db=3`, `redis://127.0.0.1:${port}?password=${secret}`]) {
      const before = auditText();
      const r = await cdb([...base, "--stack-config", config, "--redis-url", url]);
      expect({ url, code: r.code }).toEqual({ url, code: 2 });
      expect(r.err).toMatch(/^cdb: unusable input: --redis-url: /);
      expect(r.err + r.out).not.toContain(secret);
      // A failed kill is audited (who tried, why it failed), without the URL it refused.
      const added = auditText().slice(before.length).trim().split("\n");
      expect(added).toHaveLength(1);
      expect(JSON.parse(added[0]!)).toMatchObject({ op: "kill", outcome: "failed (unusable input)" });
      expect(added[0]).not.toContain(secret);
    }
  }, 180_000);

  it("a Redis without a password: kill and release are applied, exit 0, audited, with a warning", async () => {
    await redisScript(t, redisName, `redis-cli CONFIG SET requirepass ""`);
    try {
      const k = await cdb([...base, "--stack-config", config, "--by", "janne"]);
      expect(k.code).toBe(0);
      expect(k.err).toMatch(/^cdb: warning: Redis in container cdbhosttest_redis .* has no password set/);
      expect(await shutdownEntryCount(redis())).toBe(1);
      expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill", stack: STACK, outcome: "written", warnings: [expect.stringMatching(/has no password set/)] });
      const rel = await cdb(["kill", "--stack", STACK, "--stack-config", config, "--release", "--yes", "--by", "mara"]);
      expect(rel.code).toBe(0);
      expect(await shutdownEntryCount(redis())).toBe(0);
      expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill.release", outcome: "released", removed: 1, warnings: [expect.stringMatching(/has no password set/)] });
    } finally {
      // Back to the secret file's password (redis-cli without AUTH works now).
      await redisScript(t, redisName, `redis-cli CONFIG SET requirepass "$(cat /run/secrets/redis_password)" >/dev/null 2>&1 || true`);
    }
  }, 180_000);
});

describe("cdb kill --redis-url against a redis-server without a password", () => {
  let server: RedisServer;
  let open: { port: number; stop(): Promise<void> };
  beforeAll(async () => {
    server = await startRedis();
    const port = await freePort();
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    open = { port, stop: async () => void (proc.exitCode === null && (proc.kill("SIGTERM"), await new Promise((r) => proc.once("exit", r)))) };
    // Wait until it answers (the client refuses while it does not).
    const { directRedis } = await import("./redis");
    for (let i = 0; ; i++) {
      try {
        await (await directRedis(`redis://127.0.0.1:${port}`, undefined)).close();
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
  afterAll(async () => Promise.all([server?.stop(), open?.stop()]));

  it("applies the kill with --password-file, exit 0, audited, with a warning", async () => {
    const r = await cdb(["kill", "--stack", STACK, "--stack-config", config, "--reason", "direct", "--redis-url", `redis://127.0.0.1:${open.port}`, "--password-file", server.passwordFile]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^cdb: warning: Redis at redis:\/\/127\.0\.0\.1:\d+ has no password set/);
    expect(r.err).not.toContain(server.password);
    expect(readAudit(AUDIT).at(-1)).toMatchObject({ op: "kill", outcome: "written", redis: `Redis at redis://127.0.0.1:${open.port}` });
    expect(auditText()).not.toContain(server.password);
  });
});
