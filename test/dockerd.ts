import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import Docker from "dockerode";
import { ensureDoubleImage } from "./images/build";
import { pollUntil } from "../platform/poll";

// vitest globalSetup of the ops and engine projects: a Docker engine that
// answers (the running one, or a dockerd started here), and the test-double
// image built once for every test file. A dockerd started here keeps running
// after the run: another project of the same run may still be using it.

let started: ChildProcess | undefined;

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export async function setup(): Promise<void> {
  const docker = new Docker();
  if (!(await answers(docker))) {
    if (process.platform !== "linux" || !existsSync("/usr/sbin/dockerd") && !existsSync("/usr/bin/dockerd")) {
      throw new Error("no Docker engine answers and no dockerd to start: install docker.io (npm run setup:test-tools) or start Docker");
    }
    const log = openSync("/tmp/cdb-test-dockerd.log", "a");
    started = spawn("dockerd", [], { stdio: ["ignore", log, log], detached: true });
    const dockerd = started;
    const up = await pollUntil(
      async () => {
        if (dockerd.exitCode !== null) throw new Error(`dockerd exited ${dockerd.exitCode}; see /tmp/cdb-test-dockerd.log`);
        return answers(docker);
      },
      (ok) => ok,
      { deadline: Date.now() + 60_000, intervalMs: 200 },
    );
    if (!up.done) throw new Error("dockerd did not answer within 60 s; see /tmp/cdb-test-dockerd.log");
  }
  process.env.CDB_TEST_DOUBLE_IMAGE = await ensureDoubleImage(docker);
}

export async function teardown(): Promise<void> {
  // Let the started dockerd outlive this process (its log: /tmp/cdb-test-dockerd.log).
  started?.unref();
}
