import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

// Relative links and heading anchors of the repository's Markdown, resolved the
// way GitHub renders them, so that moving a section between README.md and
// docs/ cannot leave a link pointing at nothing (scripts/docsLinks.test.ts).
// No Markdown parser is installed; this reads the subset the documents use:
// ATX headings, fenced code blocks, code spans, inline links and images,
// reference definitions and HTML anchors.

/** The text outside fenced code blocks, line by line (a fence's lines become empty, so line numbers stay). */
export function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === undefined) {
      if (open) {
        fence = open[1]!;
        return "";
      }
      return line;
    }
    // A fence closes with the same character, at least as long, and nothing else on the line.
    if (open && open[1]![0] === fence[0] && open[1]!.length >= fence.length && line.trim() === open[1]) fence = undefined;
    return "";
  });
}

/** A line with its code spans removed (a link written inside backticks is text, not a link). */
const withoutCodeSpans = (line: string): string => line.replace(/(`+)[\s\S]*?\1/g, " ");

/** The visible text of a heading's Markdown: code spans keep their content, links their text, emphasis markers go. */
function headingText(raw: string): string {
  const parts = raw.split(/(`+[^`]*`+)/);
  return parts
    .map((p, i) => (i % 2 === 1 ? p.replace(/^`+|`+$/g, "") : p.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/<[^>]+>/g, "").replace(/\*+/g, "")))
    .join("");
}

/**
 * GitHub's anchor of a heading (github-slugger): lower case, every character
 * that is not a letter, mark, number, connector (`_`), hyphen or space removed,
 * each space a hyphen; a repeated slug gets -1, -2, … in document order.
 */
export function slugOf(text: string): string {
  return headingText(text).trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor a document defines: its headings' slugs (with GitHub's duplicate suffixes) and HTML name/id anchors. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (heading) {
      const base = slugOf(heading[1]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of withoutCodeSpans(line).matchAll(/<a\s[^>]*\b(?:name|id)="([^"]+)"/gi)) anchors.add(m[1]!);
  }
  return anchors;
}

export interface MarkdownLink {
  /** 1-based line of the link in its document. */
  line: number;
  target: string;
}

/** Inline links and images `[text](target "title")` and reference definitions `[id]: target`, outside code. */
export function linksOf(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(markdown).forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    for (const m of line.matchAll(/\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) links.push({ line: i + 1, target: m[1]!.replace(/^<|>$/g, "") });
    const def = /^ {0,3}\[[^\]]+\]:\s*(\S+)/.exec(line);
    if (def) links.push({ line: i + 1, target: def[1]! });
  });
  return links;
}

/** Why a link of `file` does not resolve inside `root`, or undefined when it does (external links are not checked). */
export function problemOf(root: string, file: string, target: string, readMarkdown: (f: string) => string = (f) => readFileSync(f, "utf8")): string | undefined {
  if (target === "") return "empty link";
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return undefined;
  const hash = target.indexOf("#");
  const rawPath = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return `${target}: not a valid URL path`;
  }
  // GitHub resolves a leading "/" against the repository root, everything else against the file's folder.
  const resolved = decoded === "" ? file : decoded.startsWith("/") ? path.join(root, decoded) : path.resolve(path.dirname(file), decoded);
  const rel = path.relative(root, resolved);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return `${target}: outside the repository`;
  if (!existsSync(resolved)) return `${target}: no such file ${rel.split(path.sep).join("/")}`;
  if (anchor === undefined) return undefined;
  if (anchor === "") return `${target}: empty anchor`;
  if (statSync(resolved).isDirectory()) return `${target}: an anchor into a folder`;
  if (/\.md$/i.test(resolved)) return anchorsOf(readMarkdown(resolved)).has(anchor) ? undefined : `${target}: ${rel.split(path.sep).join("/")} has no heading with the anchor #${anchor}`;
  // Any other file: GitHub's line anchors #L12 or #L12-L20, within the file.
  const lines = /^L(\d+)(?:-L(\d+))?$/.exec(anchor);
  if (!lines) return `${target}: #${anchor} is not a line anchor of ${rel}`;
  const count = readFileSync(resolved, "utf8").split("\n").length;
  return Math.max(Number(lines[1]), Number(lines[2] ?? 0)) <= count ? undefined : `${target}: ${rel} has only ${count} lines`;
}

/** Every unresolved link of the given Markdown files, as `file:line: problem`. */
export function brokenLinks(root: string, files: string[]): string[] {
  const texts = new Map<string, string>();
  const read = (f: string): string => {
    if (!texts.has(f)) texts.set(f, readFileSync(f, "utf8"));
    return texts.get(f)!;
  };
  return files.flatMap((file) =>
    linksOf(read(file)).flatMap(({ line, target }) => {
      const problem = problemOf(root, file, target, read);
      return problem ? [`${path.relative(root, file).split(path.sep).join("/")}:${line}: ${problem}`] : [];
    }),
  );
}
