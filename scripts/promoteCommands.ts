import type { Command } from "commander";
import { UnusableInput } from "../platform/errors";
import { action, confirm, out } from "./commandRunner";
import { EXIT } from "../platform/exitCodes";

// `cdb promote` and `cdb rollback`. Pulumi's own failures (a policy refusing
// the preview, an update error) are PulumiFailed: exit 6 with Pulumi's error lines.


/** A number of seconds for `flag`; anything else is unusable input naming the flag. */
const secondsOf =
  (flag: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UnusableInput(flag, `${JSON.stringify(v)} is not a number of seconds`);
    return n;
  };
const seconds = secondsOf("--verify-timeout");

export function registerPromoteCommands(program: Command): void {
  const exit = EXIT;
  program
    .command("promote")
    .description("Gate, back up, preview, confirm, update and verify the live stack; a failed verification rolls back by itself")
    .requiredOption("--to <stack>", "the stack to promote to (live)")
    .option("--yes", "do not ask for the stack name to be typed back")
    .option("--by <handle>", "who promotes (default: the OS user)")
    .option("--verify-timeout <seconds>", "how long the stack may take to verify healthy", seconds, 120)
    .option("--docker-host <url>", "Docker host, where the stack files cannot name it (an ESC environment); must agree with cdb:dockerHost otherwise")
    .option("--json", "print the result as JSON")
    .action(
      action(async (opts: { to: string; yes?: boolean; by?: string; verifyTimeout: number; dockerHost?: string; json?: boolean }) => {
        const { OpsRefused } = await import("../platform/errors");
        if (opts.to !== "live") throw new OpsRefused(`promotion goes to live only, not ${JSON.stringify(opts.to)}`);
        const { promote } = await import("../ops/promote");
        const r = await promote({ yes: opts.yes ?? false, by: opts.by, verifyTimeoutMs: opts.verifyTimeout * 1000, ...(opts.dockerHost !== undefined ? { dockerHost: opts.dockerHost } : {}), confirm, log: (l) => process.stderr.write(l + "\n") });
        if (opts.json) out(JSON.stringify(r));
        else out(r.ok ? `live: promoted and verified (update of ${r.update?.startTime}, ${r.seconds.toFixed(1)} s)` : `live: promotion failed and was rolled back (${r.problems.join("; ")})`);
        return r.ok ? exit.ready : exit.notReady;
      }),
    );

  program
    .command("rollback")
    .description("Stop trading now (Engine API, kill switch), return the stack to paper flags through Pulumi, verify")
    .requiredOption("-s, --stack <name>", "stack (live)")
    .requiredOption("--reason <text>", "why: goes into the kill-switch entry and the audit log")
    .option("--by <handle>", "who rolls back (default: the OS user)")
    .option("--verify-timeout <seconds>", "how long the stack may take to verify healthy", seconds, 120)
    .option("--docker-host <url>", "Docker host, where the stack files cannot name it (an ESC environment); must agree with cdb:dockerHost otherwise")
    .option("--lock-wait <seconds>", "how long the update waits for another update's lock on the stack (a promotion running)", secondsOf("--lock-wait"), 600)
    .option("--json", "print the result as JSON")
    .action(
      action(async (opts: { stack: string; reason: string; by?: string; verifyTimeout: number; dockerHost?: string; lockWait: number; json?: boolean }) => {
        // The reason goes into the kill-switch entry: refused (exit 2) before anything stops, not halfway.
        (await import("../ops/kill")).checkKillEntry({ reason: opts.reason });
        const { rollback } = await import("../ops/rollback");
        const r = await rollback({ stack: opts.stack, reason: opts.reason, by: opts.by, verifyTimeoutMs: opts.verifyTimeout * 1000, lockWaitMs: opts.lockWait * 1000, ...(opts.dockerHost !== undefined ? { dockerHost: opts.dockerHost } : {}), log: (l) => process.stderr.write(l + "\n") });
        const { verifyError, ...shown } = r;
        if (opts.json) out(JSON.stringify(shown));
        else if (r.ok) out(`${opts.stack}: rolled back to paper flags and verified (update of ${r.update?.startTime}, ${r.seconds.toFixed(1)} s)`);
        // The stack was rolled back whatever failed after: say so, then exit with what failed.
        else out(`${opts.stack}: rolled back to paper flags (update of ${r.update?.startTime}), but not verified: ${r.problems.join("; ")}`);
        if (r.ok) return exit.ready;
        const { classify } = await import("../platform/exitCodes");
        return verifyError !== undefined ? classify(verifyError).code : exit.notReady;
      }),
    );
}
