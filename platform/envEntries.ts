// `KEY=value` entries (a container's environment as Docker and the provider
// list it): the one place that splits them.

/** `KEY=value` split at the first "="; an entry without one is a name with an empty value. */
export function splitKeyValue(entry: string): [key: string, value: string] {
  const i = entry.indexOf("=");
  return i < 0 ? [entry, ""] : [entry.slice(0, i), entry.slice(i + 1)];
}

/** The entries as a map; an entry without "=" (or without a name) sets nothing. */
export function envRecord(entries: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of (entries ?? []).filter((x) => x.includes("="))) {
    const [key, value] = splitKeyValue(e);
    if (key !== "") env[key] = value;
  }
  return env;
}
