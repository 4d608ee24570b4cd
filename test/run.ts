import { spawn } from "node:child_process";

// One command of a test, run to its end: its exit code and whole output, with
// `input` on its stdin. Killed after `timeoutMs` (default 240 s): a hung
// command fails its test instead of the run.

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `shell`: through the platform's shell (Windows' npx.cmd needs one). */
export function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; shell?: boolean }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"], shell: opts.shell ?? false });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 240_000);
    child.on("error", reject);
    // A command that exits before reading its stdin (a refusal, a crash) closes the pipe: the write's EPIPE
    // is not the result (its exit code and stderr are), and unhandled it would end the test process.
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
