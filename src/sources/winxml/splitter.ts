// A small streaming XML tokenizer for rendered Windows event XML (wevtutil qe /f:xml, Get-WinEvent
// ToXml(), Event Viewer "Save as XML", libevtx evtxexport -f xml): a sequence of <Event> elements,
// with or without a root element, an XML declaration, comments and processing instructions.
//
// Each <Event> is fed to the EVTX JsonBuilder (open / attr / text|val / closeStart / close), so the
// records have exactly the evtx-to-JSON shape the binary decoder produces. Text is kept as text except
// the System fields whose type is always an integer (EventID, Version, Level, Task, Opcode,
// EventRecordID, Execution ProcessID/ThreadID). Indentation (whitespace-only text next to child
// elements) is dropped; the whitespace of a leaf element is its value.
//
// Supported: elements, attributes, text, CDATA, comments, PIs, the five predefined entities and numeric
// character references. Not supported, by design: DTDs (a <!DOCTYPE> stops the file: no entity can be
// declared, so no external entity is ever fetched or expanded).
//
// Bounds: element depth (MAX_DEPTH), event size (maxEventChars; also any single token outside an
// event). A malformed or oversized event is reported with the line where it starts and skipped; reading
// resumes at the next `<Event` start tag. A new `<Event` start tag inside an open event is taken as
// the sign that the open one was never closed.
import { JsonBuilder } from '../evtx/json-builder.js';
import type { FieldValue } from '../../events/model.js';
import { decodeXmlRefs } from '../../util/xml-refs.js';

export type WinXmlItem =
  | { kind: 'record'; value: Record<string, FieldValue>; line: number }
  | { kind: 'error'; line: number; message: string };

export const MAX_EVENT_CHARS = 16 * 1024 * 1024;
export const MAX_DEPTH = 64;

export interface SplitterOptions { maxEventChars?: number; maxDepth?: number }

const NAME = /[A-Za-z_:\u00c0-\uffff][-A-Za-z0-9_:.\u00b7\u00c0-\uffff]*/y;
const EVENT_START = /<Event[\s/>]/g;
const NUMERIC_SYSTEM_TEXT = new Set(['EventID', 'Version', 'Level', 'Task', 'Opcode', 'EventRecordID']);
const NUMERIC_EXECUTION_ATTRS = new Set(['ProcessID', 'ThreadID']);
const DIGITS = /^\d+$/;

class XmlError extends Error {
  constructor(message: string, readonly line: number) { super(message); }
}

/** `&...;` references -> text. Throws on an undefined entity or a bad character reference. */
function decodeRefs(s: string, line: number): string {
  return decodeXmlRefs(s, (message) => { throw new XmlError(message, line); }, false);
}

/** XML end-of-line handling: CR LF and lone CR become LF. */
function normEol(s: string): string {
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n');
}

function countNl(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

interface Frame { name: string; pending: string; significant: boolean; hasChild: boolean }

type Mode = 'normal' | 'skipping' | 'stopped';

export class WinXmlSplitter {
  private buf = '';
  private pos = 0; // next unread character of buf
  private line = 1; // line of buf[pos]
  private mode: Mode = 'normal';
  private out: WinXmlItem[] = [];
  private readonly maxChars: number;
  private readonly maxDepth: number;
  // outside events
  private outerDepth = 0;
  private sawElement = false;
  private rootName: string | null = null;
  // the open event
  private inEvent = false;
  private eventStart = 0; // index in buf of its '<'
  private eventLine = 0;
  private stack: Frame[] = [];
  private readonly builder = new JsonBuilder();
  /** events read and events reported as broken, for the end-of-file summary */
  events = 0;
  errors = 0;

  constructor(opts: SplitterOptions = {}) {
    this.maxChars = opts.maxEventChars ?? MAX_EVENT_CHARS;
    this.maxDepth = opts.maxDepth ?? MAX_DEPTH;
  }

  push(chunk: string): WinXmlItem[] {
    if (this.mode === 'stopped') return [];
    this.buf += chunk;
    this.drain(false);
    return this.take();
  }

  end(): WinXmlItem[] {
    if (this.mode !== 'stopped') {
      this.drain(true);
      if (this.inEvent) this.fail(new XmlError('the event is not closed at the end of the file', this.lineAtEnd), false);
      if (this.events === 0 && this.errors === 0 && this.rootName !== 'Events') {
        this.error(1, this.sawElement ? 'no <Event> element in this XML file' : 'no XML element in this file');
      }
    }
    this.buf = '';
    this.pos = 0;
    return this.take();
  }

  /**
   * The input could not be decoded at this point (bad bytes, already dropped by the caller): the open
   * event, if any, is reported and skipped, and reading resumes at the next `<Event`.
   */
  corrupt(message: string, stop = false): void {
    if (this.mode === 'stopped') return;
    const line = this.lineAtEnd;
    const then = stop ? 'the rest of the file is not read' : 'skipped to the next <Event>';
    if (this.inEvent) {
      this.error(this.eventLine, `event starting at line ${this.eventLine}: ${message} at line ${line}; event skipped${stop ? ', ' + then : ''}`);
      this.endEvent();
    } else if (this.mode !== 'skipping' || stop) this.error(line, `${message}; ${then}`);
    this.line = line;
    this.buf = '';
    this.pos = 0;
    this.mode = stop ? 'stopped' : 'skipping';
  }

  /** Line number of the end of the input pushed so far. */
  get lineAtEnd(): number {
    return this.line + countNl(this.buf, this.pos, this.buf.length);
  }

  private take(): WinXmlItem[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  private error(line: number, message: string): void {
    this.errors++;
    this.out.push({ kind: 'error', line, message });
  }

  /** Move the read position to `to`, counting lines. */
  private advance(to: number): void {
    this.line += countNl(this.buf, this.pos, to);
    this.pos = to;
  }

  private endEvent(): void {
    this.inEvent = false;
    this.stack.length = 0;
    this.builder.reset();
  }

  /** Looks for the next `<Event` from `from`; moves there (normal mode) or drops the text (skipping). */
  private resync(from: number): void {
    EVENT_START.lastIndex = from;
    const m = EVENT_START.exec(this.buf);
    if (m) {
      this.advance(m.index);
      this.mode = 'normal';
      return;
    }
    // Keep a tail that could be the start of a split `<Event`.
    const keep = Math.max(from, this.buf.length - 6);
    this.advance(keep);
    this.mode = 'skipping';
  }

  /** Reports the open event (or the token at pos) as broken and resumes at the next `<Event`. */
  private fail(e: XmlError, resume = true): void {
    if (this.inEvent) {
      const where = e.line !== this.eventLine ? ` (line ${e.line})` : '';
      this.error(this.eventLine, `event starting at line ${this.eventLine}: ${e.message}${where}; event skipped`);
      const start = this.eventStart;
      this.line = this.eventLine;
      this.pos = start;
      this.endEvent();
      if (resume) this.resync(start + 1);
    } else {
      this.error(e.line, `${e.message}; skipped to the next <Event>`);
      if (resume) this.resync(this.pos + 1);
    }
  }

  private compact(): void {
    const keepFrom = this.inEvent ? this.eventStart : this.pos;
    if (keepFrom === 0) return;
    this.buf = this.buf.slice(keepFrom);
    this.pos -= keepFrom;
    if (this.inEvent) this.eventStart = 0;
  }

  private drain(final: boolean): void {
    for (;;) {
      this.drainTokens(final);
      if (this.mode === 'stopped') return;
      // Nothing more can be read until more input arrives: bound what is held.
      const held = this.buf.length - (this.inEvent ? this.eventStart : this.pos);
      if (final || held <= this.maxChars) break;
      if (this.inEvent) {
        this.error(this.eventLine, `event starting at line ${this.eventLine} is larger than ${this.maxChars} characters; skipped`);
        this.endEvent();
      } else this.error(this.line, `XML token larger than ${this.maxChars} characters; skipped`);
      // The incomplete token may be an unterminated quote or comment that ran into later events.
      this.resync(this.pos + 1);
    }
    this.compact();
  }

  private drainTokens(final: boolean): void {
    for (;;) {
      if (this.mode === 'stopped') return;
      if (this.mode === 'skipping') {
        this.resync(this.pos);
        if (this.mode === 'skipping') return;
      }
      let r: boolean;
      try {
        r = this.step(final);
      } catch (e) {
        if (!(e instanceof XmlError)) throw e;
        if ((this.mode as Mode) === 'stopped') return;
        this.fail(e);
        continue;
      }
      if (!r) return;
    }
  }

  /** Reads one token at pos. false: more input is needed (or the input is done). */
  private step(final: boolean): boolean {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) return false;
    const line = this.line;
    if (b.charCodeAt(p) !== 0x3c /* < */) {
      let lt = b.indexOf('<', p);
      if (lt < 0) {
        if (!final) return false;
        lt = b.length;
      }
      // Text outside events (between them, in a root element) is not part of any record.
      if (this.inEvent) {
        const raw = b.slice(p, lt);
        this.addText(decodeRefs(normEol(raw), line), raw.indexOf('&') >= 0, line);
      }
      this.advance(lt);
      return true;
    }
    const c1 = b[p + 1];
    if (c1 === undefined) return this.more(final, 'a tag');
    if (c1 === '?') {
      const e = b.indexOf('?>', p + 2);
      if (e < 0) return this.more(final, 'a processing instruction');
      this.advance(e + 2);
      return true;
    }
    if (c1 === '!') {
      if (b.startsWith('<!--', p)) {
        const e = b.indexOf('-->', p + 4);
        if (e < 0) return this.more(final, 'a comment');
        this.advance(e + 3);
        return true;
      }
      if (b.startsWith('<![CDATA[', p)) {
        const e = b.indexOf(']]>', p + 9);
        if (e < 0) return this.more(final, 'a CDATA section');
        if (this.inEvent) this.addText(normEol(b.slice(p + 9, e)), true, line);
        this.advance(e + 3);
        return true;
      }
      if (!final && b.length - p < 9) {
        const head = b.slice(p);
        if ('<!DOCTYPE'.startsWith(head) || '<![CDATA['.startsWith(head) || '<!--'.startsWith(head)) return false;
      }
      if (b.startsWith('<!DOCTYPE', p)) {
        this.error(line, 'the file has a document type declaration (<!DOCTYPE>); DTDs and their entities are not supported, the rest of the file is not read');
        this.mode = 'stopped';
        this.endEvent();
        throw new XmlError('stopped', line);
      }
      throw new XmlError(`unexpected markup '${b.slice(p, p + 9)}'`, line);
    }
    if (c1 === '/') return this.endTag(final, line);
    return this.startTag(final, line);
  }

  private more(final: boolean, what: string): false {
    if (final) throw new XmlError(`${what} is not closed at the end of the file`, this.line);
    return false;
  }

  private endTag(final: boolean, line: number): boolean {
    const b = this.buf;
    const gt = b.indexOf('>', this.pos + 2);
    if (gt < 0) return this.more(final, 'an end tag');
    const m = /^([^\s>]+)\s*$/.exec(b.slice(this.pos + 2, gt));
    if (!m) throw new XmlError('malformed end tag', line);
    const name = m[1]!;
    if (!this.inEvent) {
      if (this.outerDepth > 0) this.outerDepth--;
      this.advance(gt + 1);
      return true;
    }
    const f = this.stack[this.stack.length - 1]!;
    if (f.name !== name) throw new XmlError(`end tag </${name}> where </${f.name}> was expected`, line);
    this.advance(gt + 1);
    this.closeElement();
    return true;
  }

  private startTag(final: boolean, line: number): boolean {
    const b = this.buf;
    let i = this.pos + 1;
    NAME.lastIndex = i;
    const nm = NAME.exec(b);
    if (!nm) {
      if (i >= b.length) return this.more(final, 'a start tag');
      throw new XmlError(`'<' that does not start a tag`, line);
    }
    const name = nm[0];
    i += name.length;
    if (i >= b.length) return this.more(final, 'a start tag');
    // Scan the whole tag first (attributes may not be complete yet).
    const attrs: [string, string][] = [];
    let selfClose = false;
    for (;;) {
      const ws = i;
      while (i < b.length && (b[i] === ' ' || b[i] === '\t' || b[i] === '\n' || b[i] === '\r')) i++;
      if (i >= b.length) return this.more(final, 'a start tag');
      const ch = b[i];
      if (ch === '>') { i++; break; }
      if (ch === '/') {
        if (i + 1 >= b.length) return this.more(final, 'a start tag');
        if (b[i + 1] !== '>') throw new XmlError(`malformed start tag <${name}>`, line);
        selfClose = true;
        i += 2;
        break;
      }
      if (i === ws) throw new XmlError(`malformed start tag <${name}>`, line);
      NAME.lastIndex = i;
      const an = NAME.exec(b);
      if (!an) throw new XmlError(`malformed attribute in <${name}>`, line);
      i += an[0].length;
      while (i < b.length && /\s/.test(b[i]!)) i++;
      if (i >= b.length) return this.more(final, 'a start tag');
      if (b[i] !== '=') throw new XmlError(`attribute ${an[0]} of <${name}> has no value`, line);
      i++;
      while (i < b.length && /\s/.test(b[i]!)) i++;
      if (i >= b.length) return this.more(final, 'a start tag');
      const q = b[i];
      if (q !== '"' && q !== "'") throw new XmlError(`attribute ${an[0]} of <${name}> is not quoted`, line);
      const e = b.indexOf(q, i + 1);
      if (e < 0) return this.more(final, 'an attribute value');
      const raw = b.slice(i + 1, e);
      if (raw.indexOf('<') >= 0) throw new XmlError(`'<' in the value of attribute ${an[0]} of <${name}>`, line);
      if (attrs.some((a) => a[0] === an[0])) throw new XmlError(`attribute ${an[0]} repeated in <${name}>`, line);
      // Attribute-value normalisation: literal tab/CR/LF become spaces (CR LF is one line end).
      attrs.push([an[0], decodeRefs(raw.replace(/\r\n|[\t\n\r]/g, ' '), line)]);
      i = e + 1;
    }
    this.sawElement = true;
    const isEvent = name === 'Event';
    if (!this.inEvent) {
      if (!isEvent) {
        if (this.rootName === null && this.outerDepth === 0) this.rootName = name;
        if (!selfClose && ++this.outerDepth > this.maxDepth) throw new XmlError(`elements nested deeper than ${this.maxDepth}`, line);
        this.advance(i);
        return true;
      }
      this.inEvent = true;
      this.eventStart = this.pos;
      this.eventLine = line;
      this.builder.reset();
    } else {
      if (isEvent) throw new XmlError('the event is not closed before the next <Event>', line);
      if (this.stack.length >= this.maxDepth) throw new XmlError(`elements nested deeper than ${this.maxDepth}`, line);
      const parent = this.stack[this.stack.length - 1]!;
      this.flushPending(parent, true);
      parent.hasChild = true;
    }
    this.stack.push({ name, pending: '', significant: false, hasChild: false });
    const b2 = this.builder;
    b2.open(name);
    const numericAttrs = name === 'Execution' && this.stack.length === 3 && this.stack[1]!.name === 'System';
    for (const [an, av] of attrs) {
      b2.attr(an);
      if (numericAttrs && NUMERIC_EXECUTION_ATTRS.has(an) && DIGITS.test(av) && Number.isSafeInteger(Number(av))) b2.val(Number(av), true, false);
      else b2.text(av);
    }
    b2.closeStart();
    this.advance(i);
    if (selfClose) this.closeElement();
    return true;
  }

  private addText(s: string, significant: boolean, line: number): void {
    const f = this.stack[this.stack.length - 1];
    if (!f) return;
    if (f.pending.length + s.length > this.maxChars) throw new XmlError(`text larger than ${this.maxChars} characters`, line);
    f.pending += s;
    if (significant) f.significant = true;
  }

  /** Hands the text collected so far to the builder, dropping indentation next to child elements. */
  private flushPending(f: Frame, beforeChild: boolean): void {
    const t = f.pending;
    if (t.length === 0 && !f.significant) return;
    f.pending = '';
    const sig = f.significant;
    f.significant = false;
    if (!sig && (beforeChild || f.hasChild) && !/\S/.test(t)) return;
    if (!beforeChild && !f.hasChild && this.isNumericSystemText(f) && DIGITS.test(t) && Number.isSafeInteger(Number(t))) {
      this.builder.val(Number(t), true, false);
      return;
    }
    this.builder.text(t);
  }

  private isNumericSystemText(f: Frame): boolean {
    return this.stack.length === 3 && this.stack[1]!.name === 'System' && NUMERIC_SYSTEM_TEXT.has(f.name);
  }

  private closeElement(): void {
    const f = this.stack[this.stack.length - 1]!;
    this.flushPending(f, false);
    this.stack.pop();
    this.builder.close();
    if (this.stack.length > 0) return;
    const v = this.builder.result();
    const line = this.eventLine;
    this.endEvent();
    if (v) {
      this.events++;
      this.out.push({ kind: 'record', value: v, line });
    }
  }
}
