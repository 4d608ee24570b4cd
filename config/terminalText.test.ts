import { describe, expect, it } from "vitest";
import { hiddenCharacter, visibleLine, visibleOutput, visibleText } from "./terminalText";

// Issue 25 (13): right-to-left overrides (U+202E and the other bidirectional
// formatting characters) reached the terminal; the sanitizer escaped control characters only.

const RLO = "invoice\u202Etxt.exe";

describe("text bound for a terminal", () => {
  it("escapes bidirectional formatting characters as well as control characters, in lines, text and output", () => {
    expect(visibleLine(RLO)).toBe("invoice\\u202etxt.exe");
    expect(visibleText(`a\u2066b\u2069\nc\u200f`)).toBe("a\\u2066b\\u2069\nc\\u200f");
    expect(visibleOutput(`x\u001b[2J\ty\n\u0085${RLO}`)).toBe("x\\x1b[2J\ty\n\\u0085invoice\\u202etxt.exe");
  });

  it("keeps JSON output valid and meaning the same string", () => {
    const value = { path: `${RLO}\u0085\u061c`, esc: "\u001b[2J" };
    const json = JSON.stringify(value, null, 2);
    const shown = visibleOutput(json);
    expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(shown)).toEqual(value);
  });

  it("names the first character a value sent elsewhere may not carry", () => {
    expect(hiddenCharacter("drawdown, stop")).toBeUndefined();
    expect(hiddenCharacter("a\nb")).toBe("\\x0a");
    expect(hiddenCharacter(RLO)).toBe("\\u202e");
    expect(hiddenCharacter("\u009b")).toBe("\\x9b");
  });
});
