import type { Catalog } from "./catalog";
import { visibleLine, visibleText } from "../config/terminalText";
import { unsatisfied, type ItemResult, type Verdict } from "./evaluate";

// Renderings of one verdict: a terminal checklist, JSON for machines, and
// Markdown for pull-request comments and job summaries.

const MARK: Record<ItemResult["status"], string> = { satisfied: "[x]", missing: "[ ]", invalid: "[!]", expired: "[~]", failed: "[-]" };

function headline(v: Verdict): string {
  if (v.ready) return `Status: READY FOR LIVE (${v.stack}: ${v.items.length} of ${v.items.length} items satisfied)`;
  const done = v.items.length - unsatisfied(v).length;
  return `Status: NOT READY FOR LIVE (${v.stack}: ${done} of ${v.items.length} items satisfied)`;
}

function bySection(v: Verdict, catalog: Catalog): [string, ItemResult[]][] {
  // Items outside the catalog's sections: operator settings the stack config lacks.
  const config = v.items.filter((i) => !(i.section in catalog.sections));
  const sections = Object.entries(catalog.sections).map(([key, title]): [string, ItemResult[]] => [title, v.items.filter((i) => i.section === key)]);
  // With settings missing the checklist is not evaluated: show only what blocks.
  return config.length > 0 ? [["0. Stack configuration (operator settings)", config], ...sections.filter(([, items]) => items.length > 0)] : sections;
}

export function renderText(v: Verdict, catalog: Catalog, notes: string[]): string {
  const out = [headline(v), ...notes.map((n) => `Note: ${n}`), ""];
  for (const [title, items] of bySection(v, catalog)) {
    out.push(title);
    for (const i of items) out.push(`  ${MARK[i.status]} ${i.id.padEnd(34)} ${i.status.padEnd(9)} ${i.reason}`);
    out.push("");
  }
  const b = unsatisfied(v);
  if (b.length > 0) out.push(`Blocking items (${b.length}):`, ...b.map((i) => `  - ${i.id}: ${i.status}: ${i.reason}`));
  // Reasons quote evidence values (artifact paths, times, record fields): no escape sequence or
  // right-to-left override in them reaches the terminal.
  return visibleText(out.join("\n"));
}

export function renderJson(v: Verdict): string {
  return JSON.stringify({ ready: v.ready, stack: v.stack, items: v.items.map(({ id, status, reason }) => ({ id, status, reason })) }, null, 2);
}

/**
 * Text from evidence (artifact paths, times, record fields) as inert Markdown for a pull
 * request's summary: HTML special characters as entities (no tag, comment or image reaches
 * the page), Markdown's own punctuation backslash-escaped (no link, emphasis, code span or
 * table cell break), control and bidirectional characters shown as escapes, one line.
 */
export const markdownText = (s: string): string =>
  visibleLine(s)
    .replace(/[\\`*_{}[\]()#!~|]/g, (c) => `\\${c}`)
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const cell = markdownText;

export function renderMarkdown(v: Verdict, catalog: Catalog, notes: string[]): string {
  const out = [`## ${v.ready ? "🟢" : "🔴"} ${headline(v)}`, "", ...notes.map((n) => `> ${cell(n)}`), ""];
  for (const [title, items] of bySection(v, catalog)) {
    out.push(`### ${title}`, "", "| | item | status | reason |", "|---|---|---|---|");
    for (const i of items) out.push(`| ${i.status === "satisfied" ? "✅" : "❌"} | \`${i.id}\` | ${i.status} | ${cell(i.reason)} |`);
    out.push("");
  }
  return out.join("\n");
}
