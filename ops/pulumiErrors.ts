import { PulumiFailed } from "../platform/errors";

// Pulumi's own error lines from a failed command's output: every `error:`
// line with the resource it is reported under (the Diagnostics section lists
// `  <type> (<name>):` then `    error: …`), and every mandatory policy
// violation with its message. The generic "update failed" / "preview failed"
// lines are kept only when nothing more specific was printed.
//
// A violation is printed as a header and its message on the lines below,
// indented deeper (Pulumi 3.1xx+: `- [mandatory]  <policy>  (<resource>)` under
// `Policies:`; older: `[mandatory]  <pack> <version>  <policy> (<resource>)`
// under `Policy Violations:`): both become one line, header then message, so a
// refused preview ends with what refused it, not only "preview failed".

/** Message lines of a violation beyond this many are summed up: the readiness policy names every open item. */
const MAX_MESSAGE_LINES = 60;

const GENERIC = /^error: (update|preview|refresh|destroy) failed$/;

export function pulumiErrorLines(output: string): string[] {
  const lines = output.split(/\r?\n/);
  const found: string[] = [];
  const generic: string[] = [];
  let resource: string | undefined;
  let violation: { indent: number; header: string; message: string[] } | undefined;
  const endViolation = () => {
    if (!violation) return;
    const more = violation.message.length - MAX_MESSAGE_LINES;
    const message = [...violation.message.slice(0, MAX_MESSAGE_LINES), ...(more > 0 ? [`… ${more} more lines`] : [])];
    found.push(`policy violation: ${violation.header}${message.length > 0 ? `: ${message.join("; ")}` : ""}`);
    violation = undefined;
  };
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, "");
    if (violation) {
      const indent = /^\s*/.exec(line)![0].length;
      if (line !== "" && indent > violation.indent && !/^\s*-?\s*\[(mandatory|advisory)\]/.test(line)) {
        violation.message.push(line.trim());
        continue;
      }
      endViolation();
    }
    const header = /^ {2,4}(\S.*\(.*\)):$/.exec(line);
    if (header) {
      resource = header[1]!;
      continue;
    }
    const err = /^\s*(error: .*)$/.exec(line);
    if (err) {
      const text = err[1]!;
      if (GENERIC.test(text)) generic.push(resource ? `${resource}: ${text}` : text);
      else found.push(resource ? `${resource}: ${text}` : text);
      continue;
    }
    const policy = /^(\s*)(?:-\s+)?\[mandatory\]\s+(.*)$/.exec(line);
    if (policy) violation = { indent: policy[1]!.length, header: policy[2]!.replace(/\s{2,}/g, " "), message: [] };
    else if (/^\S/.test(line)) resource = undefined;
  }
  endViolation();
  const all = [...new Set(found.length > 0 ? found : generic)];
  return all.length > 0 ? all : [lines.map((l) => l.trim()).filter(Boolean).at(-1) ?? "no output"];
}

/** The Automation API's CommandError (and its subclasses) as PulumiFailed; anything else unchanged. */
export function asPulumiFailed(e: unknown): unknown {
  const r = (e as { commandResult?: { stdout?: string; stderr?: string } } | undefined)?.commandResult;
  if (e instanceof Error && r && typeof r === "object") return new PulumiFailed(pulumiErrorLines(`${r.stdout ?? ""}\n${r.stderr ?? ""}`));
  return e;
}

/** Runs a Pulumi step; a failure of the CLI becomes PulumiFailed with Pulumi's error lines. */
export async function pulumiStep<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw asPulumiFailed(e);
  }
}
