import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pollUntil } from "../platform/poll";

// A real redis-server (Debian package) per test file: 127.0.0.1 on a free
// port, with requirepass, in a temporary directory, stopped after.

export interface RedisServer {
  port: number;
  url: string;
  password: string;
  /** A file holding the password, as --password-file takes it. */
  passwordFile: string;
  dir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.end();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });

export async function startRedis(password = `pw-${Math.random().toString(36).slice(2)}`): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cdb-redis-"));
  const passwordFile = path.join(dir, "redis_password");
  writeFileSync(passwordFile, password + "\n");
  const port = await freePort();
  const proc: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--requirepass", password, "--dir", dir, "--save", "", "--appendonly", "no"], {
    stdio: "ignore",
  });
  const up = await pollUntil(
    async () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode} (is the Debian package redis-server installed?)`);
      return answers(port);
    },
    (ok) => ok,
    { deadline: Date.now() + 10_000, intervalMs: 20 },
  );
  if (!up.done) throw new Error("redis-server did not listen within 10 s");
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, url: `redis://127.0.0.1:${port}`, password, passwordFile, dir, stop };
}
