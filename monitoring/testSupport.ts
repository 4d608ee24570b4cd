import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// Shared by the monitoring tests: lay container files out under a temp root
// and run the real promtool/amtool/sh against them.

export interface ToolRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr: promtool and amtool split their report across both. */
  output: string;
}

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): ToolRun {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: opts.env ?? process.env, timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

export const tempRoot = (): string => mkdtempSync(join(tmpdir(), "cdb-monitoring-"));

/** Writes `content` at `root` + container path and returns the host path. */
export function writeUnder(root: string, containerPath: string, content: string): string {
  const hostPath = join(root, containerPath);
  mkdirSync(dirname(hostPath), { recursive: true });
  writeFileSync(hostPath, content);
  return hostPath;
}

export const filesMap = (files: readonly { path: string; content: string }[]): Map<string, string> =>
  new Map(files.map((f) => [f.path, f.content]));
