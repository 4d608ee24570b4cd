import { readInputText } from "../config/inputFile";
import { UnusableInput } from "../platform/errors";

// The simulator's API keys: one `key secret` pair a line; blank lines and
// lines starting with # are ignored. A line that is not exactly two fields is
// unusable input naming its line, never echoing it (it holds a secret).

export type KeyTable = ReadonlyMap<string, string>;

export function parseKeys(text: string, file: string): KeyTable {
  const keys = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) throw new UnusableInput(file, `line ${i + 1} must be "<key> <secret>" (two fields, got ${fields.length})`);
    const [key, secret] = fields as [string, string];
    if (keys.has(key)) throw new UnusableInput(file, `line ${i + 1}: the key is listed twice`);
    keys.set(key, secret);
  });
  if (keys.size === 0) throw new UnusableInput(file, "no key: write one `<key> <secret>` pair a line");
  return keys;
}

export function loadKeys(file: string): KeyTable {
  let text: string;
  try {
    text = readInputText(file, { maxBytes: 64 * 1024, what: "keys file" });
  } catch (e) {
    if (e instanceof UnusableInput) throw e;
    throw new UnusableInput(file, `cannot read the keys file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseKeys(text, file);
}
