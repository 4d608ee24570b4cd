import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import Docker from "dockerode";
import { dockerTarget, type DockerTarget } from "../ops/docker";
import { pollUntil } from "../platform/poll";

// A second Docker engine on this machine for the two-host tests (issue 24):
// its own dockerd on its own Unix socket, data root, exec root (so its own
// managed containerd) and pid file, under one /tmp folder that stop() removes.
// It must not fight the main daemon: a default bridge of its own (never
// `--bridge=none`: a daemon started so deletes the host's docker0, the main
// daemon's default bridge, and every later `docker run` on the main engine
// fails with "could not find bridge docker0"), no iptables rules and
// no masquerading of its own, and user-defined networks from an address pool
// no route of this machine uses. The main daemon's FORWARD policy (DROP, with
// bridge-nf-call-iptables) would drop traffic between containers on the second
// engine's bridges: one ACCEPT rule for that pool (source and destination
// both in it) goes into DOCKER-USER, the chain Docker leaves to users, and is
// deleted by stop().

export interface SecondDockerd {
  /** unix://<dir>/docker.sock */
  host: string;
  socket: string;
  target: DockerTarget;
  /** The pool its networks come from (10.N.0.0/16). */
  pool: string;
  /** Milliseconds from spawn to the first answered _ping (set by start()). */
  startupMs?: number;
  start(): Promise<void>;
  /** Copies images (by reference) from the main engine: docker save | docker load. */
  loadImages(from: Docker, refs: string[]): Promise<void>;
  stop(): Promise<void>;
}

const RULE_COMMENT = "cdb-test-second-dockerd";

/** A /16 in 10.200-249 that no route of this machine touches. */
function freePool(): string {
  const routes = spawnSync("ip", ["-4", "route"], { encoding: "utf8" }).stdout ?? "";
  for (let i = 0; i < 50; i++) {
    const n = 200 + Math.floor(Math.random() * 50);
    if (!routes.includes(`10.${n}.`)) return `10.${n}.0.0/16`;
  }
  throw new Error("no free 10.200-249.0.0/16 for the second dockerd's networks");
}

function iptables(args: string[]): { ok: boolean; err: string } {
  const r = spawnSync("iptables", args, { encoding: "utf8" });
  return { ok: r.status === 0, err: (r.stderr ?? "").trim() };
}

/** Mount points under `dir` (deepest first), for a daemon that died without unmounting. */
function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
}

export function secondDockerd(name: string): SecondDockerd {
  const dir = mkdtempSync(`/tmp/cdb-${name}-`);
  const socket = `${dir}/docker.sock`;
  const host = `unix://${socket}`;
  const pool = freePool();
  // Its default bridge: an interface made here (dockerd's --bridge takes an existing one), in a /24 of its pool that its networks skip (a route uses it).
  const bridge = `cdb2nd${Math.random().toString(36).slice(2, 8)}`;
  const bridgeAddress = pool.replace(/\.0\.0\/16$/, ".255.1/24");
  const rule = (op: "-C" | "-I" | "-D", chain: string) => [op, chain, "-s", pool, "-d", pool, "-m", "comment", "--comment", RULE_COMMENT, "-j", "ACCEPT"];
  let chain: string | undefined;
  let proc: ChildProcess | undefined;
  const log = `${dir}/dockerd.log`;
  const tail = () => {
    try {
      return readFileSync(log, "utf8").trim().split("\n").slice(-3).join(" | ");
    } catch {
      return "";
    }
  };
  const self: SecondDockerd = {
    host,
    socket,
    pool,
    target: dockerTarget(host, "second dockerd"),
    async start() {
      const started = Date.now();
      for (const args of [["link", "add", "name", bridge, "type", "bridge"], ["addr", "add", bridgeAddress, "dev", bridge], ["link", "set", bridge, "up"]]) {
        const r = spawnSync("ip", args, { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${(r.stderr ?? String(r.error)).trim()}`);
      }
      const out = openSync(log, "a");
      proc = spawn(
        "dockerd",
        [
          "--data-root", `${dir}/data`,
          "--exec-root", `${dir}/exec`,
          "--pidfile", `${dir}/dockerd.pid`,
          "-H", host,
          `--bridge=${bridge}`,
          "--iptables=false",
          "--ip-masq=false",
          "--ip-forward=false",
          "--default-address-pool", `base=${pool},size=24`,
          "--log-level", "warn",
        ],
        { stdio: ["ignore", out, out] },
      );
      const p = proc;
      const up = await pollUntil(
        async () => {
          if (p.exitCode !== null) throw new Error(`the second dockerd exited ${p.exitCode}: ${tail()}`);
          try {
            await self.target.docker.ping();
            return true;
          } catch {
            return false;
          }
        },
        (ok) => ok,
        { deadline: Date.now() + 60_000, intervalMs: 50 },
      );
      if (!up.done) throw new Error(`the second dockerd did not answer _ping within 60 s: ${tail()}`);
      self.startupMs = Date.now() - started;
      // Only where a FORWARD chain drops by default does the pool need its rule.
      chain = iptables(["-n", "-L", "DOCKER-USER"]).ok ? "DOCKER-USER" : "FORWARD";
      if (!iptables(rule("-C", chain)).ok) {
        const r = iptables(rule("-I", chain));
        if (!r.ok) throw new Error(`iptables -I ${chain} for ${pool} failed: ${r.err}`);
      } else chain = undefined; // someone else's rule: leave it to them
    },
    async loadImages(from, refs) {
      for (const ref of refs) {
        const saved = await from.getImage(ref).get();
        const loading = await self.target.docker.loadImage(saved);
        await new Promise<void>((resolve, reject) => self.target.docker.modem.followProgress(loading, (e) => (e ? reject(e) : resolve())));
        await self.target.docker.getImage(ref).inspect();
      }
    },
    async stop() {
      if (chain) iptables(rule("-D", chain));
      chain = undefined;
      const p = proc;
      if (p && p.exitCode === null) {
        p.kill("SIGTERM");
        const gone = await pollUntil(async () => p.exitCode !== null, (x) => x, { deadline: Date.now() + 30_000, intervalMs: 100 });
        if (!gone.done) {
          p.kill("SIGKILL");
          await pollUntil(async () => p.exitCode !== null, (x) => x, { deadline: Date.now() + 10_000, intervalMs: 100 });
        }
      }
      // A clean shutdown unmounts everything; after a crash, what it left mounted goes first.
      for (const m of mountsUnder(dir)) spawnSync("umount", ["-l", m]);
      spawnSync("ip", ["link", "del", bridge]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
