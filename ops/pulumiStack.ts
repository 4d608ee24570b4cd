import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { automation } from "@pulumi/pulumi";
import { fileURLToPath } from "node:url";
import { readInputText } from "../config/inputFile";
import { stackPulumiEnv } from "../config/stackPassphrase";
import { POLICY_PACK, REPO_ROOT, stackConfigFile } from "../platform/paths";
import { redactBackend } from "../platform/stateBackend";
import { pulumiBinary } from "../platform/toolchain";

// One way to reach a stack through Pulumi's Automation API, shared by
// `cdb deploy`, `cdb promote` and `cdb rollback`: the project's defaults
// (local state unless PULUMI_BACKEND_URL names another backend, e.g. a team's
// PostgreSQL; no downloads; the stack's own passphrase, config/stackPassphrase.ts),
// the pinned CLI, the policy pack. A stack the backend does not hold yet is
// created here (the first `cdb deploy`), keeping its tracked stack file.

const SALT_LINE = /^encryptionsalt:[^\r\n]*$/m;

/**
 * The stack file after Pulumi created the stack: `before` byte for byte, plus
 * the one line Pulumi added that opens the stack's secrets (encryptionsalt),
 * when `before` had none. `pulumi stack init` rewrites the whole file through
 * its YAML encoder (3.259 turns `0.0` into `0`); a reviewed file must not
 * change under the person who only created a stack.
 */
export function keepStackFile(before: string, after: string): string {
  const salt = SALT_LINE.exec(after)?.[0];
  if (salt === undefined || SALT_LINE.test(before)) return before;
  const eol = before.includes("\r\n") ? "\r\n" : "\n";
  return `${before}${before === "" || before.endsWith("\n") ? "" : eol}${salt}${eol}`;
}

export async function openStack(name: string): Promise<automation.Stack> {
  // Undefined entries are variables Pulumi must NOT inherit (another stack's passphrase); Node passes none for them.
  const envVars = stackPulumiEnv(name) as Record<string, string>;
  // A file backend's folder must exist; a database (postgres://) creates its table itself.
  if (envVars.PULUMI_BACKEND_URL!.startsWith("file:")) mkdirSync(fileURLToPath(envVars.PULUMI_BACKEND_URL!), { recursive: true });
  // A `pulumi` on PATH that is new enough, else the toolchain's cached build.
  const bin = pulumiBinary();
  // Loaded here, not at the top: `cdb readiness` must not pay for the Automation API.
  const { LocalWorkspace, PulumiCommand } = (await import("@pulumi/pulumi")).automation;
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(bin)) });
  const file = stackConfigFile(name);
  const before = existsSync(file) ? readInputText(file) : undefined;
  try {
    return await LocalWorkspace.createOrSelectStack({ stackName: name, workDir: REPO_ROOT }, { envVars, pulumiCommand });
  } finally {
    if (before !== undefined) {
      const after = readInputText(file);
      const kept = keepStackFile(before, after);
      if (kept !== after) writeFileSync(file, kept);
    }
  }
}

/** Options for preview and up: always the policy pack, output line by line, policy events and the program's diagnostics to whoever asks. */
export function withPolicyPack(log: (line: string) => void, onPolicy?: (e: automation.PolicyEvent) => void, onDiagnostic?: (e: automation.DiagnosticEvent) => void) {
  return {
    policyPacks: [POLICY_PACK],
    // Pulumi's output as it comes, without the backend's password should it quote the URL.
    onOutput: (out: string) => log(redactBackend(out.replace(/\n$/, ""))),
    onEvent: (e: automation.EngineEvent) => {
      if (e.policyEvent) onPolicy?.(e.policyEvent);
      if (e.diagnosticEvent) onDiagnostic?.(e.diagnosticEvent);
    },
    color: "never" as const,
  };
}

/** "create 3, update 1, same 80": the change summary of a preview or update. */
export const summaryLine = (changes: Record<string, number> | undefined) =>
  Object.entries(changes ?? {})
    .map(([op, n]) => `${op} ${n}`)
    .join(", ") || "no changes";

/** The update a command made, named by its own times (the file backend reports version 0 for every update). */
export interface UpdateRef {
  startTime: string;
  endTime: string;
  result: string;
  version?: number;
}

export const updateRef = (s: automation.UpdateSummary): UpdateRef => ({
  startTime: new Date(s.startTime).toISOString(),
  endTime: new Date(s.endTime).toISOString(),
  result: s.result,
  ...(s.version > 0 ? { version: s.version } : {}),
});
