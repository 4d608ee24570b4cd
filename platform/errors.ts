// The project's typed errors, at the bottom of the import graph because every
// layer reads input, refuses or calls a running system. The CLI's exit table
// (./exitCodes.ts) maps each TYPE to its exit code; no caller decides
// anything from a message's text.

/**
 * Input that cannot be used: a broken or oversized file, a FIFO or device
 * where a file belongs, an unknown id, a wrong stack, a refused flag value.
 * Exit code 2.
 */
export class UnusableInput extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${detail}`);
    this.name = "UnusableInput";
  }
}

/**
 * A running system failed (not the input): each kind has its own exit code; the message is one line naming what failed.
 * "refused": it answered and refused the command for its own state (Redis out of memory, a key of another type).
 */
export type OpsFailureKind = "unreachable" | "auth" | "notFound" | "refused";

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
export const systemRefused = (msg: string) => new OpsFailure("refused", msg);

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

/** Who holds a stack's Pulumi lock, as the backend's lock error names it. */
export interface LockHolder {
  user: string;
  host: string;
  pid: number;
  /** When the lock was taken, as Pulumi printed it (RFC 3339). */
  since: string;
}

/**
 * Pulumi refused to change a stack another update holds the lock of (the DIY
 * backends: file, PostgreSQL, buckets): exit 6 like every refusal Pulumi makes
 * (nothing of the command ran; the way out is a Pulumi command, not a change
 * of cdb's input). `lines[0]` is the one line naming the holder.
 */
export class StackLocked extends PulumiFailed {
  constructor(
    readonly stackName: string,
    readonly holders: LockHolder[],
    /** Every holder's process is gone from this host: no update can still be running under it. */
    readonly stale: boolean,
    line: string,
  ) {
    super([line], "lock");
    this.name = "StackLocked";
  }
}
