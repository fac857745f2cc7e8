// Text pushed in pieces -> whole lines with their 1-based numbers, each bounded in length: a line
// longer than the bound is reported once and skipped up to its newline, never held in memory.

export type LineOut = { text: string; line: number } | { tooLong: true; line: number };

export class LineSplitter {
  private buf = '';
  private line = 1;
  private skipping = false;

  constructor(readonly maxChars: number) {}

  /** The whole lines in `text` (with what came before); '\r' before '\n' is dropped. */
  push(text: string, out: LineOut[] = []): LineOut[] {
    let s = this.buf.length ? this.buf + text : text;
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      if (this.skipping) this.skipping = false;
      else if (nl - start > this.maxChars) out.push({ tooLong: true, line: this.line });
      else out.push({ text: s.charCodeAt(nl - 1) === 13 && nl > start ? s.slice(start, nl - 1) : s.slice(start, nl), line: this.line });
      this.line++;
      start = nl + 1;
    }
    s = start ? s.slice(start) : s;
    if (!this.skipping && s.length > this.maxChars) {
      out.push({ tooLong: true, line: this.line });
      this.skipping = true;
    }
    this.buf = this.skipping ? '' : s;
    return out;
  }

  /** The last line when the text does not end in a newline. */
  end(out: LineOut[] = []): LineOut[] {
    if (!this.skipping && this.buf.length) out.push({ text: this.buf.endsWith('\r') ? this.buf.slice(0, -1) : this.buf, line: this.line });
    this.buf = '';
    this.skipping = false;
    return out;
  }

  /** The number of the line being read. */
  get lineAtEnd(): number { return this.line; }
}
