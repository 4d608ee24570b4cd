import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../readiness/catalog";

// Finds or builds the Pulumi CLI and nodejs language host at the version of
// @pulumi/pulumi in package-lock.json: a `pulumi` on PATH of that version or
// newer wins; otherwise binaries cached per version in the user cache folder;
// otherwise a build from the Go module proxy through tools/pulumi. Prints the
// directory to put on PATH. Exit 0 found, 4 cannot build (one-line reason).

const EXIT_CANNOT_BUILD = 4;
const exe = (name: string) => (process.platform === "win32" ? `${name}.exe` : name);

export function pinnedVersion(lockFile = path.join(REPO_ROOT, "package-lock.json")): string {
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { packages: Record<string, { version?: string }> };
  const v = lock.packages["node_modules/@pulumi/pulumi"]?.version;
  if (!v) throw new Error(`${lockFile}: @pulumi/pulumi is not locked`);
  return v;
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

function onPath(version: string): string | undefined {
  const r = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (r.status !== 0 || !atLeast(r.stdout.trim(), version)) return undefined;
  const which = spawnSync(process.platform === "win32" ? "where" : "which", ["pulumi"], { encoding: "utf8" });
  return path.dirname(which.stdout.split(/\r?\n/)[0]!.trim());
}

function build(version: string, dir: string): string | undefined {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) return "go is not installed (Go 1.26.6 or newer is needed to build the Pulumi CLI)";
  mkdirSync(dir, { recursive: true });
  const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`;
  for (const pkg of ["github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"]) {
    const args = ["build", "-mod=mod", "-tags", "osusergo grpcnotrace", "-ldflags", ldflags, "-o", dir + path.sep, pkg];
    const r = spawnSync("go", args, { cwd: path.join(REPO_ROOT, "tools", "pulumi"), encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=mod" } });
    if (r.status !== 0) {
      const last = (r.stderr || r.stdout).trim().split("\n").filter((l) => l.trim()).slice(-2).join(" ").replace(/\s+/g, " ");
      return `go ${args.join(" ")} failed: ${last}`;
    }
  }
  return undefined;
}

export function main(): number {
  const version = pinnedVersion();
  const found = onPath(version);
  if (found) {
    process.stdout.write(`${found}\n`);
    return 0;
  }
  const dir = path.join(cacheDir(version), "bin");
  const ready = () => existsSync(path.join(dir, exe("pulumi"))) && existsSync(path.join(dir, exe("pulumi-language-nodejs")));
  if (!ready()) {
    process.stderr.write(`cdb toolchain: building Pulumi v${version} from the Go module proxy into ${dir} (one time)\n`);
    const problem = build(version, dir);
    if (problem) {
      process.stderr.write(`cdb toolchain: cannot build Pulumi v${version}: ${problem}\n`);
      return EXIT_CANNOT_BUILD;
    }
  }
  process.stdout.write(`${dir}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
