import * as jsYaml from "js-yaml";
import { CORE_SCHEMA, load, type Type, YAMLException } from "js-yaml";
import { LineCounter, parseDocument } from "yaml";
import { MAX_INPUT_BYTES, readInputText } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";

export { MAX_INPUT_BYTES };

/**
 * Nodes a document may expand to once aliases are followed. js-yaml keeps an
 * alias as a reference (loading a "billion laughs" file takes milliseconds),
 * but everything after it walks the expansion: validation, digests, JSON.
 * The `yaml` library's answer is maxAliasCount (100 by default); this is the
 * same limit in the form that fits a parser that shares references: the
 * repository's 35-item checklist is ~400 nodes, a synthetic 10,000-item one ~100,000.
 */
export const MAX_EXPANDED_NODES = 1_000_000;

// YAML merge keys (`<<: *base`), as the Pulumi engine (Go yaml.v3) resolves them in stack files.
// (js-yaml exports its types at runtime; @types/js-yaml does not declare them.)
const SCHEMA = CORE_SCHEMA.extend({ implicit: [(jsYaml as unknown as { types: { merge: Type } }).types.merge] });

/** C0 and C1 control characters other than tab and line breaks: never read into a value, never echoed. */
export const CONTROL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export interface LoadedYaml {
  file: string;
  value: unknown;
  /** 1-based line of the node at `path` (or its nearest ancestor), when the file has one. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/**
 * Walks the value as consumers will see it (aliases expanded), within the
 * node budget; returns the path of the first key or string holding a control
 * character. Throws when the expansion exceeds the budget.
 */
function checkExpansion(file: string, value: unknown): (string | number)[] | undefined {
  let nodes = 0;
  let found: (string | number)[] | undefined;
  const visit = (v: unknown, path: (string | number)[]): void => {
    if (++nodes > MAX_EXPANDED_NODES) {
      throw new UnusableInput(file, `YAML aliases expand to more than ${MAX_EXPANDED_NODES.toLocaleString("en")} nodes (an alias bomb?)`);
    }
    if (typeof v === "string") {
      if (!found && CONTROL_CHAR.test(v)) found = path;
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, [...path, i]));
    } else if (v !== null && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (!found && CONTROL_CHAR.test(k)) found = [...path];
        visit(x, [...path, k]);
      }
    }
  };
  visit(value, []);
  return found;
}

/**
 * Reads a YAML file strictly: a regular file within the size cap (config/inputFile.ts),
 * aliases within a budget, no control characters, duplicate keys and syntax
 * errors are unusable input with a line. js-yaml does the parsing: on a
 * 10,000-item catalog it takes 150 ms where `yaml` takes 1.2 s. Its core
 * schema keeps timestamps as strings (YAML 1.2), as the evidence schema
 * expects. Source positions are needed only to report an error, so `yaml`
 * builds them then.
 */
export function readYamlFile(file: string): LoadedYaml {
  const text = readInputText(file);
  let value: unknown;
  try {
    value = load(text, { schema: SCHEMA, filename: file });
  } catch (e) {
    if (!(e instanceof YAMLException)) throw e;
    const line = e.mark ? e.mark.line + 1 : undefined;
    if (/duplicated mapping key/.test(e.reason)) {
      // js-yaml marks the line of the repeated key; name the key from it (without control characters).
      const key = (text.split(/\r?\n/)[e.mark.line] ?? "").trim().replace(/^-\s*/, "").split(":")[0]!.replace(/^["']|["']$/g, "");
      throw new UnusableInput(file, `duplicate key: ${JSON.stringify(key).slice(1, -1).slice(0, 80)}`, line);
    }
    throw new UnusableInput(file, `malformed YAML: ${e.reason}`, line);
  }
  const lineOf = (path: readonly (string | number)[]) => {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
      if (p.length === 0) return undefined;
    }
  };
  const bad = checkExpansion(file, value);
  if (bad) {
    // Named by its path only: the value may be an escape sequence aimed at the terminal.
    throw new UnusableInput(file, `${bad.join(".") || "(root)"}: contains a control character (escape sequences are not allowed in this file)`, lineOf(bad));
  }
  return { file, value, lineOf };
}
