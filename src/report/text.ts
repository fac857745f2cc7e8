// Evidence shown in a terminal is attacker-controlled: control characters, escape sequences and
// bidirectional overrides are made visible instead of being interpreted.

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

export function visible(s: string): string {
  return s.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? s.slice(0, max) : s.slice(0, max - 1) + '…';
}

export function truncateStart(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? s.slice(-max) : '…' + s.slice(s.length - max + 1);
}

/** `keepEnd`: cut from the left (file paths, whose end says most). */
export interface Column<T> { title: string; width: number; get: (row: T) => string; keepEnd?: boolean }

export const COLOURS = {
  critical: '\x1b[1;97;41m', high: '\x1b[1;31m', medium: '\x1b[33m', low: '\x1b[36m', informational: '\x1b[2m', reset: '\x1b[0m',
} as const;

/** Fixed-width table rows; the last column takes the rest of the line. */
export function tableRow<T>(cols: Column<T>[], row: T | null, colour?: string): string {
  const cells = cols.map((c, i) => {
    const raw = row === null ? c.title : visible(c.get(row));
    const cut = c.keepEnd ? truncateStart(raw, c.width) : truncate(raw, c.width);
    return i === cols.length - 1 ? cut : cut.padEnd(c.width);
  });
  const line = cells.join('  ');
  return (colour ? colour + line + COLOURS.reset : line) + '\n';
}
