import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as esbuild from "esbuild";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { SERVICES } from "../../config/services";
import { REPO_ROOT } from "../../platform/paths";
import { toolchainDir } from "../../scripts/toolchain";
import { copyProject } from "../repoCopy";
import { run, type Run } from "../run";
import type { StandinOp } from "./standins/standinProvider";

// A throwaway place for one engine test file: a copy of the Pulumi project
// (stack config files get encryption salts and settings written into them),
// its own PULUMI_HOME with the STAND-IN docker and random plugins installed
// under their real names and versions, and a file backend. The real Pulumi
// CLI, language host and policy analyzer run against it.

/** The provider plugins the program requires, at the versions of package.json. */
const STANDINS = { docker: "5.2.0", random: "4.21.2" } as const;

// One command run to its end: test/run.ts (the engine files import it from here).
export { run, type Run };


export interface EngineWorkspace {
  /** The project copy: run pulumi here. */
  project: string;
  env: NodeJS.ProcessEnv;
  /** `timeoutMs`: kill after (default 240 s; an update of a whole new stack takes longer on a loaded machine). */
  pulumi(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<Run>;
  /** Every create/update/delete the stand-in providers saw, in order. */
  standinOps(): StandinOp[];
  /** The state file of a stack, as stored by the file backend (not with `backendUrl`). */
  stateText(stack: string): string;
  dispose(): void;
}

const NODE = process.execPath;


export interface WorkspaceOptions {
  /**
   * "echo" (default): the docker stand-in starts nothing. "dockerd": it runs
   * TEST-DOUBLE containers on the local dockerd (standins/dockerOnDockerd.ts).
   */
  docker?: "echo" | "dockerd";
  /** The state backend (e.g. a test's PostgreSQL, postgres://…); default: a file backend in the workspace. */
  backendUrl?: string;
}

/** A directory with every Dockerfile the paper builds name (empty, FROM scratch): enough for `cdb deploy`'s checkout check, nothing to build. */
export function standinCheckout(dir: string): void {
  for (const spec of Object.values(SERVICES)) {
    if (!spec.build) continue;
    const file = path.join(dir, spec.build.dockerfile);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "# stand-in checkout: nothing is built from it\nFROM scratch\n");
  }
}

/**
 * A stand-in provider as one CommonJS file (its packages left to node_modules),
 * built once per content under the git-ignored .cache/. Pulumi starts each
 * provider plugin anew for every preview and update: through tsx (a second
 * node process and esbuild's service) a start cost 1.5-2 s of CPU, bundled
 * 0.75 s (bench/standinStart.ts). `__dirname` keeps each source file's own
 * folder (REPO_ROOT in platform/paths.ts, the double image's scripts).
 */
export async function standinBundle(source: string): Promise<string> {
  const dirnameAsSource: esbuild.Plugin = {
    name: "dirname-of-source",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (a) => ({ contents: readFileSync(a.path, "utf8").replace(/\b__dirname\b/g, JSON.stringify(path.dirname(a.path))), loader: "ts" }));
    },
  };
  const r = await esbuild.build({ entryPoints: [path.join(__dirname, "standins", source)], bundle: true, platform: "node", format: "cjs", packages: "external", target: "node22", write: false, logLevel: "error", plugins: [dirnameAsSource] } as esbuild.BuildOptions & { write: false });
  const text = r.outputFiles[0]!.text;
  const file = path.join(REPO_ROOT, ".cache", "standins", `${path.basename(source, ".ts")}-${createHash("sha256").update(text).digest("hex").slice(0, 16)}.cjs`);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    // Files of a run in parallel build the same bundle: each writes its own, the rename is atomic.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return file;
}

export async function engineWorkspace(passphrase: string, opts: WorkspaceOptions = {}): Promise<EngineWorkspace> {
  const bin = toolchainDir();
  const root = mkdtempSync(path.join(os.tmpdir(), "cdb-engine-"));
  const project = path.join(root, "project");
  // The compiled program and pack while the copy's sources are unchanged, its sources once a test edits one.
  copyProject(project);
  // The workspace's stacks are made under its own passphrase: a committed salt (README "The live stack in a fresh clone") is another one's.
  for (const stack of ["paper", "live", "rehearsal"]) {
    const file = path.join(project, `Pulumi.${stack}.yaml`);
    const text = existsSync(file) ? readFileSync(file, "utf8") : "";
    if (/^encryptionsalt:/m.test(text)) writeFileSync(file, text.replace(/^encryptionsalt:.*\r?\n?/m, ""));
  }
  // Where the committed cdb:sourceDir (../claire-de-binare) points: a STAND-IN checkout with the
  // Dockerfiles the paper builds name (cdb deploy refuses a sourceDir that is no checkout). The
  // stand-in providers build nothing from it.
  standinCheckout(path.join(root, "claire-de-binare"));
  const standinLog = path.join(root, "standin-ops.jsonl");
  mkdirSync(path.join(root, "state"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [bin, path.dirname(NODE), process.env.PATH].join(path.delimiter),
    PULUMI_HOME: path.join(root, "pulumi-home"),
    PULUMI_BACKEND_URL: opts.backendUrl ?? pathToFileURL(path.join(root, "state")).href,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Only the plugins installed below, never one found on PATH.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    CDB_STANDIN_LOG: standinLog,
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  // A stack's own passphrase file (config/stackPassphrase.ts) would win over the workspace's; a test that sets one does so on purpose.
  for (const k of Object.keys(env)) if (k.startsWith("CDB_PASSPHRASE_FILE_")) delete env[k];
  // The gate's files are the project copy's (readiness/trustRoot.ts); a test that sets one of these does so on purpose.
  delete env.CDB_EVIDENCE_FILE;
  delete env.CDB_ALLOWED_SIGNERS;
  const pulumi = (args: string[], o: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}) =>
    run(path.join(bin, "pulumi"), [...args, "--non-interactive"], { cwd: project, env: { ...env, ...o.env }, input: o.input, ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  const sources: Record<keyof typeof STANDINS, string> = { docker: opts.docker === "dockerd" ? "dockerOnDockerd.ts" : "docker.ts", random: "random.ts" };
  for (const [name, version] of Object.entries(STANDINS) as [keyof typeof STANDINS, string][]) {
    const launcher = path.join(root, `${name}-standin`);
    writeFileSync(launcher, `#!/bin/sh\nexec "${NODE}" "${await standinBundle(sources[name])}" "$@"\n`);
    chmodSync(launcher, 0o755);
    const r = await pulumi(["plugin", "install", "resource", name, version, "--file", launcher]);
    if (r.code !== 0) throw new Error(`installing the ${name} stand-in failed: ${r.stderr}`);
  }
  return {
    project,
    env,
    pulumi,
    standinOps: () => (existsSync(standinLog) ? readFileSync(standinLog, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as StandinOp) : []),
    stateText: (stack) => readFileSync(path.join(root, "state", ".pulumi", "stacks", "cdb", `${stack}.json`), "utf8"),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
