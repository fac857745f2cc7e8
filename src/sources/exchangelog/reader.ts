// Exchange Server's W3C-style text logs (message tracking, agent, SMTP protocol, HttpProxy, ...):
// header lines `#Software`, `#Version`, `#Log-type`, `#Date`, `#Fields`, then one CSV line per entry.
// Streamed line by line; a new header block (a `#Fields` line later in the file, or files joined
// together) starts new columns. Memory is bounded by the longest line.
import { invalidMessage, utf8Text } from '../../util/utf8-stream.js';
import { LineSplitter, type LineOut } from '../../util/lines.js';

export interface ExchangeLogHeader {
  software?: string;
  version?: string;
  logType?: string;
  date?: string;
  fields: string[];
}

export type ExchangeLogItem =
  | { kind: 'header'; header: ExchangeLogHeader; line: number }
  | { kind: 'record'; header: ExchangeLogHeader; cells: string[]; line: number }
  | { kind: 'error'; line: number; message: string };

/** Exchange writes lines of a few KB; a custom-data or protocol data cell can be long, never this long. */
export const MAX_LOG_LINE_CHARS = 1024 * 1024;

const DIRECTIVE = /^#([A-Za-z-]+):\s?(.*)$/;

/** The first bytes of an Exchange log: `#Software: Microsoft Exchange...` (after an optional BOM). */
export function isExchangeLogHead(text: string): boolean {
  return /^\ufeff?#Software: *Microsoft Exchange\b/.test(text);
}

/**
 * One CSV line (quoted cells, doubled quotes inside, commas inside quotes), or an error message.
 * Exchange quotes a cell only when it holds a comma or a quote, so most lines take the fast path.
 */
export function splitLogLine(s: string): string[] | string {
  if (s.indexOf('"') < 0) return s.split(',');
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (s.charCodeAt(i) === 34 /* " */) {
      let cell = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) return `quoted cell ${cells.length + 1} is not closed`;
        cell += s.slice(j, q);
        if (s.charCodeAt(q + 1) === 34) { cell += '"'; j = q + 2; continue; }
        j = q + 1;
        break;
      }
      cells.push(cell);
      if (j === s.length) return cells;
      if (s.charCodeAt(j) !== 44 /* , */) return `text after the closing quote of cell ${cells.length}`;
      i = j + 1;
      if (i === s.length) { cells.push(''); return cells; }
      continue;
    }
    const c = s.indexOf(',', i);
    const cell = c < 0 ? s.slice(i) : s.slice(i, c);
    // a quote inside an unquoted cell is kept as text, as Exchange never writes one there
    cells.push(cell);
    if (c < 0) return cells;
    i = c + 1;
    if (i === s.length) { cells.push(''); return cells; }
  }
}

/** Turns lines into header, record and error items. */
export class ExchangeLogParser {
  private header: ExchangeLogHeader | null = null;
  /** directives seen since the last #Fields line, applied to the header it starts */
  private pending: Omit<ExchangeLogHeader, 'fields'> = {};
  private warnedNoFields = false;

  line(l: LineOut, out: ExchangeLogItem[]): void {
    if ('tooLong' in l) { out.push({ kind: 'error', line: l.line, message: `line longer than ${MAX_LOG_LINE_CHARS} characters; skipped` }); return; }
    let s = l.text;
    if (s.charCodeAt(0) === 0xfeff) s = s.slice(1); // the BOM of the first line, or of a file joined on
    if (s === '') return;
    if (s.charCodeAt(0) === 35 /* # */) { this.directive(s, l.line, out); return; }
    const h = this.header;
    if (!h) {
      if (!this.warnedNoFields) out.push({ kind: 'error', line: l.line, message: 'log line before any #Fields header line; lines up to the next #Fields line are skipped' });
      this.warnedNoFields = true;
      return;
    }
    const cells = splitLogLine(s);
    if (typeof cells === 'string') { out.push({ kind: 'error', line: l.line, message: `not a valid log line: ${cells}; skipped` }); return; }
    if (cells.length !== h.fields.length) {
      out.push({ kind: 'error', line: l.line, message: `line has ${cells.length} cells, the #Fields line has ${h.fields.length}; skipped` });
      return;
    }
    out.push({ kind: 'record', header: h, cells, line: l.line });
  }

  private directive(s: string, line: number, out: ExchangeLogItem[]): void {
    const m = DIRECTIVE.exec(s);
    if (!m) return; // a comment
    const name = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (name === 'software') {
      // a new header block: what the previous block said no longer applies
      this.pending = { software: value };
      this.header = null;
      this.warnedNoFields = false;
    } else if (name === 'version') this.pending.version = value;
    else if (name === 'log-type') this.pending.logType = value;
    else if (name === 'date') this.pending.date = value;
    else if (name === 'fields') {
      const fields = value.split(',').map((f) => f.trim());
      if (fields.some((f) => f === '') || new Set(fields).size !== fields.length) {
        out.push({ kind: 'error', line, message: 'the #Fields line has empty or repeated names; lines up to the next #Fields line are skipped' });
        this.header = null;
        this.warnedNoFields = true;
        return;
      }
      this.header = { ...this.pending, fields };
      this.warnedNoFields = false;
      out.push({ kind: 'header', header: this.header, line });
    }
  }
}

/**
 * Every entry of an Exchange log file, as a stream of batches (the entries of each piece of text
 * read). Invalid UTF-8 stops the file with an error naming its line.
 */
export async function* readExchangeLogBatches(path: string): AsyncGenerator<ExchangeLogItem[]> {
  const lines = new LineSplitter(MAX_LOG_LINE_CHARS);
  const parser = new ExchangeLogParser();
  const take = (ls: LineOut[]): ExchangeLogItem[] => {
    const out: ExchangeLogItem[] = [];
    for (const l of ls) parser.line(l, out);
    return out;
  };
  for await (const piece of utf8Text(path)) {
    if ('text' in piece) { yield take(lines.push(piece.text)); continue; }
    // the line cut short by the bad byte is not read
    yield [{ kind: 'error', line: lines.lineAtEnd, message: invalidMessage(piece.invalid) }];
    if (!piece.invalid.atEnd) return;
  }
  yield take(lines.end());
}

/** The same entries one at a time. */
export async function* readExchangeLog(path: string): AsyncGenerator<ExchangeLogItem> {
  for await (const batch of readExchangeLogBatches(path)) yield* batch;
}
