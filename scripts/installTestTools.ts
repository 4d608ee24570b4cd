import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

// The test suite runs the real promtool, amtool and busybox (the Alertmanager
// image's shell); the ops tests run a real redis-server and dockerd and build
// their test-double image from busybox-static (a static /bin/busybox) and the
// Debian redis binaries; the state tests start a real PostgreSQL server
// (initdb/pg_ctl of the Debian package, under /usr/lib/postgresql/<major>/bin) and query it with psql. On Debian/Ubuntu as root this installs what is
// missing; elsewhere it names the packages and fails, so no test is silently skipped.

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
/** busybox-static: /bin/busybox without shared libraries, so it runs in a FROM-scratch image. */
const staticBusybox = () => existsSync("/bin/busybox") && spawnSync("ldd", ["/bin/busybox"], { stdio: "ignore" }).status !== 0;

/** A PostgreSQL server of any major version (Debian installs it off PATH). */
const postgresServer = () => existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`) && existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const TOOLS: Record<string, { pkg: string; present: () => boolean }> = {
  promtool: { pkg: "prometheus", present: () => has("promtool") },
  amtool: { pkg: "prometheus-alertmanager", present: () => has("amtool") },
  // busybox-static provides the busybox command too (and replaces the busybox package).
  busybox: { pkg: "busybox-static", present: () => has("busybox") && staticBusybox() },
  "redis-server": { pkg: "redis-server", present: () => has("redis-server") && has("redis-cli") },
  dockerd: { pkg: "docker.io", present: () => has("dockerd") },
  // The metapackage: the distribution's current server (initdb, pg_ctl) and psql.
  postgresql: { pkg: "postgresql", present: () => postgresServer() && has("psql") },
};

const missing = Object.keys(TOOLS).filter((t) => !TOOLS[t]!.present());
if (missing.length === 0) {
  process.stdout.write(`test tools present: ${Object.keys(TOOLS).join(", ")}\n`);
  process.exit(0);
}
const packages = missing.map((t) => TOOLS[t]!.pkg);
if (process.platform !== "linux" || !has("apt-get") || process.getuid?.() !== 0) {
  process.stderr.write(`missing test tools: ${missing.join(", ")}; install the Debian packages ${packages.join(" ")}\n`);
  process.exit(2);
}
const apt = (args: string[]) => spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
if (apt(["update", "-qq"]) !== 0 || apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]) !== 0) {
  process.stderr.write(`apt-get could not install ${packages.join(" ")}\n`);
  process.exit(2);
}
process.stdout.write(`installed ${packages.join(" ")}\n`);
