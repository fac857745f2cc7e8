// CSV cells (RFC 4180 quoting). Evidence is written the way the terminal table shows it: control,
// bidirectional and invisible characters as visible escapes (`\x1b`, `\u202e`, `\n`), so `cat` of a
// report runs nothing; a cell that a spreadsheet would run as a formula is prefixed with '.
import { visible } from './text.js';

export function csvCell(v: unknown): string {
  let s = visible(v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: unknown[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
