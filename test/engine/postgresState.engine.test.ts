import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBackup } from "../../ops/backup";
import { pulumiStep } from "../../ops/pulumiErrors";
import { retryWhileLocked } from "../../ops/stackLock";
import { StackLocked } from "../../platform/errors";
import { pollUntil } from "../../platform/poll";
import { toolchainDir } from "../../scripts/toolchain";
import { npxCdb } from "../npxCdb";
import { startPostgres, type PostgresServer } from "../postgresServer";
import { initLiveStack, liveConfigFile, writeLiveEvidence } from "./liveStack";
import { dockerTarget } from "../../ops/docker";
import { shutdownEntryCount } from "../../ops/kill";
import { containerRedis } from "../../ops/redis";
import { loadStackConfigFile, viewOf } from "../../readiness/stackView";
import { ensureDoubleImage } from "../images/build";
import { secondDockerd } from "../secondDockerd";
import { startDoubles } from "../stackDoubles";
import { engineWorkspace, type EngineWorkspace } from "./workspace";

// Pulumi state on a real PostgreSQL (Debian package, started here on
// 127.0.0.1) through the DIY backend of the real Pulumi CLI, with STAND-IN
// providers (echo docker: nothing runs on dockerd). One server and one paper-like
// stack for the whole file. An update is held mid-way by the stand-ins'
// hold file (standins/standinProvider.ts) so the lock is taken for as long as
// a test needs it, with no sleeps.

/**
 * The file's one stack: paper's config under this task's name, so its containers would be
 * cdbpgstate_*, which no other test on the shared dockerd uses (`cdb rollback` stops trading on
 * them first); the echo stand-in starts none, so there is nothing to stop.
 */
const STACK = "pgstate";
let pg: PostgresServer;
let ws: EngineWorkspace;
const cdb = async (args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => {
  const r = await npxCdb(args, { cwd: ws.project, env: { ...ws.env, CDB_AUDIT_FILE: path.join(ws.project, "audit", "operations.jsonl"), ...env }, ...(input !== undefined ? { input } : {}) });
  return { code: r.code, stdout: r.out, stderr: r.err };
};
const me = `${os.userInfo().username}@${os.hostname()}`;
const lockRows = (stack: string) => pg.query(`select key from pulumi_state where key like '%/.pulumi/locks/%/cdb/${stack}/%'`).then((t) => t.split("\n").filter(Boolean));

async function exported(stack: string): Promise<{ resources: unknown[] }> {
  const r = await ws.pulumi(["stack", "export", "--stack", stack]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { deployment: { resources?: unknown[] } }).deployment as { resources: unknown[] };
}

/** Held updates still running: a failed assertion must not leave one behind the file (afterAll kills them). */
const heldProcesses = new Set<() => void>();

/** `pulumi up` of the stack held at its first resource (the stack's lock taken) until `release()`; `kill()` SIGKILLs its whole process group. */
async function heldUpdate(stack = STACK) {
  const hold = path.join(ws.project, `.hold-${stack}-${Date.now()}`);
  writeFileSync(hold, "");
  const child = spawn(path.join(toolchainDir(), "pulumi"), ["up", "--stack", stack, "--yes", "--skip-preview", "--non-interactive"], {
    cwd: ws.project,
    env: { ...ws.env, CDB_STANDIN_HOLD_FILE: hold },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const killGroup = () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  };
  heldProcesses.add(killGroup);
  void closed.then(() => heldProcesses.delete(killGroup));
  // Held: the stand-in waits inside the engine, and the lock is a row in PostgreSQL.
  const held = await pollUntil(async () => existsSync(`${hold}.held`) && (await lockRows(stack)).length === 1, (ok) => ok, { deadline: Date.now() + 180_000, intervalMs: 200 });
  if (!held.done) {
    killGroup();
    throw new Error(`the update was not held with its lock within 180 s: ${output}`);
  }
  return {
    pid: child.pid!,
    release: async () => {
      rmSync(hold, { force: true });
      return { code: await closed, output };
    },
    kill: async () => {
      killGroup();
      const code = await closed;
      rmSync(hold, { force: true });
      return code;
    },
  };
}

beforeAll(async () => {
  pg = await startPostgres();
  ws = await engineWorkspace("engine-pgstate-passphrase", { backendUrl: pg.url });
  writeFileSync(path.join(ws.project, `Pulumi.${STACK}.yaml`), readFileSync(path.join(ws.project, "Pulumi.paper.yaml"), "utf8").replace(/^encryptionsalt:.*\n/m, ""));
});
afterAll(async () => {
  for (const kill of heldProcesses) kill();
  // The server stops even when removing the workspace fails (a process still writing in it).
  try {
    ws?.dispose();
  } finally {
    await pg?.stop();
  }
});

// Every case runs several whole Pulumi commands; on 2 shared cores one paper update alone has taken 2 minutes.
describe("Pulumi state on PostgreSQL (real server, real CLI, stand-in providers)", { timeout: 600_000 }, () => {
  let resources = 0;

  it("`cdb deploy` keeps the stack's state in PostgreSQL, and a backup exports it from there", async () => {
    const r = await cdb(["deploy", "--stack", STACK]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await pg.query(`select count(*) from pulumi_state where key like '%/.pulumi/stacks/cdb/${STACK}.json'`)).toBe("1");
    resources = (await exported(STACK)).resources.length;
    expect(resources).toBeGreaterThan(10);
    const backup = await writeBackup({ stack: STACK, dir: path.join(ws.project, "backups"), workDir: ws.project, env: ws.env as Record<string, string>, pulumi: path.join(toolchainDir(), "pulumi") });
    expect((JSON.parse(readFileSync(backup, "utf8")) as { deployment: { resources: unknown[] } }).deployment.resources).toHaveLength(resources);
  });

  it("two updates at once: one proceeds, `cdb deploy` stops with one line naming the holder (exit 6), the state stays intact", async () => {
    const first = await heldUpdate();
    const second = await cdb(["deploy", "--stack", STACK]);
    expect(second.code, second.stdout + second.stderr).toBe(6);
    const lines = second.stderr.split("\n").filter((l) => l.startsWith("cdb: "));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^cdb: stack locked: stack ${STACK} on postgres://127\\.0\\.0\\.1:${pg.port}/postgres \\(user ${pg.user}\\) is locked by ${me.replace(/[.]/g, "\\.")} \\(pid ${first.pid}\\) since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ; its update still runs on this host: wait for it to end; .*\`pulumi cancel --stack ${STACK} --yes\``),
    );
    expect(second.stdout + second.stderr).not.toContain(pg.password);
    const done = await first.release();
    expect(done.code, done.output).toBe(0);
    // Intact: the export parses, nothing was added or lost, no lock is left, and the next update succeeds with nothing to change.
    expect((await exported(STACK)).resources).toHaveLength(resources);
    expect(await lockRows(STACK)).toEqual([]);
    const next = await cdb(["deploy", "--stack", STACK]);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toMatch(/\b\d+ unchanged/);
    expect((await exported(STACK)).resources).toHaveLength(resources);
  });

  it("a `pulumi up` killed mid-update leaves a stale lock: cdb names it with the command that clears it and never clears it", async () => {
    const killed = await heldUpdate();
    expect(await killed.kill()).toBeNull();
    const [lock] = await lockRows(STACK);
    expect(lock).toBeDefined();
    const r = await cdb(["deploy", "--stack", STACK]);
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(r.stderr).toMatch(new RegExp(`^cdb: stack locked: stack ${STACK} on \\S+ \\(user ${pg.user}\\) is locked by \\S+ \\(pid ${killed.pid}\\) since \\S+; stale: that process no longer runs on this host; if no update of ${STACK} runs any more, clear the lock with \`pulumi cancel --stack ${STACK} --yes\` in this checkout with the same PULUMI_BACKEND_URL \\(cdb never clears a lock\\)$`, "m"));
    expect(r.stderr).not.toContain(pg.password);
    // cdb cleared nothing: the same lock row is there.
    expect(await lockRows(STACK)).toEqual([lock]);
    // The state is still readable (a backup works under a lock) and the resources are all there.
    expect((await exported(STACK)).resources).toHaveLength(resources);
    // The command cdb printed clears it; then the stack updates again.
    const cancel = await ws.pulumi(["cancel", "--stack", STACK, "--yes"]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(await lockRows(STACK)).toEqual([]);
    const next = await cdb(["deploy", "--stack", STACK]);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect((await exported(STACK)).resources).toHaveLength(resources);
  });

  it("rollback's update waits for a lock another update holds, naming the holder, then runs; a stale lock is not waited for", async () => {
    // The Automation API stack exactly as ops/pulumiStack.ts opens it, on the workspace's project and backend.
    const { LocalWorkspace, PulumiCommand } = (await import("@pulumi/pulumi")).automation;
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(toolchainDir()) });
    const stack = await LocalWorkspace.selectStack({ stackName: STACK, workDir: ws.project }, { envVars: ws.env as Record<string, string>, pulumiCommand });
    const holder = await heldUpdate();
    const log: string[] = [];
    let released: Promise<{ code: number | null }> | undefined;
    const update = retryWhileLocked(() => pulumiStep(() => stack.up({ color: "never" })), {
      waitMs: 240_000,
      intervalMs: 500,
      log: (l) => {
        log.push(l);
        // The holder finishes once the waiting side has seen its lock.
        released ??= holder.release();
      },
    });
    const up = await update;
    expect(up.summary.result).toBe("succeeded");
    expect((await released!).code).toBe(0);
    expect(log[0]).toMatch(new RegExp(`^stack ${STACK} is locked by ${me.replace(/[.]/g, "\\.")} \\(pid ${holder.pid}\\) since \\S+: waiting up to \\d+ s for its update to end$`));

    const stale = await heldUpdate();
    await stale.kill();
    const started = Date.now();
    const err = await retryWhileLocked(() => pulumiStep(() => stack.up({ color: "never" })), { waitMs: 240_000, log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackLocked);
    expect((err as StackLocked).stale).toBe(true);
    // Not waited for: one attempt, far from the 240 s bound.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await lockRows(STACK)).toHaveLength(1);
    expect((await ws.pulumi(["cancel", "--stack", STACK, "--yes"])).code).toBe(0);
  });

  it("`cdb rollback` while another update holds the lock: stops trading, waits naming the holder, then returns the stack to paper flags", async () => {
    const holder = await heldUpdate();
    // `npx cdb rollback` streamed: the holder is released once the rollback says it waits for it.
    const child = spawn("npx", ["--no-install", "cdb", "rollback", "--stack", STACK, "--reason", "pgstate lock test", "--by", "mara", "--verify-timeout", "1", "--lock-wait", "300"], {
      cwd: ws.project,
      env: { ...ws.env, CDB_AUDIT_FILE: path.join(ws.project, "audit", "operations.jsonl") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const waiting = await pollUntil(async () => /waiting up to \d+ s for its update to end/.test(err) || child.exitCode !== null, (ok) => ok, { deadline: Date.now() + 300_000, intervalMs: 200 });
    expect(waiting.done, err).toBe(true);
    expect(err).toMatch(new RegExp(`^rollback ${STACK}: stack ${STACK} is locked by ${me.replace(/[.]/g, "\\.")} \\(pid ${holder.pid}\\) since \\S+: waiting up to \\d+ s for its update to end$`, "m"));
    // Trading was stopped before Pulumi was asked (nothing runs here to stop).
    expect(err.indexOf("kill switch not armed")).toBeGreaterThan(-1);
    expect(err.indexOf("kill switch not armed")).toBeLessThan(err.indexOf("waiting up to"));
    const held = await holder.release();
    expect(held.code, held.output).toBe(0);
    const heldEnded = Date.now();
    const code = await closed;
    // Rolled back; verification cannot pass with no containers (exit 1 or the failure's own code), which the line says.
    expect(code, out + err).not.toBe(0);
    expect(out).toMatch(/^pgstate: rolled back to paper flags \(update of \S+\), but not verified: /m);
    expect(out + err).not.toContain(pg.password);
    const records = readFileSync(path.join(ws.project, "audit", "operations.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const record = records.findLast((a) => a.op === "rollback")!;
    expect(record).toMatchObject({ by: "mara", stack: STACK, outcome: "rolled back, not verified", update: { result: "succeeded" }, backend: { scheme: "postgres", host: `127.0.0.1:${pg.port}` } });
    // The rollback's update ran after the holder's had ended: it is the last word on the stack.
    expect(Date.parse((record.update as { startTime: string }).startTime)).toBeGreaterThanOrEqual(heldEnded - 5_000);
    expect(readFileSync(path.join(ws.project, `Pulumi.${STACK}.yaml`), "utf8")).toMatch(/^ {2}cdb:mode: paper$/m);
    expect(await lockRows(STACK)).toEqual([]);
  });

  it("`cdb promote` meeting another update's lock stops with the holder named (exit 6), rolls nothing back and lifts its own hold", async () => {
    await initLiveStack(ws);
    // The promotion holds the live executor with a kill-switch entry in live's Redis before its update (issue 25 item 4):
    // live's Redis runs, as a TEST DOUBLE, on an engine of its own (cdb_* on the shared dockerd belongs to promote.engine).
    const B = secondDockerd("pgstate");
    await B.start();
    await B.loadImages(dockerTarget().docker, [await ensureDoubleImage(dockerTarget().docker)]);
    await ws.pulumi(["config", "set", "-s", "live", "cdb:dockerHost", B.host]);
    const redisDouble = await startDoubles(B.target, viewOf(loadStackConfigFile("live", liveConfigFile(ws))).plan, { only: ["redis"] });
    writeLiveEvidence(ws);
    const auditFile = path.join(ws.project, "audit", "operations.jsonl");
    const readRecords = () => (existsSync(auditFile) ? readFileSync(auditFile, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);
    const before = readRecords().length;
    const holder = await heldUpdate("live");
    try {
      const r = await cdb(["promote", "--to", "live", "--yes", "--by", "janne"]);
      expect(r.code, r.stdout + r.stderr).toBe(6);
      expect(r.stderr).toMatch(new RegExp(`^cdb: stack locked: stack live on postgres://127\\.0\\.0\\.1:${pg.port}/postgres \\(user ${pg.user}\\) is locked by \\S+ \\(pid ${holder.pid}\\) since \\S+; its update still runs on this host`, "m"));
      expect(r.stderr).not.toMatch(/rolling back/);
      expect(r.stdout + r.stderr).not.toContain(pg.password);
      const records = readRecords().slice(before);
      expect(records.at(-1)).toMatchObject({ op: "promote", by: "janne", stack: "live", outcome: "failed at update (stack locked)", backend: { scheme: "postgres", host: `127.0.0.1:${pg.port}` } });
      // Its backup was exported from PostgreSQL while the other update held the lock.
      expect(records.at(-1)!.backup).toMatch(/^backups\/live-/);
      // This attempt wrote one record, the promotion's: no rollback of its own.
      expect(records.map((a) => a.op)).toEqual(["promote"]);
      // Its hold is gone with it: the executor that runs is the one before the promotion.
      expect(await shutdownEntryCount(containerRedis(B.target, "cdb_redis"))).toBe(0);
      expect(r.stderr).toMatch(/^promote: kill switch armed \(\d+-\d+\)/m);
      const done = await holder.release();
      expect(done.code, done.output).toBe(0);
    } finally {
      // Released whatever the assertions say (a second release only waits for the same end).
      await holder.release();
      await redisDouble.stop();
      await B.stop();
    }
  }, 600_000);

  it("a wrong password is Pulumi's error (exit 6), printed without the password", async () => {
    const wrong = "Wrong-Pw-7d1c";
    const url = pg.url.replace(`:${encodeURIComponent(pg.password)}@`, `:${wrong}@`);
    const r = await cdb(["deploy", "--stack", STACK, "--preview"], { PULUMI_BACKEND_URL: url });
    expect(r.code, r.stdout + r.stderr).toBe(6);
    expect(r.stderr).toMatch(/^cdb: pulumi failed: .*password authentication failed/m);
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expect(readdirSync(ws.project)).not.toContain(".pulumi-state");
  });

  it("`cdb destroy` audits which backend it changed: scheme, host, database, user, never the password", async () => {
    // Any stack but paper goes only after its name is typed (no --yes).
    const r = await cdb(["destroy", "--stack", STACK, "--by", "mara"], {}, `${STACK}\n`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const text = readFileSync(path.join(ws.project, "audit", "operations.jsonl"), "utf8");
    const record = JSON.parse(text.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(record).toMatchObject({ op: "destroy", by: "mara", stack: STACK, outcome: "destroyed", backend: { scheme: "postgres", host: `127.0.0.1:${pg.port}`, database: "postgres", user: pg.user } });
    expect(text).not.toContain(pg.password);
    expect((await exported(STACK)).resources ?? []).toHaveLength(0);
  });
});
