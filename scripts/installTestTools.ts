import { spawnSync } from "node:child_process";

// The test suite runs the real promtool, amtool and busybox (the Alertmanager
// image's shell). On Debian/Ubuntu as root this installs what is missing;
// elsewhere it names the packages and fails, so no test is silently skipped.

const TOOLS: Record<string, string> = { promtool: "prometheus", amtool: "prometheus-alertmanager", busybox: "busybox" };

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

const missing = Object.keys(TOOLS).filter((t) => !has(t));
if (missing.length === 0) {
  process.stdout.write("test tools present: promtool, amtool, busybox\n");
  process.exit(0);
}
const packages = missing.map((t) => TOOLS[t]!);
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
