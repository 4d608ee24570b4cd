// Text bound for a terminal: control characters (ESC sequences that move the
// cursor, retitle the window or rewrite earlier lines, C1 codes, NUL) shown as
// \xNN escapes, never passed through. Every line the CLI prints about input
// goes through this.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/**
 * Bidirectional formatting characters (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069): a
 * terminal reorders the text around them ("Trojan Source"), so "evil\u202etxt.exe" shows as
 * "evilexe.txt". Shown as \uNNNN like the control characters.
 */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escaped = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** One line with every control and bidirectional formatting character (line breaks included) escaped. */
export const visibleLine = (s: string): string => s.replace(/[\r\n]+/g, " ").replace(CONTROL, escaped).replace(BIDI, escaped);

/** Text with its line breaks kept and every other control or bidirectional formatting character escaped. */
export const visibleText = (s: string): string => s.replace(/\r\n/g, "\n").replace(CONTROL, escaped).replace(BIDI, escaped);

/**
 * What the CLI prints on stdout (text or JSON): line breaks and tabs kept, other C0 control
 * characters as \xNN, C1 and bidirectional formatting characters as \uNNNN. JSON stays valid
 * and means the same (JSON.stringify never leaves a C0 character raw, and \uNNNN is JSON's own escape).
 */
export const visibleOutput = (s: string): string =>
  s
    .replace(/\r\n/g, "\n")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f]/g, escaped)
    .replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * The first character of `s` no value may carry (a control character, line breaks included,
 * or a bidirectional formatting one), escaped; undefined when there is none. For values
 * that leave the CLI for another system (a Redis stream other programs print).
 */
export function hiddenCharacter(s: string): string | undefined {
  const m = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.exec(s);
  return m ? escaped(m[0]) : undefined;
}
