import { OpsFailure, OpsRefused, UnusableInput } from "../platform/errors";
import { pulumiDefaults } from "../platform/pulumiEnv";
import { readInputText } from "./inputFile";

// Which passphrase opens which stack (issue 25 items 5 and 7): the one home of
// that rule, for every command that opens a stack (deploy and its previews in
// policy-check, promote, rollback, destroy, exchange check). One exported
// PULUMI_CONFIG_PASSPHRASE serves every stack, so live's, exported, made paper
// fail; each stack may therefore name its own passphrase FILE in a variable of
// its own, CDB_PASSPHRASE_FILE_<STACK>. Precedence, per stack:
//   1. CDB_PASSPHRASE_FILE_<STACK>: that file, and nothing else reaches Pulumi
//      (an exported PULUMI_CONFIG_PASSPHRASE is removed from its environment:
//      Pulumi would prefer it to any file, even when it is empty);
//   2. PULUMI_CONFIG_PASSPHRASE, then PULUMI_CONFIG_PASSPHRASE_FILE: Pulumi's
//      own variables, for every stack without a file of its own (as before, so
//      a gate of an older commit judging this one opens the same stacks);
//   3. paper only: its default passphrase (its secrets are generated passwords
//      on a local machine); any other stack is refused (exit 5).
// A file is read through the bounded reader before Pulumi reads it: missing,
// a directory, a FIFO or device, endless, or empty (Pulumi would create a
// stack with an EMPTY passphrase from an empty file) is unusable input (exit 2)
// naming the variable and the file. A passphrase Pulumi finds wrong is one line
// naming the stack and where its passphrase came from (exit 8). No line, audit
// record or log ever holds the passphrase itself.

/** Only for paper: its secrets are generated passwords on a local machine (paper calls no exchange). */
export const PAPER_DEFAULT_PASSPHRASE = "cdb-paper-local";

/** A passphrase is a line, not a document: anything longer is no passphrase file. */
const MAX_PASSPHRASE_BYTES = 4096;

/** CDB_PASSPHRASE_FILE_<STACK>: the name upper-cased, every character that is no letter or digit an "_" (live → CDB_PASSPHRASE_FILE_LIVE). */
export const stackPassphraseVariable = (stack: string): string => `CDB_PASSPHRASE_FILE_${stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

export type PassphraseSource =
  /** The stack's own file (CDB_PASSPHRASE_FILE_<STACK>) or Pulumi's variable for a file. */
  | { kind: "file"; variable: string; file: string }
  /** Pulumi's PULUMI_CONFIG_PASSPHRASE, which serves every stack without its own. */
  | { kind: "env"; variable: "PULUMI_CONFIG_PASSPHRASE" }
  | { kind: "paper-default" };

/** Refused (exit 5), like every refusal: there is no default passphrase outside paper. */
export class PassphraseMissing extends OpsRefused {
  constructor(stack: string) {
    super(`stack ${stack} needs a passphrase: its own file in ${stackPassphraseVariable(stack)}, or PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE (for every stack); there is no default passphrase outside paper`);
    this.name = "PassphraseMissing";
  }
}

/** Pulumi could not open the stack with the passphrase it was given: authentication failed (exit 8). */
export class PassphraseIncorrect extends OpsFailure {
  constructor(
    readonly stackName: string,
    source: PassphraseSource | undefined,
  ) {
    super("auth", `stack ${stackName}: incorrect passphrase ${source ? describeSource(stackName, source) : "(its source could not be read again)"}`);
    this.name = "PassphraseIncorrect";
  }
}

/** Where a stack's passphrase came from, for one line: never the passphrase. */
function describeSource(stack: string, s: PassphraseSource): string {
  const own = stackPassphraseVariable(stack);
  if (s.kind === "paper-default") return `(paper's default; a paper stack made with another one names its file in ${own})`;
  if (s.kind === "file" && s.variable === own) return `from ${s.variable} (${s.file})`;
  return `from ${s.kind === "file" ? `${s.variable} (${s.file})` : s.variable}, which serves every stack without a file of its own: name ${stack}'s own in ${own}`;
}

const set = (v: string | undefined): v is string => v !== undefined && v !== "";

/** Checks a passphrase file as the bounded reader reads any input: a regular file, at most 4 KiB, not empty. */
function checkPassphraseFile(stack: string, variable: string, file: string): void {
  let text: string;
  try {
    text = readInputText(file, { maxBytes: MAX_PASSPHRASE_BYTES });
  } catch (e) {
    if (e instanceof UnusableInput) throw new UnusableInput(`${variable} ${file}`, `${e.detail} (the passphrase of stack ${stack})`);
    throw e;
  }
  // Pulumi trims the file's surrounding white space (3.259): blank is empty.
  if (text.trim() === "") throw new UnusableInput(`${variable} ${file}`, `is empty: Pulumi would take an empty passphrase (the passphrase of stack ${stack})`);
}

/** Which passphrase opens `stack` (see the precedence above); a named file is checked here. */
export function passphraseSource(stack: string, env: NodeJS.ProcessEnv = process.env): PassphraseSource {
  const own = stackPassphraseVariable(stack);
  const ownFile = env[own];
  if (set(ownFile)) {
    checkPassphraseFile(stack, own, ownFile);
    return { kind: "file", variable: own, file: ownFile };
  }
  if (set(env.PULUMI_CONFIG_PASSPHRASE)) return { kind: "env", variable: "PULUMI_CONFIG_PASSPHRASE" };
  if (set(env.PULUMI_CONFIG_PASSPHRASE_FILE)) {
    checkPassphraseFile(stack, "PULUMI_CONFIG_PASSPHRASE_FILE", env.PULUMI_CONFIG_PASSPHRASE_FILE);
    return { kind: "file", variable: "PULUMI_CONFIG_PASSPHRASE_FILE", file: env.PULUMI_CONFIG_PASSPHRASE_FILE };
  }
  if (stack === "paper") return { kind: "paper-default" };
  throw new PassphraseMissing(stack);
}

/**
 * The passphrase variables Pulumi gets for `source`: exactly one of the two
 * set, the other REMOVED (undefined: Node passes no such variable to the
 * child), so that nothing exported for another stack reaches this one.
 */
function passphraseVariables(source: PassphraseSource, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  if (source.kind === "file") return { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: source.file };
  if (source.kind === "env") return { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE: undefined };
  return { PULUMI_CONFIG_PASSPHRASE: PAPER_DEFAULT_PASSPHRASE, PULUMI_CONFIG_PASSPHRASE_FILE: undefined };
}

/**
 * The environment of every Pulumi command on `stack`, over the caller's own:
 * the machine's defaults (platform/pulumiEnv.ts) and the stack's passphrase.
 * A variable set to undefined is one the command must not inherit.
 */
export function stackPulumiEnv(stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return { ...pulumiDefaults(env), ...passphraseVariables(passphraseSource(stack, env), env) };
}

/** The one-line error for Pulumi's "incorrect passphrase" on `stack`, naming where its passphrase came from. */
export function incorrectPassphrase(stack: string, env: NodeJS.ProcessEnv = process.env): PassphraseIncorrect {
  let source: PassphraseSource | undefined;
  try {
    source = passphraseSource(stack, env);
  } catch {
    source = undefined;
  }
  return new PassphraseIncorrect(stack, source);
}
