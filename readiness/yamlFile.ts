import { readFileSync, statSync } from "node:fs";
import { LineCounter, parseDocument, type Document } from "yaml";
import { UnusableInput } from "./errors";

export const MAX_INPUT_BYTES = 1024 * 1024;

export interface LoadedYaml {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
  /** 1-based line of the node at `path`, when the file has one. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Reads a YAML file strictly: size cap, duplicate keys and syntax errors are unusable input with a line. */
export function readYamlFile(file: string): LoadedYaml {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UnusableInput(file, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(e)})`);
  }
  if (size > MAX_INPUT_BYTES) throw new UnusableInput(file, `file is ${size} bytes, more than the 1 MiB limit`);
  const text = readFileSync(file, "utf8");
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    const what = first.code === "DUPLICATE_KEY" ? "duplicate key" : "malformed YAML";
    // The parser's first line ends in its own position; ours is in front already.
    const detail = first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    throw new UnusableInput(file, `${what}: ${detail}`, line);
  }
  const lineOf = (path: readonly (string | number)[]) => {
    for (let p = [...path]; p.length >= 0; p = p.slice(0, -1)) {
      const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  };
  return { file, doc, lines, value: doc.toJS({ maxAliasCount: 100 }), lineOf };
}
