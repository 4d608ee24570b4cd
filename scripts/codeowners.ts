// Who owns a path by .github/CODEOWNERS, with GitHub's rules: gitignore-style
// patterns without negation or character ranges (GitHub supports neither), a
// leading or inner "/" anchors at the root, a trailing "/" means "everything
// under", "*" stays in one path segment, "**" crosses them, and the last
// matching line wins (a line without owners takes ownership away). Written
// here rather than taken from npm: `ignore` and `minimatch` are only transitive
// dependencies here, and neither knows "last match wins" nor owner-less lines,
// which is what coverage turns on; the subset is a dozen lines.

export interface OwnerRule {
  pattern: string;
  owners: string[];
  line: number;
  matches: (file: string) => boolean;
}

const globToRegex = (glob: string) =>
  glob
    .split(/(\/\*\*\/|\*\*\/|\/\*\*|\*\*|\*|\?)/)
    .map((part) => {
      if (part === "/**/") return "/(?:.*/)?";
      if (part === "**/") return "(?:.*/)?";
      if (part === "/**") return "/.*";
      if (part === "**") return ".*";
      if (part === "*") return "[^/]*";
      if (part === "?") return "[^/]";
      return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");

export function parseCodeowners(text: string): OwnerRule[] {
  return text.split("\n").flatMap((raw, i) => {
    const l = raw.replace(/(^|\s)#.*$/, "").trim();
    if (l === "") return [];
    const [pattern, ...owners] = l.split(/\s+/) as [string, ...string[]];
    const dirOnly = pattern.endsWith("/");
    const body = pattern.replace(/^\//, "").replace(/\/$/, "");
    const anchored = pattern.startsWith("/") || body.includes("/");
    const re = new RegExp(`${anchored ? "^" : "(?:^|/)"}${globToRegex(body)}${dirOnly ? "/.*" : "(?:/.*)?"}$`);
    return [{ pattern, owners, line: i + 1, matches: (file: string) => re.test(file) }];
  });
}

/** The owners of a repository-relative file ("a/b.ts"): those of the last matching line; none when no line matches. */
export function ownersOf(rules: OwnerRule[], file: string): string[] {
  let owners: string[] = [];
  for (const r of rules) if (r.matches(file)) owners = r.owners;
  return owners;
}

/** The files no owner must review. */
export const unowned = (codeowners: string, files: readonly string[]): string[] => {
  const rules = parseCodeowners(codeowners);
  return files.filter((f) => ownersOf(rules, f).length === 0);
};
