import { readFileSync } from "node:fs";
import os from "node:os";
import Docker from "dockerode";
import { SERVICE_NAMES, type ServiceName } from "../config/services";
import { ensureDoubleImage } from "../test/images/build";
import { DOUBLE_HEALTH, healthTest, ns } from "../test/stackDoubles";
import { median } from "./stats";

// `npx tsx bench/healthChecks.ts`: what the test doubles' Docker health checks
// cost the machine, by interval. Every check is an exec in its container (runc,
// the containerd shim, dockerd), whatever the command. A stack's worth of idle
// doubles (one per service but the witness, each with the doubles' own check) runs at each
// interval while /proc/stat is sampled; the machine's busy cores are printed
// as the median of the samples, with the ratio to the interval the tests use
// (DOUBLE_HEALTH). Linux only; needs dockerd.

const INTERVALS_MS = [250, 1_000, DOUBLE_HEALTH.intervalMs, 5_000];
const SAMPLES = Number(process.env.CDB_BENCH_RUNS ?? 3);
const SAMPLE_MS = 5_000;
const PREFIX = "cdb-bench-health-";

/** Busy and total jiffies of the whole machine. */
function cpu(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function removeAll(docker: Docker): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { name: [`^/${PREFIX}`] } })) await docker.getContainer(c.Id).remove({ force: true });
}

/** Busy cores while an idle double per service runs its check every `intervalMs` (none: the machine alone). */
async function busyCores(docker: Docker, image: string, intervalMs: number, services: readonly ServiceName[]): Promise<number[]> {
  await Promise.all(
    services.map(async (s, i) => {
      const c = await docker.createContainer({
        name: `${PREFIX}${i}`,
        Image: image,
        // Idle: the cost measured is the checks', not the service's.
        Entrypoint: ["sh", "-c", "sleep 3600"],
        Healthcheck: { Test: healthTest(s), Interval: ns(intervalMs), Timeout: ns(DOUBLE_HEALTH.timeoutMs), Retries: 3 },
      });
      await c.start();
    }),
  );
  // The checks' pace settles after two intervals; the machine alone (no doubles) needs no wait.
  if (services.length > 0) await sleep(Math.max(2 * intervalMs, 2_000));
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const a = cpu();
    await sleep(SAMPLE_MS);
    const b = cpu();
    // Cores: busy jiffies over all jiffies, times the number of cores.
    out.push(((b.busy - a.busy) / (b.total - a.total)) * os.cpus().length);
  }
  await removeAll(docker);
  return out;
}

async function main() {
  const docker = new Docker();
  const image = await ensureDoubleImage(docker);
  await removeAll(docker);
  const services = SERVICE_NAMES.filter((s) => s !== "witness");
  const idle = median(await busyCores(docker, image, 0, []));
  const rows = [];
  for (const ms of INTERVALS_MS) rows.push({ ms, cores: median(await busyCores(docker, image, ms, services)) });
  const used = rows.find((r) => r.ms === DOUBLE_HEALTH.intervalMs)!.cores - idle;
  console.log(`${services.length} idle doubles, their health check at each interval (median of ${SAMPLES} samples of ${SAMPLE_MS / 1000} s); machine idle: ${idle.toFixed(2)} cores busy\n`);
  console.log("| interval | cores busy | over idle | ratio to the tests' interval |\n|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.ms} ms${r.ms === DOUBLE_HEALTH.intervalMs ? " (DOUBLE_HEALTH)" : ""} | ${r.cores.toFixed(2)} | ${(r.cores - idle).toFixed(2)} | ${((r.cores - idle) / used).toFixed(2)} |`);
}

void main().catch((e: unknown) => {
  console.error(`bench/healthChecks: ${(e as Error).message}`);
  process.exitCode = 1;
});
