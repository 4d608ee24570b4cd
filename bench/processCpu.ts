import { spawn, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

// The CPU a command's whole process tree used, per process, for the
// benchmarks that ask where a command spends it (bench/previewCpu.ts,
// bench/policyCheckCpu.ts). Linux only: it polls /proc every 20 ms, so a
// process shorter than that is missed, and a process's last 20 ms may be.

const HZ = 100; // USER_HZ

interface Proc {
  ppid: number;
  cpu: number;
  cmd: string;
}

export const hasProc = (): boolean => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
};

function procs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / HZ, cmd: readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").join(" ") });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

export interface TreeCpu {
  code: number | null;
  wallS: number;
  /** Each process seen (its command line and CPU seconds). */
  processes: { cmd: string; cpu: number }[];
}

/** Runs `cmd` and samples the CPU of it and every descendant until it exits. */
export function runSampled(cmd: string, args: string[], opts: SpawnOptions): Promise<TreeCpu> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { ...opts, stdio: "ignore" });
    const seen = new Map<number, { cpu: number; cmd: string }>();
    const poll = () => {
      const all = procs();
      const tree = new Set([child.pid!]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [pid, p] of all) if (!tree.has(pid) && tree.has(p.ppid)) (tree.add(pid), (grew = true));
      }
      for (const pid of tree) {
        const p = all.get(pid);
        if (p && p.cmd) seen.set(pid, { cpu: p.cpu, cmd: p.cmd });
      }
    };
    const timer = setInterval(poll, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ code, wallS: (Date.now() - t0) / 1000, processes: [...seen.values()] });
    });
  });
}

/** CPU seconds per role (`role` names a process by its command line). */
export function byRole(processes: TreeCpu["processes"], role: (cmd: string) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const { cpu, cmd } of processes) out.set(role(cmd), (out.get(role(cmd)) ?? 0) + cpu);
  return out;
}
