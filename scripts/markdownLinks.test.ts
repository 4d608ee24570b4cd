import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anchorsOf, brokenLinks, linksOf, slugOf } from "./markdownLinks";

// The link checker against what GitHub does, and against the ways a broken
// link could slip past it.

describe("slugOf: GitHub's heading anchors", () => {
  it.each([
    ["Set-up, main job, tests", "set-up-main-job-tests"],
    ["Operations: verify, kill switch (`ops/`)", "operations-verify-kill-switch-ops"],
    ["The rehearsal stack (`Pulumi.rehearsal.yaml`, `cdb:mode: rehearsal`)", "the-rehearsal-stack-pulumirehearsalyaml-cdbmode-rehearsal"],
    ["Guides: read this when…", "guides-read-this-when"],
    ["0. Once: the people's keys", "0-once-the-peoples-keys"],
    ["`cdb_drift_fields` and **bold**", "cdb_drift_fields-and-bold"],
    ["A [linked](x.md) heading", "a-linked-heading"],
    ["Ünïcödé  two spaces", "ünïcödé--two-spaces"],
  ])("%s → %s", (heading, slug) => {
    expect(slugOf(heading)).toBe(slug);
  });

  it("numbers repeated headings as GitHub does, and ignores headings inside code fences", () => {
    const md = ["# Title", "## Alerts", "```sh", "# Alerts", "```", "## Alerts", "~~~", "## Fenced", "~~~", "## Alerts ##", '<a name="custom"></a>'].join("\n");
    expect([...anchorsOf(md)].sort()).toEqual(["alerts", "alerts-1", "alerts-2", "custom", "title"]);
  });
});

describe("linksOf", () => {
  it("finds inline links, images, titled links and reference definitions, not links in code", () => {
    const md = [
      "See [a](a.md) and ![img](pic.png) and [t](b.md#x \"title\").",
      "`[not](code.md)` and ``[nor](this.md)``",
      "```",
      "[fenced](fenced.md)",
      "```",
      "[ref]: c.md#y",
      "| [row](d.md) | when |",
    ].join("\n");
    expect(linksOf(md)).toEqual([
      { line: 1, target: "a.md" },
      { line: 1, target: "pic.png" },
      { line: 1, target: "b.md#x" },
      { line: 6, target: "c.md#y" },
      { line: 7, target: "d.md" },
    ]);
  });
});

describe("brokenLinks", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "cdb-mdlinks-"));
    mkdirSync(path.join(root, "docs", "runbooks"), { recursive: true });
    writeFileSync(path.join(root, "docs", "guide.md"), "# Guide\n\n## Going live\n\n## Going live\n");
    writeFileSync(path.join(root, "docs", "runbooks", "x.md"), "# X\n");
    writeFileSync(path.join(root, "code.ts"), "a\nb\nc\n");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const check = (md: string, file = "README.md"): string[] => {
    writeFileSync(path.join(root, file), md);
    return brokenLinks(root, [path.join(root, file)]);
  };

  it("accepts links that resolve: files, folders, anchors, duplicate anchors, line anchors, own anchors, external links", () => {
    expect(
      check(
        [
          "# Top",
          "[g](docs/guide.md) [g2](docs/guide.md#going-live) [g3](docs/guide.md#going-live-1) [d](docs/runbooks)",
          "[top](#top) [root](/docs/guide.md) [line](code.ts#L2) [lines](code.ts#L1-L3) [ext](https://example.com/x.md#nope) [mail](mailto:a@b)",
        ].join("\n"),
      ),
    ).toEqual([]);
    expect(check("[back](../../README.md#top) [sibling](../guide.md#guide)", "docs/runbooks/y.md")).toEqual([]);
  });

  it("names each link that does not resolve, with its line", () => {
    expect(
      check(
        [
          "# Top",
          "[missing](docs/nope.md)",
          "[anchor](docs/guide.md#no-such-heading) [third](docs/guide.md#going-live-2)",
          "[own](#nowhere) [case](docs/guide.md#Going-live)",
          "[out](../etc/passwd) [line](code.ts#L9) [notline](code.ts#foo) [empty]()",
        ].join("\n"),
      ),
    ).toEqual([
      "README.md:2: docs/nope.md: no such file docs/nope.md",
      "README.md:3: docs/guide.md#no-such-heading: docs/guide.md has no heading with the anchor #no-such-heading",
      "README.md:3: docs/guide.md#going-live-2: docs/guide.md has no heading with the anchor #going-live-2",
      "README.md:4: #nowhere: README.md has no heading with the anchor #nowhere",
      "README.md:4: docs/guide.md#Going-live: docs/guide.md has no heading with the anchor #Going-live",
      "README.md:5: ../etc/passwd: outside the repository",
      "README.md:5: code.ts#L9: code.ts has only 4 lines",
      "README.md:5: code.ts#foo: #foo is not a line anchor of code.ts",
      "README.md:5: empty link",
    ]);
  });

  it("resolves a link against the folder of the file it is in, not the repository root", () => {
    // Moved from README.md into docs/ without rewriting: docs/docs/guide.md does not exist.
    expect(check("[moved](docs/guide.md)", "docs/runbooks/z.md")).toEqual(["docs/runbooks/z.md:1: docs/guide.md: no such file docs/runbooks/docs/guide.md"]);
  });
});
