// Streaming JSON records: JSON lines, one JSON array of records, or JSON documents written one after
// another (the SigmaHQ regression renderings). Memory is bounded by the largest single record: a
// record over MAX_RECORD_CHARS is not held but skipped, reported with its line and size, and reading
// goes on after it (the next line for JSON lines, the end of the value otherwise).
import { invalidMessage, utf8Text } from '../../util/utf8-stream.js';

export type JsonItem =
  /** `jsonl`: the file is JSON lines (one record per line). */
  | { kind: 'record'; value: unknown; line: number; jsonl: boolean }
  | { kind: 'error'; line: number; message: string };

export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

type Mode = 'unknown' | 'lines' | 'array' | 'concat';

function countNl(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;

/**
 * Splits a character stream into top-level JSON values without parsing them. The text of a value is
 * held as the pieces it arrived in (never re-copied as it grows) and scanned once.
 */
export class JsonSplitter {
  private text = ''; // input not yet taken into a value
  private line = 1; // line of text[0]
  private mode: Mode = 'unknown';
  private arrayOpen = false;
  private out: JsonItem[] = [];
  private readonly max: number;
  // The value being scanned: its pieces, first line, and the scanner state.
  private inValue = false;
  private parts: string[] = [];
  private partsLen = 0;
  private valueLine = 1;
  private scalar = false;
  private depth = 0;
  private inStr = false;
  private esc = false;
  /** Over the cap: the value is scanned to its end without being held; the characters seen. */
  private discarded = -1;
  // While the mode is unknown: where the value's first line ends, whether that line is a lone
  // '{', and the first character of the next non-blank line (see brokenFirstLine).
  private firstNl = -1;
  private loneBrace = false;
  private afterNl = -1;
  /** The value is complete; waiting for the end of its line to decide the mode. */
  private awaitingEol = false;
  // JSON lines: the pieces of the current line; a line over the cap is counted, not held.
  private lineParts: string[] = [];
  private lineLen = 0;
  private lineSkip = -1;

  constructor(opts: { maxChars?: number } = {}) {
    this.max = opts.maxChars ?? MAX_RECORD_CHARS;
  }

  push(chunk: string): JsonItem[] {
    this.text = this.text ? this.text + chunk : chunk;
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

  private error(line: number, message: string): void {
    this.out.push({ kind: 'error', line, message });
  }

  private emit(text: string, line: number): void {
    try {
      this.out.push({ kind: 'record', value: JSON.parse(text), line, jsonl: this.mode === 'lines' });
    } catch (e) {
      this.error(line, `invalid JSON: ${(e as Error).message}`);
    }
  }

  /** Drops the first n characters of text (they were taken into a value or are separators). */
  private consume(n: number): void {
    this.line += countNl(this.text, 0, n);
    this.text = this.text.slice(n);
  }

  private drain(final: boolean): void {
    for (;;) {
      if (this.mode === 'lines') {
        const t = this.text;
        this.text = '';
        this.feedLines(t, final);
        return;
      }
      if (this.awaitingEol) { if (!this.decideMode(final)) return; continue; }
      if (!this.inValue && !this.startValue()) {
        if (final && this.text) this.consume(this.text.length);
        return;
      }
      if (!this.scan(final)) return;
    }
  }

  /** Skips blanks (and commas between array items) and starts the next value; false when there is none yet. */
  private startValue(): boolean {
    const t = this.text;
    let i = 0;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (!(isSpace(c) || (this.mode === 'array' && c === 0x2c))) break;
    }
    this.consume(i);
    if (!this.text) return false;
    const first = this.text.charCodeAt(0);
    if (this.mode === 'unknown' && first === 0x5b /* [ */) {
      this.mode = 'array';
      this.arrayOpen = true;
      this.consume(1);
      return this.startValue();
    }
    if (this.mode === 'array' && first === 0x5d /* ] */) {
      this.arrayOpen = false;
      this.mode = 'concat';
      this.consume(1);
      return this.startValue();
    }
    this.inValue = true;
    this.valueLine = this.line;
    this.scalar = first !== 0x7b && first !== 0x5b;
    this.parts = []; this.partsLen = 0; this.discarded = -1;
    this.depth = 0; this.inStr = false; this.esc = false;
    this.firstNl = -1; this.loneBrace = false; this.afterNl = -1;
    return true;
  }

  /** Scans text for the end of the current value; true when the value was completed (or abandoned). */
  private scan(final: boolean): boolean {
    const t = this.text;
    let i = 0;
    let done = false;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (this.mode === 'unknown') {
        if (this.firstNl >= 0) { if (this.afterNl < 0 && c !== 0x0a && c !== 0x0d) this.afterNl = c; }
        else if (c === 0x0a) {
          this.firstNl = this.partsLen + i;
          this.loneBrace = this.firstNl < 256 && (this.parts.join('') + t.slice(0, i)).trim() === '{';
        }
      }
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 0x5c) this.esc = true;
        else if (c === 0x22) this.inStr = false;
        continue;
      }
      if (c === 0x22) { this.inStr = true; continue; }
      if (this.scalar) {
        if (isSpace(c) || c === 0x2c || c === 0x5d) { done = true; break; }
        continue;
      }
      if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) { i++; done = true; break; }
      }
    }
    if (!done && this.scalar && final) done = true;
    // a stray ',' or ']' where a value should start: taken as a one-character (invalid) value so the scan moves on
    if (done && this.scalar && i === 0 && this.partsLen === 0 && t.length > 0) i = 1;
    if (done) {
      const piece = t.slice(0, i);
      this.consume(i);
      this.inValue = false;
      if (this.discarded >= 0) {
        this.error(this.valueLine, `record of ${this.discarded + i} characters is larger than ${this.max}; skipped`);
        if (this.mode === 'unknown') this.mode = 'concat';
        return true;
      }
      this.parts.push(piece);
      this.partsLen += piece.length;
      if (this.mode === 'unknown') { this.awaitingEol = true; return true; }
      this.emitValue();
      return true;
    }
    // the value goes on past the text we have
    if (this.mode === 'unknown' && !this.scalar && this.brokenFirstLine()) {
      // JSON lines whose first line is broken: split by line from here on, so the rest is still read.
      this.text = this.parts.join('') + t;
      this.line = this.valueLine;
      this.inValue = false;
      this.mode = 'lines';
      return true;
    }
    if (final) {
      this.error(this.valueLine, this.discarded >= 0
        ? `record of more than ${this.max} characters (${this.discarded + t.length}) not closed at end of file; skipped`
        : 'unterminated JSON value at end of file');
      this.consume(t.length);
      this.inValue = false;
      return false;
    }
    if (this.discarded >= 0) this.discarded += t.length;
    else if (this.partsLen + t.length > this.max) {
      if (this.mode === 'unknown' && this.firstNl < 0) {
        // one line longer than the cap: JSON lines, skipped up to the next newline
        this.lineSkip = this.partsLen + t.length;
        this.mode = 'lines';
      } else this.discarded = this.partsLen + t.length; // a value spread over lines: scanned to its end
      this.parts = []; this.partsLen = 0;
      if (this.mode === 'lines') this.inValue = false;
    } else {
      this.parts.push(t);
      this.partsLen += t.length;
    }
    this.consume(t.length);
    return false;
  }

  private emitValue(): void {
    const n = this.partsLen;
    const text = n > this.max ? null : this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
    this.parts = []; this.partsLen = 0;
    // a value that ended in the same piece of input that took it over the cap
    if (text === null) this.error(this.valueLine, `record of ${n} characters is larger than ${this.max}; skipped`);
    else this.emit(text, this.valueLine);
  }

  /**
   * The first value is complete: a value alone on its first line means JSON lines (later records are
   * split by line so one broken line cannot swallow the ones after it), anything else documents
   * written one after another. False while the rest of the line has not arrived.
   */
  private decideMode(final: boolean): boolean {
    const m = /^[ \t\r]*/.exec(this.text)!;
    if (m[0].length === this.text.length && !final) return false;
    this.awaitingEol = false;
    const endsLine = this.firstNl < 0 && (m[0].length === this.text.length || this.text[m[0].length] === '\n');
    this.mode = endsLine ? 'lines' : 'concat';
    this.emitValue();
    if (endsLine) this.consume(m[0].length + (this.text[m[0].length] === '\n' ? 1 : 0));
    return true;
  }

  /**
   * The first value is still open after its first line, that line is more than an opening brace (so
   * not a pretty-printed document) and the next non-blank line starts with '{': this is a JSON-lines
   * file with a broken first line, not one value spread over several lines.
   */
  private brokenFirstLine(): boolean {
    return this.firstNl >= 0 && !this.loneBrace && this.afterNl === 0x7b;
  }

  /** Line number of the end of the input pushed so far. */
  get lineAtEnd(): number {
    return this.line + countNl(this.text);
  }

  /** JSON lines: every complete line is one record; a line over the cap is skipped up to its newline. */
  private feedLines(text: string, final: boolean): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.addPart(text.slice(start, nl));
      this.endLine();
      start = nl + 1;
    }
    this.addPart(start === 0 ? text : text.slice(start));
    if (final) this.endLine();
  }

  private addPart(s: string): void {
    if (!s.length) return;
    if (this.lineSkip >= 0) { this.lineSkip += s.length; return; }
    if (this.lineLen + s.length > this.max) {
      this.lineSkip = this.lineLen + s.length;
      this.lineParts = []; this.lineLen = 0;
      return;
    }
    this.lineParts.push(s);
    this.lineLen += s.length;
  }

  private endLine(): void {
    const line = this.line++;
    if (this.lineSkip >= 0) {
      this.error(line, `line of ${this.lineSkip} characters is longer than ${this.max}; skipped`);
      this.lineSkip = -1;
      return;
    }
    const text = this.lineParts.length === 1 ? this.lineParts[0]! : this.lineParts.join('');
    this.lineParts = []; this.lineLen = 0;
    if (text.trim()) this.emit(text, line);
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
