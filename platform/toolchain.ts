import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OpsRefused } from "./errors";
import { REPO_ROOT } from "./paths";

// Where the Pulumi CLI and its nodejs language host are, at the version of
// @pulumi/pulumi in package-lock.json (CLI, SDK and policy runtime are one
// release): a `pulumi` on PATH of that version or newer (the official CLI
// bundles its own language host), else binaries cached per version in the
// user cache folder. Never builds: `npm run toolchain` (scripts/toolchain.ts) does.

export const exe = (name: string) => (process.platform === "win32" ? `${name}.exe` : name);

/** The adapter finds the legacy host under this name next to itself. */
export const LEGACY_HOST = "cdb-nodejs-host-v3.68.0";

export function pinnedVersion(lockFile = path.join(REPO_ROOT, "package-lock.json")): string {
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, { version?: string }> };
  const v = lock.packages["node_modules/@pulumi/pulumi"]?.version;
  if (!v) throw new Error(`${lockFile}: @pulumi/pulumi is not locked`);
  return v;
}

/** The pkg/v3 release tools/pulumi/go.mod builds. */
export function goModVersion(goMod = path.join(REPO_ROOT, "tools", "pulumi", "go.mod")): string | undefined {
  return /github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/.exec(readFileSync(goMod, "utf8"))?.[1];
}

const parse = (v: string) => v.replace(/^v/, "").split(/[.-]/).slice(0, 3).map(Number);
export function atLeast(found: string, wanted: string): boolean {
  const [a, b] = [parse(found), parse(wanted)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Laid out as the Automation API expects a Pulumi root: binaries under bin/. */
export function cacheDir(version: string): string {
  const base = process.env.CDB_TOOLCHAIN_CACHE ?? (process.platform === "win32" ? path.join(process.env.LOCALAPPDATA ?? os.homedir(), "cdb-deploy") : path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "cdb-deploy"));
  return path.join(base, "pulumi", `v${version}`);
}

/**
 * The `pulumi` that `spawnSync("pulumi")` would start, found without starting a process: the first
 * executable file of that name on PATH (on Windows, libuv's endings: .com, .exe).
 */
function firstOnPath(): string | undefined {
  const endings = process.platform === "win32" ? [".com", ".exe"] : [""];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const ending of endings) {
      const file = path.join(dir, `pulumi${ending}`);
      try {
        if (statSync(file).isFile()) {
          accessSync(file, constants.X_OK);
          return file;
        }
      } catch {
        // not here, or not executable: the shell would go on too
      }
    }
  }
  return undefined;
}

function onPath(version: string): string | undefined {
  const file = firstOnPath();
  if (!file) return undefined;
  const dir = path.dirname(file);
  // This version's own cache (`npm run toolchain` builds it into the folder named for the version),
  // complete: nothing to ask. Engine runs put it on PATH, and each ask costs ~0.13 CPU-s.
  if (path.resolve(dir) === path.resolve(cachedBin(version)) && complete(dir)) return dir;
  const r = spawnSync(file, ["version"], { encoding: "utf8" });
  return r.status === 0 && atLeast(r.stdout.trim(), version) ? dir : undefined;
}

export const cachedBin = (version: string) => path.join(cacheDir(version), "bin");
const complete = (dir: string) => [exe("pulumi"), exe("pulumi-language-nodejs"), exe(LEGACY_HOST)].every((f) => existsSync(path.join(dir, f)));

/**
 * What a look found, per version and PATH: each look on PATH starts `pulumi version` (~0.13 CPU-s), and
 * one policy-check looked seven times. Only a found CLI is kept: `npm run toolchain` looks again after building.
 */
const found = new Map<string, string>();

/** The directory holding a usable `pulumi` and its nodejs language host, or undefined; never builds. */
export function findToolchain(version = pinnedVersion()): string | undefined {
  const key = `${version}\0${process.env.PATH ?? ""}`;
  const seen = found.get(key);
  if (seen !== undefined && existsSync(path.join(seen, exe("pulumi")))) return seen;
  const dir = onPath(version) ?? (complete(cachedBin(version)) ? cachedBin(version) : undefined);
  if (dir !== undefined) found.set(key, dir);
  return dir;
}

/** The `pulumi` binary every command of the project runs; refused (exit 5) when there is none. */
export function pulumiBinary(): string {
  const bin = findToolchain();
  if (!bin) throw new OpsRefused("no Pulumi CLI of the pinned release or newer was found: install it (README, Prerequisites) or run `npm run toolchain`");
  return path.join(bin, exe("pulumi"));
}
