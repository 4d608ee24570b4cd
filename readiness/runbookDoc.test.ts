import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { alertRuleGroups } from "../monitoring/alertRules";
import { loadCatalog } from "./catalog";
import { REPO_ROOT } from "../platform/paths";
import { anchorOf, renderRunbook } from "./runbookDoc";

const file = path.join(REPO_ROOT, "docs", "runbooks", "live-trading.md");

describe("docs/runbooks/live-trading.md", () => {
  it("is the rendering of the current catalog (run `npm run docs` after changing it)", () => {
    expect(readFileSync(file, "utf8")).toBe(renderRunbook(loadCatalog()));
  });

  it("lists every catalog item and has a section for every alert's runbook link", () => {
    const text = readFileSync(file, "utf8");
    for (const item of loadCatalog().items) expect(text).toContain(`\`${item.id}\``);
    const anchors = new Set([...text.matchAll(/^#+ (.+)$/gm)].map((m) => anchorOf(m[1]!)));
    const links = alertRuleGroups().flatMap((g) => g.rules).map((r) => r.annotations.runbook_url).filter((u) => u.includes("#"));
    expect(links.length).toBeGreaterThanOrEqual(5);
    for (const url of links) expect(anchors, url).toContain(url.split("#")[1]);
  });
});
