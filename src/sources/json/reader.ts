// Streaming JSON records: JSON lines, one JSON array of records, or JSON documents written one after
// another (the SigmaHQ regression renderings). Memory is bounded by the largest single record.
import { invalidMessage, utf8Text } from '../../util/utf8-stream.js';

export type JsonItem =
  /** `jsonl`: the file is JSON lines (one record per line). */
  | { kind: 'record'; value: unknown; line: number; jsonl: boolean }
  | { kind: 'error'; line: number; message: string };

export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

type Mode = 'unknown' | 'lines' | 'array' | 'concat';

/** Splits a character stream into top-level JSON values without parsing them. */
export class JsonSplitter {
  private buf = '';
  private line = 1; // line of buf[0]
  private mode: Mode = 'unknown';
  private arrayOpen = false;
  private out: JsonItem[] = [];
  // Scanner state for the value being collected (concat/array modes).
  private depth = 0;
  private inStr = false;
  private esc = false;
  private scanPos = 0;
  // First newline of the value being scanned while the mode is still unknown (see brokenFirstLine).
  private firstNl = -1;
  private nlSearched = 0;

  push(chunk: string): JsonItem[] {
    this.buf += chunk;
    this.drain(false);
    return this.take();
  }

  end(): JsonItem[] {
    this.drain(true);
    return this.take();
  }

  private take(): JsonItem[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private consume(n: number): void {
    const gone = this.buf.slice(0, n);
    for (let i = gone.indexOf('\n'); i >= 0; i = gone.indexOf('\n', i + 1)) this.line++;
    this.buf = this.buf.slice(n);
  }

  private skipSpace(): boolean {
    let i = 0;
    while (i < this.buf.length) {
      const c = this.buf.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) i++;
      else if (this.mode === 'array' && c === 0x2c /* , */) i++;
      else break;
    }
    this.consume(i);
    return this.buf.length > 0;
  }

  private emit(text: string, line: number): void {
    try {
      this.out.push({ kind: 'record', value: JSON.parse(text), line, jsonl: this.mode === 'lines' });
    } catch (e) {
      this.out.push({ kind: 'error', line, message: `invalid JSON: ${(e as Error).message}` });
    }
  }

  private drain(final: boolean): void {
    for (;;) {
      if (this.mode === 'lines') { if (!this.drainLines(final)) return; continue; }
      if (this.scanPos === 0) {
        if (!this.skipSpace()) return;
        if (this.mode === 'unknown' && this.buf[0] === '[') {
          this.mode = 'array';
          this.arrayOpen = true;
          this.consume(1);
          continue;
        }
        if (this.mode === 'array' && this.buf[0] === ']') {
          this.arrayOpen = false;
          this.consume(1);
          this.mode = 'concat';
          continue;
        }
      }
      const r = this.scanValue(final);
      if (r === null) return;
    }
  }

  /** Scan one value from buf; emits it and returns true, or null when more input is needed. */
  private scanValue(final: boolean): true | null {
    const b = this.buf;
    const startLine = this.line;
    let i = this.scanPos;
    const first = b.charCodeAt(0);
    const scalar = first !== 0x7b && first !== 0x5b; // not { or [
    for (; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 0x5c) this.esc = true;
        else if (c === 0x22) this.inStr = false;
        continue;
      }
      if (c === 0x22) { this.inStr = true; continue; }
      if (scalar) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0x5d) break;
        continue;
      }
      if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) { i++; break; }
      }
    }
    const complete = scalar ? i < b.length || final : this.depth === 0 && i > 0;
    if (!complete && this.mode === 'unknown' && !scalar && this.brokenFirstLine(b, i)) {
      // JSON lines whose first line is broken: split by line from here on, so the rest is still read.
      this.resetScan();
      this.mode = 'lines';
      return true;
    }
    if (!complete) {
      if (final) {
        this.out.push({ kind: 'error', line: startLine, message: 'unterminated JSON value at end of file' });
        this.buf = '';
        this.resetScan();
        return null;
      }
      if (i > MAX_RECORD_CHARS) {
        this.out.push({ kind: 'error', line: startLine, message: `record larger than ${MAX_RECORD_CHARS} characters; skipped` });
        this.buf = '';
        this.resetScan();
        return null;
      }
      this.scanPos = i;
      return null;
    }
    if (this.mode === 'unknown' && !final && !/\n/.test(b.slice(i))) {
      // Whether the first value ends its line decides the mode: wait until the line ends.
      this.resetScan();
      return null;
    }
    const text = b.slice(0, i);
    const endsLine = /^[ \t\r]*(\n|$)/.test(b.slice(i, i + 64)) && !text.includes('\n');
    this.resetScan();
    this.consume(i);
    // A first record on a line of its own means JSON lines: later records are split by line so
    // one broken line cannot swallow the ones after it.
    if (this.mode === 'unknown') this.mode = endsLine ? 'lines' : 'concat';
    this.emit(text, startLine);
    return true;
  }

  /**
   * The first value is still open after its first line, that line is more than an opening brace (so
   * not a pretty-printed document) and the next non-blank line starts with '{' in column 1: this is a
   * JSON-lines file with a broken first line, not one value spread over several lines.
   */
  private brokenFirstLine(b: string, scanned: number): boolean {
    if (this.firstNl < 0) {
      // searched incrementally, so a long first line is not rescanned on every push
      const nl = b.indexOf('\n', this.nlSearched);
      this.nlSearched = b.length;
      if (nl < 0) return false;
      this.firstNl = nl;
    }
    const nl = this.firstNl;
    if (nl >= scanned || b.slice(0, nl).trim() === '{') return false;
    let j = nl + 1;
    while (j < b.length && (b[j] === '\n' || b[j] === '\r')) j++;
    return b[j] === '{';
  }

  /** Line number of the end of the input pushed so far. */
  get lineAtEnd(): number {
    let n = this.line;
    for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n', i + 1)) n++;
    return n;
  }

  private resetScan(): void {
    this.depth = 0; this.inStr = false; this.esc = false; this.scanPos = 0;
    this.firstNl = -1; this.nlSearched = 0;
  }

  private drainLines(final: boolean): boolean {
    const nl = this.buf.indexOf('\n');
    if (nl < 0) {
      if (!final) {
        if (this.buf.length > MAX_RECORD_CHARS) {
          this.out.push({ kind: 'error', line: this.line, message: `line longer than ${MAX_RECORD_CHARS} characters; skipped` });
          this.buf = '';
        }
        return false;
      }
      if (this.buf.trim()) this.emit(this.buf, this.line);
      this.buf = '';
      return false;
    }
    const lineText = this.buf.slice(0, nl);
    const line = this.line;
    this.buf = this.buf.slice(nl + 1);
    this.line++;
    if (lineText.trim()) this.emit(lineText, line);
    return true;
  }

  get unclosedArray(): boolean { return this.arrayOpen; }
}

/**
 * Read every JSON record of a file, as a stream. Invalid UTF-8 stops the file with an error that names
 * its line; the records before it are still read.
 */
export async function* readJsonRecords(path: string): AsyncGenerator<JsonItem> {
  const splitter = new JsonSplitter();
  for await (const piece of utf8Text(path)) {
    if ('text' in piece) { for (const it of splitter.push(piece.text)) yield it; continue; }
    yield { kind: 'error', line: splitter.lineAtEnd, message: invalidMessage(piece.invalid) };
    if (!piece.invalid.atEnd) return;
  }
  for (const it of splitter.end()) yield it;
  if (splitter.unclosedArray) yield { kind: 'error', line: 0, message: "JSON array is not closed with ']'" };
}
