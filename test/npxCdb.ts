import { spawn, spawnSync } from "node:child_process";
import { REPO_ROOT } from "../platform/paths";

// The CLI exactly as the README and the guides in docs/ write it: `npx cdb …` in the checkout,
// through the bin npm linked (packages/cli/cdb.cjs, which runs scripts/bin/cdb.cjs), in its own process. Not an
// internal launcher: the documented emergency rollback once failed this way
// (exit 3, "Cannot find module") while tests through `tsx scripts/cdb.ts` were green.

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  ms: number;
}

const NPX = process.platform === "win32" ? "npx.cmd" : "npx";
const ARGS = (args: string[]) => ["--no-install", "cdb", ...args];

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
}

export function npxCdbSync(args: string[], o: CliOptions = {}): CliRun {
  const t0 = Date.now();
  const r = spawnSync(NPX, ARGS(args), { cwd: o.cwd ?? REPO_ROOT, env: { ...process.env, ...o.env }, input: o.input ?? "", encoding: "utf8", shell: process.platform === "win32" });
  return { code: r.status, out: r.stdout, err: r.stderr, ms: Date.now() - t0 };
}

export function npxCdb(args: string[], o: CliOptions = {}): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(NPX, ARGS(args), { cwd: o.cwd ?? REPO_ROOT, env: { ...process.env, ...o.env }, shell: process.platform === "win32" });
    let out = "";
    let err = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr.on("data", (c: Buffer) => (err += c.toString()));
    // EPIPE when the command exits before reading stdin: its exit code and stderr are the result.
    p.stdin.on("error", () => undefined);
    p.stdin.end(o.input ?? "");
    p.on("close", (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
  });
}

/**
 * `npx cdb …` left running (a server such as `cdb exchange simulate`): resolves
 * with its first stdout line; `stop()` ends its process group and resolves
 * with the exit code and the whole output.
 */
export async function npxCdbServer(args: string[], o: CliOptions = {}): Promise<{ firstLine: string; stop(): Promise<CliRun> }> {
  const t0 = Date.now();
  const p = spawn(NPX, ARGS(args), { cwd: o.cwd ?? REPO_ROOT, env: { ...process.env, ...o.env }, shell: process.platform === "win32", detached: process.platform !== "win32" });
  let out = "";
  let err = "";
  const closed = new Promise<number | null>((resolve) => p.on("close", (code) => resolve(code)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    p.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const i = out.indexOf("\n");
      if (i >= 0) resolve(out.slice(0, i));
    });
    p.stderr.on("data", (c: Buffer) => (err += c.toString()));
    void closed.then((code) => reject(new Error(`exited ${code} before printing a line: ${err}`)));
  });
  return {
    firstLine,
    stop: async () => {
      if (p.exitCode === null) {
        if (process.platform === "win32") p.kill();
        else process.kill(-p.pid!, "SIGTERM");
      }
      const code = await closed;
      return { code, out, err, ms: Date.now() - t0 };
    },
  };
}
