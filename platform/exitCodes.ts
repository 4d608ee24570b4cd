import { OpsFailure, OpsRefused, PulumiFailed, StackLocked, UnusableInput } from "./errors";

// The one table of the CLI's exit codes (a contract for CI and runbooks), and
// the one mapping of the typed errors (./errors.ts) to it: error TYPES decide
// the code, never message texts. The CLI prints and exits with it
// (scripts/commandRunner.ts); promote and rollback name a failure's label in
// their audit records.

export const EXIT = {
  ok: 0,
  ready: 0,
  notReady: 1,
  /** `cdb drift`: what runs differs from what the stack declares (notReady's code: not as declared). */
  drift: 1,
  unusableInput: 2,
  internalError: 3,
  refused: 5,
  pulumiFailed: 6,
  unreachable: 7,
  authFailed: 8,
  notFound: 9,
} as const;

export interface Classified {
  code: number;
  label: string;
  lines: string[];
}

const OPS: Record<OpsFailure["kind"], { code: number; label: string }> = {
  unreachable: { code: EXIT.unreachable, label: "unreachable" },
  auth: { code: EXIT.authFailed, label: "authentication failed" },
  notFound: { code: EXIT.notFound, label: "not found" },
  refused: { code: EXIT.refused, label: "refused" },
};

export function classify(e: unknown): Classified {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof UnusableInput) return { code: EXIT.unusableInput, label: "unusable input", lines: [msg] };
  if (e instanceof OpsRefused) return { code: EXIT.refused, label: "refused", lines: [msg] };
  // Pulumi's code (6) under its own label: the one line says who holds the lock and how a stale one is cleared.
  if (e instanceof StackLocked) return { code: EXIT.pulumiFailed, label: "stack locked", lines: e.lines };
  if (e instanceof PulumiFailed) return { code: EXIT.pulumiFailed, label: "pulumi failed", lines: e.lines.length > 0 ? e.lines : [msg] };
  if (e instanceof OpsFailure) return { ...OPS[e.kind], lines: [msg] };
  return { code: EXIT.internalError, label: "internal error", lines: [msg] };
}
