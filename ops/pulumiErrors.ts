import { PulumiFailed } from "../platform/errors";

// Pulumi's own error lines from a failed command's output: every `error:`
// line with the resource it is reported under (the Diagnostics section lists
// `  <type> (<name>):` then `    error: …`), and every mandatory policy
// violation. The generic "update failed" / "preview failed" lines are kept
// only when nothing more specific was printed.

const GENERIC = /^error: (update|preview|refresh|destroy) failed$/;

export function pulumiErrorLines(output: string): string[] {
  const lines = output.split(/\r?\n/);
  const found: string[] = [];
  const generic: string[] = [];
  let resource: string | undefined;
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, "");
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
    const policy = /^\s*\[mandatory\]\s+(.*)$/.exec(line);
    if (policy) found.push(`policy violation: ${policy[1]!.replace(/\s{2,}/g, " ")}`);
    else if (/^\S/.test(line)) resource = undefined;
  }
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
