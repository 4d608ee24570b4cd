import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { witnessArgv } from "../config/witness";
import { physicalPrefix } from "../model/plan";
import { notFound, OpsFailure, OpsRefused, unreachable, UnusableInput } from "../platform/errors";
import { EXIT } from "../platform/exitCodes";
import { signatureFileOf } from "../readiness/records";
import { execIn, inspectContainer, type DockerTarget } from "./docker";

// The CLI's side of the witness (issue 22): runs one of the witness's commands
// in the stack's witness container through the Engine API's exec, reads its
// JSON lines (config/witness.ts: {kind, name, record, signature}) and writes
// each record and its signature byte for byte where the records always went.
// The CLI signs nothing here: the witness measured, judged and signed.

export interface WitnessRecord {
  kind: string;
  name: string;
  record: string;
  signature: string;
}

export interface WrittenWitnessRecord extends WitnessRecord {
  file: string;
  signatureFile: string;
}

/** The witness's exit codes, back into the typed errors of platform/errors.ts (the same table on both sides). */
function failureOf(code: number, line: string): Error {
  switch (code) {
    case EXIT.unusableInput:
      return new UnusableInput("witness", line);
    case EXIT.refused:
      return new OpsRefused(line);
    case EXIT.unreachable:
      return unreachable(line);
    case EXIT.authFailed:
      return new OpsFailure("auth", line);
    case EXIT.notFound:
      return notFound(line);
    default:
      return new Error(line);
  }
}

const nameOk = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** Parses the witness's stdout: one record per line, each field checked (the CLI writes files named by it). */
export function parseWitnessLines(stdout: string): WitnessRecord[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      let v: Partial<WitnessRecord>;
      try {
        v = JSON.parse(l) as Partial<WitnessRecord>;
      } catch {
        throw new Error(`witness: line ${i + 1} of its answer is not JSON: ${l.slice(0, 80)}`);
      }
      if (typeof v.kind !== "string" || typeof v.record !== "string" || typeof v.signature !== "string" || typeof v.name !== "string" || !nameOk.test(v.name)) {
        throw new Error(`witness: line ${i + 1} of its answer lacks kind, a plain name, record or signature`);
      }
      return v as WitnessRecord;
    });
}

/**
 * Runs `node <program> <args…>` in `<prefix>witness`; returns its records.
 * No witness container: not found (exit 9), naming the stack.
 */
export async function runWitness(t: DockerTarget, opts: { stack: string; container: string; args: string[]; timeoutMs: number }): Promise<WitnessRecord[]> {
  try {
    await inspectContainer(t, opts.container);
  } catch (e) {
    if (e instanceof OpsFailure && e.kind === "notFound") throw notFound(`no witness in stack ${opts.stack}: deploy it (container ${opts.container} does not exist on ${t.host})`);
    throw e;
  }
  const r = await execIn(t, opts.container, witnessArgv(...opts.args), { timeoutMs: opts.timeoutMs });
  if (r.exitCode !== 0) {
    // The witness's own one-line error; else (a crash of Node itself) the first line that names an error.
    const lines = r.stderr.trim().split("\n");
    const own = lines.findLast((l) => l.startsWith("witness: ") && !l.startsWith("witness: warning: "));
    const line = own?.replace(/^witness: [a-z ]+: /, "") ?? lines.find((l) => /error/i.test(l)) ?? (lines.at(-1) || `exited ${r.exitCode}`);
    throw failureOf(r.exitCode, `witness of ${opts.stack}: ${line}`);
  }
  return parseWitnessLines(r.stdout);
}

/** Writes each record as `<dir>/<name>.json` and its signature beside it, exactly the bytes the witness signed. */
export function writeWitnessRecords(records: WitnessRecord[], dir: string): WrittenWitnessRecord[] {
  mkdirSync(dir, { recursive: true });
  return records.map((r) => {
    const file = path.join(dir, `${r.name}.json`);
    writeFileSync(file, r.record);
    writeFileSync(signatureFileOf(file), r.signature);
    return { ...r, file, signatureFile: signatureFileOf(file) };
  });
}

/** The witness container of a stack: `<prefix>witness` (config/witness.ts), e.g. cdbpaper_witness, cdb_witness. */
export const witnessContainerOf = (stack: string) => `${physicalPrefix(stack)}witness`;
