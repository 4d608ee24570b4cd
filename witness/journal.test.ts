import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appendJournal, GENESIS, JournalBroken, lineHash, readJournal, verifyJournal } from "./journal";

const journal = () => path.join(mkdtempSync(path.join(os.tmpdir(), "cdb-journal-")), "journal.jsonl");

describe("the witness journal", () => {
  it("chains each line to the previous one's bytes", () => {
    const f = journal();
    const h1 = appendJournal(f, { type: "start" }, 1000);
    const h2 = appendJournal(f, { type: "heartbeat" });
    const lines = readFileSync(f, "utf8").trimEnd().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 1, prev: GENESIS, redisTime: 1000, event: { type: "start" } });
    expect(JSON.parse(lines[1]!)).toMatchObject({ seq: 2, prev: lineHash(lines[0]!) });
    expect(h1).toEqual({ seq: 1, sha256: lineHash(lines[0]!) });
    expect(verifyJournal(f)).toEqual({ ok: true, head: h2, lines: 2 });
  });

  it("names the first broken line after an edit, a removal, or a cut-off write; and a broken journal is not read", () => {
    const f = journal();
    for (let i = 0; i < 4; i++) appendJournal(f, { type: "heartbeat", i });
    const good = readFileSync(f, "utf8");
    const lines = good.trimEnd().split("\n");
    writeFileSync(f, good.replace('"i":1', '"i":7'));
    expect(verifyJournal(f)).toMatchObject({ ok: false, line: 3 });
    expect(() => readJournal(f)).toThrow(JournalBroken);
    writeFileSync(f, [lines[0], lines[2], lines[3]].join("\n") + "\n");
    expect(verifyJournal(f)).toMatchObject({ ok: false, line: 2 });
    writeFileSync(f, good);
    appendFileSync(f, '{"seq":5');
    expect(verifyJournal(f)).toMatchObject({ ok: false, line: 5 });
    // An append after an edit stays bound to the edited bytes: the break stays where it was.
    writeFileSync(f, good.replace('"i":2', '"i":9'));
    appendJournal(f, { type: "heartbeat" });
    expect(verifyJournal(f)).toMatchObject({ ok: false, line: 4 });
  });
});
