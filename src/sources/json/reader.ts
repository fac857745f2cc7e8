// Streaming JSON records: JSON lines, one JSON array of records, or JSON documents written one after
// another (the SigmaHQ regression renderings). Memory is bounded by the largest single record.
import { createReadStream } from 'node:fs';

export type JsonItem =
  | { kind: 'record'; value: unknown; line: number }
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
      this.out.push({ kind: 'record', value: JSON.parse(text), line });
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
    const text = b.slice(0, i);
    const endsLine = /^[ \t\r]*(\n|$)/.test(b.slice(i, i + 64)) && !text.includes('\n');
    this.resetScan();
    this.consume(i);
    this.emit(text, startLine);
    // A first record on a line of its own means JSON lines: later records are split by line so
    // one broken line cannot swallow the ones after it.
    if (this.mode === 'unknown') this.mode = endsLine ? 'lines' : 'concat';
    return true;
  }

  private resetScan(): void {
    this.depth = 0; this.inStr = false; this.esc = false; this.scanPos = 0;
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

/** Read every JSON record of a file, as a stream. Invalid UTF-8 stops the file with an error. */
export async function* readJsonRecords(path: string): AsyncGenerator<JsonItem> {
  const splitter = new JsonSplitter();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let s: string;
      try {
        s = decoder.decode(chunk, { stream: true });
      } catch {
        yield { kind: 'error', line: 0, message: `not valid UTF-8 (in the bytes from offset ${offset}); the rest of the file is not read` };
        return;
      }
      offset += chunk.length;
      for (const it of splitter.push(s)) yield it;
    }
    try {
      const tail = decoder.decode();
      if (tail) for (const it of splitter.push(tail)) yield it;
    } catch {
      yield { kind: 'error', line: 0, message: 'not valid UTF-8 at the end of the file' };
    }
    for (const it of splitter.end()) yield it;
    if (splitter.unclosedArray) yield { kind: 'error', line: 0, message: "JSON array is not closed with ']'" };
  } finally {
    stream.destroy();
  }
}
