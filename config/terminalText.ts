// Text bound for a terminal: control characters (ESC sequences that move the
// cursor, retitle the window or rewrite earlier lines, C1 codes, NUL) shown as
// \xNN escapes, never passed through. Every line the CLI prints about input
// goes through this.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One line with every control character (line breaks included) escaped. */
export const visibleLine = (s: string): string => s.replace(/[\r\n]+/g, " ").replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

/** Text with its line breaks kept and every other control character escaped. */
export const visibleText = (s: string): string => s.replace(/\r\n/g, "\n").replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
