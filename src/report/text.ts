// Evidence shown in a terminal is attacker-controlled: control characters, escape sequences and
// bidirectional overrides are made visible instead of being interpreted.

/**
 * Characters never shown as themselves: C0/C1 controls, DEL, zero-width and bidirectional
 * formatting characters (U+061C, U+200B–U+200F, U+202A–U+202E, U+2066–U+2069), line and paragraph
 * separators, invisible operators, soft hyphen, the byte order mark, interlinear annotation
 * characters and Unicode tag characters (which can spell hidden text).
 */
export const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** How one unsafe character is written: `\n`, `\t`, `\r`, `\xNN`, `\uNNNN` or `\u{NNNNN}`. */
export function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

export function visible(s: string): string {
  return s.replace(UNSAFE_CHARS, escapeChar);
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? s.slice(0, max) : s.slice(0, max - 1) + '…';
}

export function truncateStart(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? s.slice(-max) : '…' + s.slice(s.length - max + 1);
}

/** `keepEnd`: cut from the left (file paths, whose end says most). `colour`: of this cell only. */
export interface Column<T> { title: string; width: number; get: (row: T) => string; keepEnd?: boolean; colour?: (row: T) => string | undefined }

export const COLOURS = {
  critical: '\x1b[1;97;41m', high: '\x1b[1;31m', medium: '\x1b[33m', low: '\x1b[36m', informational: '\x1b[2m', reset: '\x1b[0m',
} as const;

/** Fixed-width table rows; the last column takes the rest of the line. */
export function tableRow<T>(cols: Column<T>[], row: T | null, colour?: string): string {
  const cells = cols.map((c, i) => {
    const raw = row === null ? c.title : visible(c.get(row));
    const cut = c.keepEnd ? truncateStart(raw, c.width) : truncate(raw, c.width);
    const cellColour = row !== null && !colour ? c.colour?.(row) : undefined;
    const text = i === cols.length - 1 ? cut : cut.padEnd(c.width);
    // colour the text, not the padding after it
    return cellColour ? cellColour + cut + COLOURS.reset + text.slice(cut.length) : text;
  });
  const line = cells.join('  ');
  return (colour ? colour + line + COLOURS.reset : line) + '\n';
}
