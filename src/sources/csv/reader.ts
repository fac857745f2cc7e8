// Streaming CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes, CRLF or LF), as
// records keyed by the header row. Memory is bounded by the largest single record.
import { invalidMessage, utf8Text } from '../../util/utf8-stream.js';
import { setOwn } from '../../util/own-record.js';

export type CsvItem =
  | { kind: 'header'; columns: string[]; line: number }
  | { kind: 'record'; value: Record<string, string>; line: number }
  | { kind: 'error'; line: number; message: string };

export const MAX_CSV_RECORD_CHARS = 16 * 1024 * 1024;

/** Splits CSV text pushed in pieces into rows; `line` is the 1-based line where each row starts. */
export class CsvSplitter {
  private field = '';
  private row: string[] = [];
  private quoted = false;
  private afterQuote = false;
  private line = 1;
  private rowLine = 1;
  private size = 0;
  private skipping = false;
  private rows: { cells: string[]; line: number }[] = [];
  private errors: { line: number; message: string }[] = [];

  push(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') this.line++;
      if (this.skipping) {
        if (c === '\n' && !this.quoted) { this.skipped(); this.resetRow(); } else { this.size++; if (c === '"') this.quoted = !this.quoted; }
        continue;
      }
      if (++this.size > MAX_CSV_RECORD_CHARS) {
        // the record is not held: counted up to its end, then reported with its size
        this.skipping = true;
        this.field = ''; this.row = [];
        continue;
      }
      if (this.quoted) {
        if (c === '"') { this.quoted = false; this.afterQuote = true; } else this.field += c;
        continue;
      }
      if (c === '"') {
        if (this.afterQuote) { this.field += '"'; this.quoted = true; this.afterQuote = false; } // "" inside quotes
        else if (this.field === '') this.quoted = true;
        else this.field += c; // a stray quote inside an unquoted field is kept
        continue;
      }
      this.afterQuote = false;
      if (c === ',') { this.row.push(this.field); this.field = ''; continue; }
      if (c === '\n') { this.endRow(); continue; }
      if (c === '\r' && text[i + 1] === '\n') continue;
      this.field += c;
    }
  }

  private endRow(): void {
    this.row.push(this.field);
    if (!(this.row.length === 1 && this.row[0] === '')) this.rows.push({ cells: this.row, line: this.rowLine });
    this.resetRow();
  }

  private skipped(): void {
    this.errors.push({ line: this.rowLine, message: `record of ${this.size} characters is longer than ${MAX_CSV_RECORD_CHARS}; skipped` });
  }

  private resetRow(): void {
    this.row = []; this.field = ''; this.quoted = false; this.afterQuote = false; this.size = 0; this.skipping = false;
    this.rowLine = this.line;
  }

  end(): void {
    if (this.skipping) this.skipped();
    else if (this.quoted) this.errors.push({ line: this.rowLine, message: 'quoted field not closed at end of file' });
    else if (this.field !== '' || this.row.length) this.endRow();
  }

  /** Line number of the end of the text pushed so far. */
  get lineAtEnd(): number { return this.line; }

  take(): { rows: { cells: string[]; line: number }[]; errors: { line: number; message: string }[] } {
    const r = { rows: this.rows, errors: this.errors };
    this.rows = []; this.errors = [];
    return r;
  }
}

/** Turns the rows of a splitter into header, record and error items (rows with the wrong number of cells are reported). */
function recordsOf(sp: CsvSplitter) {
  let columns: string[] | null = null;
  let sawType = false;
  return function* drain(): Generator<CsvItem> {
    const { rows, errors } = sp.take();
    for (const e of errors) yield { kind: 'error', ...e };
    for (const r of rows) {
      if (!columns) {
        // Windows PowerShell's Export-Csv writes `#TYPE <type name>` above the header
        if (!sawType && r.cells.length === 1 && /^\ufeff?#TYPE /.test(r.cells[0]!)) { sawType = true; continue; }
        columns = r.cells.map((c, i) => (i === 0 ? c.replace(/^\ufeff/, '') : c).trim());
        yield { kind: 'header', columns, line: r.line };
        continue;
      }
      if (r.cells.length !== columns.length) {
        yield { kind: 'error', line: r.line, message: `row has ${r.cells.length} cells, the header has ${columns.length}; skipped` };
        continue;
      }
      // the shape JSON.parse gives: an ordinary object, every column an own key (`__proto__` too)
      const value: Record<string, string> = {};
      columns.forEach((c, i) => setOwn(value, c, r.cells[i]!));
      yield { kind: 'record', value, line: r.line };
    }
  };
}

/** Records of a CSV file with a header row. */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvItem> {
  const sp = new CsvSplitter();
  const drain = recordsOf(sp);
  for await (const piece of utf8Text(path)) {
    if ('text' in piece) { sp.push(piece.text); yield* drain(); continue; }
    yield* drain();
    yield { kind: 'error', line: sp.lineAtEnd, message: invalidMessage(piece.invalid) };
    if (!piece.invalid.atEnd) return;
  }
  sp.end();
  yield* drain();
}

/** The same items for CSV text already in memory. */
export function* csvRecordsOfText(text: string): Generator<CsvItem> {
  const sp = new CsvSplitter();
  const drain = recordsOf(sp);
  sp.push(text);
  sp.end();
  yield* drain();
}
