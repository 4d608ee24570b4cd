import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoTmpDir } from "../test/repoTmp";
import { UnusableInput } from "../platform/errors";
import { readInputFile, readInputText } from "./inputFile";
import { visibleLine, visibleText } from "./terminalText";

// Issue 16 item 7: only regular files are read, within a cap counted while reading.

const refusal = (f: () => unknown): { e: unknown; ms: number } => {
  const t0 = Date.now();
  try {
    f();
  } catch (e) {
    return { e, ms: Date.now() - t0 };
  }
  return { e: undefined, ms: Date.now() - t0 };
};

describe("readInputFile", () => {
  const dir = repoTmpDir("input-file-");

  it("reads a regular file, and refuses a FIFO, a device and a directory at once", () => {
    const ok = path.join(dir, "ok.txt");
    writeFileSync(ok, "hello\n");
    expect(readInputText(ok)).toBe("hello\n");
    const fifo = path.join(dir, "fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const sub = path.join(dir, "sub");
    mkdirSync(sub);
    for (const [file, detail] of [
      [fifo, "is a FIFO (named pipe), not a regular file"],
      ["/dev/zero", "is a device, not a regular file"],
      [sub, "is a directory, not a file"],
      [path.join(dir, "missing"), "file not found"],
    ] as const) {
      const { e, ms } = refusal(() => readInputFile(file));
      expect(e).toBeInstanceOf(UnusableInput);
      expect((e as UnusableInput).message).toBe(`${file}: ${detail}`);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("stops at the cap while reading, whatever the size on disk", () => {
    const big = path.join(dir, "big.txt");
    writeFileSync(big, "x".repeat(100_001));
    expect(readInputFile(big, { maxBytes: 100_001 }).length).toBe(100_001);
    expect(() => readInputFile(big, { maxBytes: 100_000 })).toThrow(`${big}: file is larger than the 100000 byte limit`);
    expect(() => readInputFile(big)).not.toThrow();
    writeFileSync(big, "x".repeat(1024 * 1024 + 1));
    expect(() => readInputFile(big)).toThrow(`${big}: file is larger than the 1 MiB limit`);
  });
});

describe("terminal text", () => {
  it("escapes every control character, keeps line breaks where asked", () => {
    const evil = "a\u001b]0;pwned\u0007\u001b[2Jb\u009bc\rd";
    expect(visibleLine(evil)).toBe("a\\x1b]0;pwned\\x07\\x1b[2Jb\\x9bc d");
    expect(visibleText("x\r\ny\u001b[1A\n")).toBe("x\ny\\x1b[1A\n");
  });
});
