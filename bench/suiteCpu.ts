import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

// `npx tsx bench/suiteCpu.ts <pacct> <forkstat.log>`: where a whole run's CPU
// went (a `.ci/run`, an `npm test`), by kind of process, from the kernel's
// process accounting (every process that ended, its user and system CPU, also
// the short ones a /proc sampler misses) and an exec log naming each process's
// command line. The suite is CPU-bound on 2 cores: its wall time follows this
// table, not the count of tests. Linux and root only; Debian packages `acct`
// and `forkstat`. Record a run with:
//
//   touch /tmp/pacct && accton /tmp/pacct && (forkstat -e exec -l > /tmp/forkstat.log &)
//   .ci/run; accton off; pkill forkstat
//
// Processes still running at the end (dockerd, containerd) are not in the
// accounting; compare the total with /proc/stat's busy time of the run.

/** One line of the table: the kind of a process, from its command line (first match wins). */
const KINDS: [RegExp, string][] = [
  [/cmd\/run-policy-pack/, "policy pack (node)"],
  [/cmd\/run\b/, "program (node)"],
  [/standins\/docker/, "docker stand-in (node)"],
  [/standins\/random/, "random stand-in (node)"],
  [/pulumi-language-nodejs|cdb-nodejs-host|nodejs-adapter/, "language host (go)"],
  [/bin\/pulumi version|^pulumi version/, "`pulumi version`"],
  [/\/pulumi (preview|up|update|refresh|destroy)\b/, "pulumi preview/up (go)"],
  [/\/pulumi /, "pulumi, other commands (go)"],
  [/node_modules\/\.bin\/cdb |packages\/cli\/cdb\.cjs|scripts\/bin\/cdb\.cjs|scripts\/cdb\.ts/, "cdb CLI (node)"],
  [/npx |npm exec|npm-cli|\/usr\/bin\/npm/, "npx and npm (before cdb starts)"],
  // Before policy-check: its command line names the gate's entries, scripts/policyCheck.ts among them.
  [/dependency-cruiser/, "dependency-cruiser"],
  [/scripts\/bin\/policyCheck\.cjs|scripts\/policyCheck\.ts/, "policy-check processes (node)"],
  [/scripts\/bin\/build\.cjs/, "builds (node)"],
  [/vitest/, "vitest workers"],
  [/esbuild/, "esbuild services"],
  [/tsx\/dist/, "other tsx scripts"],
  [/\btsc\b|typescript\/bin/, "tsc"],
  [/^runc|runc init|containerd-shim|docker-untar|libnetwork-setkey|^exe$/, "docker: runc, shims, setup"],
  [/\/double\/|redis-cli|wget|^sleep|^cat |^sed |^grep |^\/bin\/sh -c /, "test doubles' shells and health checks"],
  [/witness\.cjs/, "witness (in its container)"],
  [/postgres/, "postgres"],
  [/redis-server/, "redis-server"],
  [/\bgo\b|\/exe\/|compile|actionlint/, "go (actionlint)"],
  [/^node |\/node /, "other node"],
];

const kindOf = (cmd: string) => KINDS.find(([re]) => re.test(cmd))?.[1] ?? "other";

/** pid → its execs (seconds of the day, command line), from `forkstat -e exec -l`. */
function execs(log: string): Map<number, [number, string][]> {
  const out = new Map<number, [number, string][]>();
  for (const line of log.split("\n")) {
    const m = /^(\d\d):(\d\d):(\d\d) exec\s+(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[4]);
    if (!out.has(pid)) out.set(pid, []);
    out.get(pid)!.push([Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]), m[5]!.trim()]);
  }
  return out;
}

function main() {
  const [pacct, forkstat] = process.argv.slice(2);
  if (!pacct || !forkstat) {
    console.error("usage: npx tsx bench/suiteCpu.ts <pacct file> <forkstat log>");
    process.exitCode = 2;
    return;
  }
  const dump = spawnSync("dump-acct", [pacct], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (dump.error || dump.status !== 0) {
    console.error(`bench/suiteCpu: dump-acct ${pacct}: ${dump.error?.message ?? dump.stderr.trim()} (Debian package acct)`);
    process.exitCode = 2;
    return;
  }
  const byPid = execs(readFileSync(forkstat, "utf8"));
  const rows = new Map<string, { user: number; sys: number; n: number }>();
  let named = 0;
  let all = 0;
  for (const line of dump.stdout.split("\n")) {
    // comm | version | utime | stime | etime | uid | gid | mem | io | pid | ppid | flags | exit | tty | start
    const f = line.split("|").map((x) => x.trim());
    if (f.length < 15) continue;
    const start = new Date(f[14]!);
    const t0 = start.getHours() * 3600 + start.getMinutes() * 60 + start.getSeconds();
    const elapsed = Number(f[4]) / 100;
    // pids are reused: the exec of this pid during this process's life, the last one (sh → node).
    const cmd = (byPid.get(Number(f[9])) ?? []).filter(([t]) => t >= t0 - 1 && t <= t0 + elapsed + 1).at(-1)?.[1];
    const kind = cmd === undefined ? kindOf(f[0]!) : kindOf(cmd);
    if (cmd !== undefined) named++;
    all++;
    const r = rows.get(kind) ?? { user: 0, sys: 0, n: 0 };
    r.user += Number(f[2]) / 100;
    r.sys += Number(f[3]) / 100;
    r.n++;
    rows.set(kind, r);
  }
  const total = [...rows.values()].reduce((a, r) => a + r.user + r.sys, 0);
  console.log(`| kind of process | processes | user CPU-s | system CPU-s | share |\n|---|---:|---:|---:|---:|`);
  for (const [kind, r] of [...rows].sort((a, b) => b[1].user + b[1].sys - (a[1].user + a[1].sys))) {
    console.log(`| ${kind} | ${r.n} | ${r.user.toFixed(1)} | ${r.sys.toFixed(1)} | ${(((r.user + r.sys) / total) * 100).toFixed(1)}% |`);
  }
  console.log(`\n${all} processes ended, ${named} named by the exec log; ${total.toFixed(0)} CPU-s in all`);
}

main();
