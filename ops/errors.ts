// Failures of a running system (not of the input): each kind has its own exit
// code in scripts/cdb.ts, and every message is one line naming what failed.

export type OpsFailureKind = "unreachable" | "auth" | "notFound";

export class OpsFailure extends Error {
  constructor(
    readonly kind: OpsFailureKind,
    message: string,
  ) {
    super(message);
    this.name = "OpsFailure";
  }
}

export const unreachable = (msg: string) => new OpsFailure("unreachable", msg);
export const authFailed = (msg: string) => new OpsFailure("auth", msg);
export const notFound = (msg: string) => new OpsFailure("notFound", msg);

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

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The operation refuses on purpose (not ready, would overwrite, same person approving): exit 5. */
export class OpsRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsRefused";
  }
}

/**
 * Pulumi refused or failed (a policy violation in a preview, a failed
 * update, a failed export): exit 6. `lines` are Pulumi's own error lines, each
 * with the resource it belongs to, not its last output line.
 */
export class PulumiFailed extends Error {
  constructor(
    readonly lines: string[],
    /** What happened before the failure that the operator must know (e.g. the rollback's update succeeded). */
    readonly step = "pulumi",
  ) {
    super(lines[0] ?? "pulumi failed");
    this.name = "PulumiFailed";
  }
}
