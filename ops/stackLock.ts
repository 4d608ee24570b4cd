import { StackLocked } from "../platform/errors";
import { sleep } from "../platform/poll";

// Waiting for another update's lock on a stack, bounded: `cdb rollback` has
// already stopped trading (kill switch armed, execution stopped) when it
// reaches Pulumi, and a promotion or deploy holding the lock must not turn
// the rollback into a failure: the rollback's update runs after it, so the
// stack ends at paper flags whatever the other update did. A stale lock
// (its process gone from this host) is not waited for, and never cleared
// here: the error names the command that clears it (ops/pulumiErrors.ts).
//
// "Stale" is judged after Pulumi has read the lock: a holder whose update ends
// in between (it releases its lock and exits while our attempt reports the
// lock it read) looks stale once. Seen under load in the engine suite: the
// rollback gave up on a lock that was already gone. So a lock counts as stale
// only when one more attempt, made at once, finds the same dead holder; an
// attempt after a released lock simply runs.

export interface LockWait {
  /** How long to keep trying; 0: one attempt. */
  waitMs: number;
  /** Pause between attempts (each is a whole Pulumi command, which checks the lock first). */
  intervalMs?: number;
  /** Told the holder whenever it changes. */
  log: (line: string) => void;
}

export async function retryWhileLocked<T>(attempt: () => Promise<T>, o: LockWait): Promise<T> {
  const deadline = Date.now() + o.waitMs;
  let told = "";
  let staleOnce: string | undefined;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof StackLocked) || Date.now() >= deadline) throw e;
      const holder = e.holders.map((h) => `${h.user}@${h.host} (pid ${h.pid}) since ${h.since}`).join(", ");
      if (e.stale) {
        if (staleOnce === holder) throw e;
        staleOnce = holder;
        continue;
      }
      if (holder !== told) o.log(`stack ${e.stackName} is locked by ${holder}: waiting up to ${Math.ceil((deadline - Date.now()) / 1000)} s for its update to end`);
      told = holder;
      await sleep(Math.min(o.intervalMs ?? 2000, Math.max(0, deadline - Date.now())));
    }
  }
}
