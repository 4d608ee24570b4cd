import { describe, expect, it } from "vitest";
import { PulumiFailed, StackLocked } from "../platform/errors";
import { retryWhileLocked } from "./stackLock";

// The bounded wait of `cdb rollback` for another update's lock (against the
// real PostgreSQL and Pulumi in test/engine/postgresState.engine.test.ts).

const holder = { user: "janne", host: "desk-7", pid: 4242, since: "2026-12-06T09:27:31Z" };
const locked = (stale = false) => new StackLocked("live", [holder], stale, "stack live is locked");

describe("retryWhileLocked", () => {
  it("retries while the lock is held, tells the holder once, and returns the attempt that ran", async () => {
    let n = 0;
    const log: string[] = [];
    const r = await retryWhileLocked(
      async () => {
        if (++n < 3) throw locked();
        return "updated";
      },
      { waitMs: 10_000, intervalMs: 1, log: (l) => log.push(l) },
    );
    expect(r).toBe("updated");
    expect(n).toBe(3);
    expect(log).toEqual([expect.stringMatching(/^stack live is locked by janne@desk-7 \(pid 4242\) since 2026-12-06T09:27:31Z: waiting up to \d+ s for its update to end$/)]);
  });

  it("gives up at the bound with the lock error", async () => {
    const started = Date.now();
    const e = await retryWhileLocked(() => Promise.reject(locked()), { waitMs: 200, intervalMs: 20, log: () => undefined }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StackLocked);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("never waits for a stale lock: one more attempt at once, the same dead holder again is the error", async () => {
    let n = 0;
    const started = Date.now();
    const err = locked(true);
    const e = await retryWhileLocked(
      () => {
        n++;
        return Promise.reject(err);
      },
      { waitMs: 10_000, intervalMs: 5_000, log: () => undefined },
    ).catch((x: unknown) => x);
    expect(e).toBe(err);
    expect(n).toBe(2);
    // No pause between the two: the interval is 5 s.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("runs once the lock is gone when its holder ended after Pulumi read the lock (it looked stale once)", async () => {
    let n = 0;
    const log: string[] = [];
    const r = await retryWhileLocked(
      async () => {
        if (++n === 1) throw locked(true);
        return "updated";
      },
      { waitMs: 10_000, intervalMs: 1, log: (l) => log.push(l) },
    );
    expect(r).toBe("updated");
    expect(n).toBe(2);
    expect(log).toEqual([]);
  });

  it("a stale verdict about another holder than the one seen stale before is not the second sighting", async () => {
    const other = new StackLocked("live", [{ ...holder, pid: 4343 }], true, "stack live is locked");
    const errors = [locked(true), other, other];
    let n = 0;
    const e = await retryWhileLocked(() => Promise.reject(errors[n++]!), { waitMs: 10_000, intervalMs: 1, log: () => undefined }).catch((x: unknown) => x);
    expect(e).toBe(other);
    expect(n).toBe(3);
  });

  it("never retries any other failure, nor waits with no time to wait", async () => {
    for (const [err, waitMs] of [[new PulumiFailed(["error: update failed"]), 10_000], [locked(true), 0], [locked(), 0]] as const) {
      let n = 0;
      const e = await retryWhileLocked(
        () => {
          n++;
          return Promise.reject(err);
        },
        { waitMs, intervalMs: 1, log: () => undefined },
      ).catch((x: unknown) => x);
      expect(e).toBe(err);
      expect(n).toBe(1);
    }
  });
});
