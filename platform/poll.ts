// Waiting with a limit: a promise against a deadline, a probe until it answers.

/** Rejects with `onTimeout()` when `p` has not settled after `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `probe` until `done` holds for its answer or `deadline` (epoch ms) has
 * passed, pausing `intervalMs` (never past the deadline) between calls; the
 * probe runs at least once. Returns the last answer and whether it was done;
 * the caller words a time-out. A probe that throws ends the wait.
 */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, o: { deadline: number; intervalMs: number }): Promise<{ value: T; done: boolean }> {
  for (;;) {
    const value = await probe();
    if (done(value)) return { value, done: true };
    const left = o.deadline - Date.now();
    if (left <= 0) return { value, done: false };
    await sleep(Math.min(o.intervalMs, left));
  }
}
