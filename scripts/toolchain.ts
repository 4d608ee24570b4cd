import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync } from "node:fs";
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

const EXIT_CANNOT_BUILD = 4;

function build(version: string, dir: string): string | undefined {
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) return "go is not installed (Go 1.26.6 or newer is needed to build the Pulumi CLI)";
  const pinned = goModVersion();
  if (pinned !== version) return `tools/pulumi/go.mod builds pkg/v3 v${pinned}, but package-lock.json has @pulumi/pulumi ${version}: pin both to one release`;
  const tools = path.join(REPO_ROOT, "tools");
  const ldflags = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${version}`;
  const steps: [string, string[]][] = [
    ["pulumi", ["build", "-tags", "osusergo grpcnotrace", "-ldflags", ldflags, "-o", path.join(dir, exe("pulumi")), "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"]],
    ["pulumi", ["build", "-o", path.join(dir, exe("pulumi-language-nodejs")), "./nodejs-adapter"]],
    ["nodejs-host-v3.68", ["build", "-o", path.join(dir, exe(LEGACY_HOST)), "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"]],
  ];
  for (const [module, args] of steps) {
    // readonly: the committed go.sum files decide every dependency.
    const r = spawnSync("go", args, { cwd: path.join(tools, module), encoding: "utf8", env: { ...process.env, GOFLAGS: "-mod=readonly" } });
    if (r.status !== 0) {
      const last = (r.stderr || r.stdout || String(r.error)).trim().split("\n").filter((l) => l.trim()).slice(-2).join(" ").replace(/\s+/g, " ");
      return `(cd tools/${module} && go ${args.join(" ")}) failed: ${last}`;
    }
  }
  return undefined;
}

/** The directory holding `pulumi` and its nodejs language host, building them when needed; throws ToolchainError. */
export function toolchainDir(log: (line: string) => void = () => {}): string {
  const version = pinnedVersion();
  const found = findToolchain(version);
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
