import type { Command } from "commander";
import { UnusableInput } from "../readiness/errors";
import { action, confirm, type Exit } from "./cli";

// `cdb promote` and `cdb rollback`. Pulumi's own failures (a policy refusing
// the preview, an update error) exit with `pulumiFailed` and Pulumi's last line.

const out = (s: string) => process.stdout.write(s + "\n");

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UnusableInput("--verify-timeout", `${JSON.stringify(v)} is not a number of seconds`);
  return n;
};

async function pulumiStep<T>(exit: Exit & { pulumiFailed: number }, f: () => Promise<T>): Promise<T> {
  const { PassphraseMissing } = await import("../scripts/pulumiEnv");
  const { OpsRefused } = await import("./errors");
  try {
    return await f();
  } catch (e) {
    if (e instanceof PassphraseMissing) throw new OpsRefused(e.message);
    const { automation } = await import("@pulumi/pulumi");
    if (e instanceof automation.CommandError) {
      process.stderr.write(`cdb: pulumi failed: ${String(e.message).trim().split("\n").at(-1)}\n`);
      process.exit(exit.pulumiFailed);
    }
    throw e;
  }
}

export function registerReleaseCommands(program: Command, exit: Exit & { pulumiFailed: number }, fail: (e: unknown) => never): void {
  program
    .command("promote")
    .description("Gate, back up, preview, confirm, update and verify the live stack; a failed verification rolls back by itself")
    .requiredOption("--to <stack>", "the stack to promote to (live)")
    .option("--yes", "do not ask for the stack name to be typed back")
    .option("--by <handle>", "who promotes (default: the OS user)")
    .option("--verify-timeout <seconds>", "how long the stack may take to verify healthy", seconds, 120)
    .option("--json", "print the result as JSON")
    .action(
      action(exit, fail, async (opts: { to: string; yes?: boolean; by?: string; verifyTimeout: number; json?: boolean }) => {
        const { OpsRefused } = await import("./errors");
        if (opts.to !== "live") throw new OpsRefused(`promotion goes to live only, not ${JSON.stringify(opts.to)}`);
        const { promote } = await import("./promote");
        const r = await pulumiStep(exit, () =>
          promote({ yes: opts.yes ?? false, by: opts.by, verifyTimeoutMs: opts.verifyTimeout * 1000, confirm, log: (l) => process.stderr.write(l + "\n") }),
        );
        if (opts.json) out(JSON.stringify(r));
        else out(r.ok ? `live: promoted and verified (update ${r.version}, ${r.seconds.toFixed(1)} s)` : `live: promotion failed and was rolled back (${r.problems.join("; ")})`);
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
    .option("--json", "print the result as JSON")
    .action(
      action(exit, fail, async (opts: { stack: string; reason: string; by?: string; verifyTimeout: number; json?: boolean }) => {
        const { rollback } = await import("./rollback");
        const r = await pulumiStep(exit, () =>
          rollback({ stack: opts.stack, reason: opts.reason, by: opts.by, verifyTimeoutMs: opts.verifyTimeout * 1000, log: (l) => process.stderr.write(l + "\n") }),
        );
        if (opts.json) out(JSON.stringify(r));
        else out(r.ok ? `${opts.stack}: rolled back to paper flags and verified (${r.seconds.toFixed(1)} s)` : `${opts.stack}: rolled back, but not verified: ${r.problems.join("; ")}`);
        return r.ok ? exit.ready : exit.notReady;
      }),
    );
}
