import { describe, expect, it } from "vitest";
import { makeFixture } from "../test/readinessFixture";
import { runGate } from "./gate";
import { markdownText, renderMarkdown, renderText } from "./report";

// Issue 25 (13): evidence values reach the readiness renderings (an artifact
// path is any string the signer typed). The Markdown for a pull request's
// summary passed HTML through; the terminal rendering passed right-to-left
// overrides. The attack through the gate itself: a signed entry whose
// artifact path is HTML, Markdown and a U+202E.

const EVIL = '<img src=x onerror="alert(1)">[approve](https://evil.example)\u202Efdp.exe`x`|';

describe("readiness renderings of evidence values", () => {
  const fx = makeFixture(new Date("2026-11-20T12:00:00Z"));
  const id = "compliance.incident-response";
  const e = structuredClone(fx.evidence);
  e.items[id]!.artifacts = [{ path: EVIL, sha256: "0".repeat(64) }];
  const { verdict, catalog, notes } = runGate(fx.gateRequest(fx.write(fx.sign(e))));
  const item = verdict.items.find((i) => i.id === id)!;

  it("the gate's reason quotes the typed path (the input of the renderings)", () => {
    expect(item).toMatchObject({ status: "invalid", reason: `artifact ${EVIL}: file not found` });
  });

  it("--markdown: no HTML tag, link, code span, table break or bidirectional override reaches the PR summary", () => {
    const md = renderMarkdown(verdict, catalog, notes);
    const row = md.split("\n").find((l) => l.includes(`\`${id}\``))!;
    expect(row).toBe(`| ❌ | \`${id}\` | invalid | artifact &lt;img src=x onerror=&quot;alert\\(1\\)&quot;&gt;\\[approve\\]\\(https://evil.example\\)\\\\u202efdp.exe\\\`x\\\`\\|: file not found |`);
    expect(md).not.toMatch(/<img|\u202e|\]\(https/);
    // The row keeps its four cells: no unescaped | inside.
    expect(row.split(/(?<!\\)\|/).length).toBe(6);
  });

  it("the terminal rendering escapes the override and control characters", () => {
    const text = renderText(verdict, catalog, notes);
    expect(text).not.toMatch(/\u202e/);
    expect(text).toContain("\\u202efdp.exe");
    expect(markdownText("a\u001b[2Jb")).toBe("a\\\\x1b\\[2Jb");
  });
});
