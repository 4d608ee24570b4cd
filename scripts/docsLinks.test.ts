import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../platform/paths";
import { brokenLinks, linksOf } from "./markdownLinks";

// The README is the first screen (what it is, the main job, the test command)
// and a map; everything else is a guide in docs/ the map points to (issue 25
// item 14). These keep it that way: a section moved without its links, a guide
// dropped from the map, or a README growing back into a manual is red.

/** The guides the README's map must link, each with a line of "read this when…". */
const GUIDES = ["docs/getting-started.md", "docs/going-live.md", "docs/operating-live.md", "docs/rehearsal.md", "docs/pull-requests.md", "docs/reference.md"];
/** The README's budget: a page to read, not a manual. */
const README_MAX_LINES = 120;
/** What must be readable without scrolling: a terminal's or a browser's first screen. */
const FIRST_SCREEN_LINES = 60;
const MAP_HEADING = "## Guides: read this when…";

const read = (rel: string): string => readFileSync(path.join(REPO_ROOT, rel), "utf8");
const readme = read("README.md");
const docs = (readdirSync(path.join(REPO_ROOT, "docs"), { recursive: true }) as string[])
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f.split(path.sep).join("/")}`)
  .sort();
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split("\n").length;

/** The map's rows: `| [title](docs/x.md) | read this when… |`. */
function mapRows(): { title: string; target: string; when: string }[] {
  const start = readme.indexOf(`\n${MAP_HEADING}\n`);
  if (start === -1) return [];
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| \[([^\]]+)\]\(([^)\s]+)\) \| (.*?) \|$/gm)].map((m) => ({ title: m[1]!, target: m[2]!, when: m[3]!.trim() }));
}

describe("README.md: the first screen and a map", () => {
  it(`stays under ${README_MAX_LINES} lines`, () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it.each([
    ["the set-up heading", "## Set-up, main job, tests"],
    ["the main job", "npm run deploy -- --stack paper "],
    ["the test command", "\nnpm test "],
    ["paper's passphrase", "Paper's passphrase is **`"],
    ["the map", MAP_HEADING],
  ])(`has %s within the first ${FIRST_SCREEN_LINES} lines`, (_what, needle) => {
    expect(readme).toContain(needle);
    expect(lineOf(readme, needle)).toBeLessThanOrEqual(FIRST_SCREEN_LINES);
  });

  it("maps every guide, each with a line saying when to read it", () => {
    const rows = mapRows();
    for (const guide of GUIDES) {
      const row = rows.find((r) => r.target === guide);
      expect(row, `${guide} in the README's map`).toBeDefined();
      expect(row!.when.length, `${guide}: "read this when…"`).toBeGreaterThan(20);
    }
  });

  it("every guide exists and starts with its title", () => {
    for (const guide of GUIDES) expect(docs, guide).toContain(guide);
    for (const guide of GUIDES) expect(read(guide)).toMatch(/^# \S/);
  });

  it("reaches every document in docs/ through its links", () => {
    const reached = new Set<string>(["README.md"]);
    const queue = ["README.md"];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const { target } of linksOf(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
        const rel = path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURIComponent(target.split("#")[0]!)));
        if (rel.endsWith(".md") && !reached.has(rel) && (rel === "README.md" || docs.includes(rel))) {
          reached.add(rel);
          queue.push(rel);
        }
      }
    }
    expect(docs.filter((d) => !reached.has(d))).toEqual([]);
  });
});

describe("README.md and docs/**/*.md: links", () => {
  it("every relative link and anchor resolves", () => {
    expect(docs.length).toBeGreaterThanOrEqual(GUIDES.length);
    expect(brokenLinks(REPO_ROOT, ["README.md", ...docs].map((f) => path.join(REPO_ROOT, f)))).toEqual([]);
  });

  it("every `npm run <script>` they write is a script of package.json", () => {
    const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);
    const used = ["README.md", ...docs].flatMap((f) => [...read(f).matchAll(/\bnpm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => `${f}: ${m[1]}`));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((u) => !scripts.includes(u.split(": ")[1]!))).toEqual([]);
    if (/\bnpm test\b/.test(readme)) expect(scripts).toContain("test");
  });
});
