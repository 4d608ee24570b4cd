import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "../platform/paths";
import { cachedBin, exe, findToolchain, goModVersion, LEGACY_HOST, pinnedVersion } from "../platform/toolchain";

// `npm run toolchain`: finds the Pulumi CLI and nodejs language host
// (platform/toolchain.ts), or builds them from the Go module proxy, once:
//   - the CLI (tools/pulumi, version stamped),
//   - the nodejs language host of sdk/v3 v3.68.0 (tools/nodejs-host-v3.68),
//   - the project's adapter (tools/pulumi/nodejs-adapter), installed as
//     pulumi-language-nodejs, which adds RunPlugin for policy packs.
// Prints the directory to put on PATH. Exit 0 found, 4 cannot build.
// The CLI and the legacy host are cached per release; the adapter is also
// rebuilt alone whenever its sources change (ADAPTER_STAMP), so a checkout
// never runs an adapter older than its own.

const EXIT_CANNOT_BUILD = 4;
const TOOLS = path.join(REPO_ROOT, "tools");
const ADAPTER = exe("pulumi-language-nodejs");
/** Next to the cached adapter: the hash of the sources it was built from. */
const ADAPTER_STAMP = "pulumi-language-nodejs.sha256";

/** The hash of what the adapter is built from: its Go files and the module's go.mod and go.sum. */
export function adapterSourceHash(tools = TOOLS): string {
  const dir = path.join(tools, "pulumi", "nodejs-adapter");
  const files = [...readdirSync(dir).filter((f) => f.endsWith(".go")).sort().map((f) => path.join(dir, f)), path.join(tools, "pulumi", "go.mod"), path.join(tools, "pulumi", "go.sum")];
  const h = createHash("sha256");
  for (const f of files) h.update(`${path.relative(tools, f).split(path.sep).join("/")}\0`).update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

function goBuild(steps: [string, string[]][]): string | undefined {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) return "go is not installed (Go 1.26.6 or newer is needed to build the Pulumi CLI)";
  for (const [module, args] of steps) {
    // readonly: the committed go.sum files decide every dependency.
    const r = spawnSync("go", args, { cwd: path.join(TOOLS, module), encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=readonly" } });
    if (r.status !== 0) {
      const last = (r.stderr || r.stdout || String(r.error)).trim().split("\n").filter((l) => l.trim()).slice(-2).join(" ").replace(/\s+/g, " ");
      return `(cd tools/${module} && go ${args.join(" ")}) failed: ${last}`;
    }
  }
  return undefined;
}

const adapterStep = (file: string): [string, string[]] => ["pulumi", ["build", "-o", file, "./nodejs-adapter"]];

function build(version: string, dir: string): string | undefined {
  const pinned = goModVersion();
  if (pinned !== version) return `tools/pulumi/go.mod builds pkg/v3 v${pinned}, but package-lock.json has @pulumi/pulumi ${version}: pin both to one release`;
  const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`;
  const problem = goBuild([
    ["pulumi", ["build", "-tags", "osusergo grpcnotrace", "-ldflags", ldflags, "-o", path.join(dir, exe("pulumi")), "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"]],
    adapterStep(path.join(dir, ADAPTER)),
    ["nodejs-host-v3.68", ["build", "-o", path.join(dir, exe(LEGACY_HOST)), "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"]],
  ]);
  if (!problem) writeFileSync(path.join(dir, ADAPTER_STAMP), adapterSourceHash() + "\n");
  return problem;
}

/** Rebuilds the cached adapter alone when its sources changed since it was built; throws ToolchainError. */
function refreshAdapter(dir: string, log: (line: string) => void): void {
  const want = adapterSourceHash();
  const stamp = path.join(dir, ADAPTER_STAMP);
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === want) return;
  log(`cdb toolchain: rebuilding the nodejs adapter in ${dir} (its sources changed)`);
  const partial = path.join(dir, `${ADAPTER}.partial-${process.pid}`);
  const problem = goBuild([adapterStep(partial)]);
  if (problem) {
    rmSync(partial, { force: true });
    throw new ToolchainError(`cannot build the nodejs adapter: ${problem}`);
  }
  // Moved in whole, then stamped: a failed build keeps the old adapter and its old stamp.
  renameSync(partial, path.join(dir, ADAPTER));
  writeFileSync(stamp, want + "\n");
}

/** The directory holding `pulumi` and its nodejs language host, building them when needed; throws ToolchainError. */
export function toolchainDir(log: (line: string) => void = () => {}): string {
  const version = pinnedVersion();
  const found = findToolchain(version);
  // A `pulumi` on PATH (the official CLI) brings its own host; only the cached toolchain has the adapter.
  if (found === cachedBin(version)) refreshAdapter(found, log);
  if (found) return found;
  const dir = cachedBin(version);
  log(`cdb toolchain: building Pulumi v${version} from the Go module proxy into ${dir} (one time)`);
  // Built beside the cache and moved in whole: a broken build never looks ready.
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const problem = build(version, partial);
  if (problem) {
    rmSync(partial, { recursive: true, force: true });
    throw new ToolchainError(`cannot build Pulumi v${version}: ${problem}`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

export class ToolchainError extends Error {
  override name = "ToolchainError";
}

export function main(): number {
  try {
    process.stdout.write(`${toolchainDir((l) => process.stderr.write(l + "\n"))}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`cdb toolchain: ${(e as Error).message}\n`);
    return e instanceof ToolchainError ? EXIT_CANNOT_BUILD : 3;
  }
}

if (require.main === module) process.exitCode = main();
