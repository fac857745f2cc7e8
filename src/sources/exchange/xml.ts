// A small DOM parser for the XML files the Exchange readers take (agents.config, fetagents.config,
// Export-Clixml output): elements, attributes, text, CDATA, comments, processing instructions, the
// five predefined entities and numeric character references. A DOCTYPE is refused outright, so no
// entity can be declared and nothing is ever expanded or fetched. Comments and PIs are dropped from
// the tree; adjacent text and CDATA are merged into one string child. Namespace prefixes stay part of
// the names (`xsi:type`), `xmlns` declarations are ordinary attributes.
import { setOwn } from '../../util/own-record.js';
import { firstInvalidUtf8 } from '../../util/utf8.js';
import { decodeXmlRefs } from '../../util/xml-refs.js';

export const MAX_XML_CHARS = 16 * 1024 * 1024;
export const MAX_XML_DEPTH = 64;
/** elements per document: bounds memory well below what 16 MiB of `<a/>` would cost */
export const MAX_XML_ELEMENTS = 500_000;

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** 1-based line of the `<` of the start tag */
  line: number;
  /** 1-based line of each attribute's name (attributes can sit on their own lines) */
  attrLines: Record<string, number>;
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(message);
    this.name = 'XmlError';
  }
}

export interface XmlOptions { maxChars?: number; maxDepth?: number; maxElements?: number }

const NAME = /[A-Za-z_:\u00c0-\ufffd][-A-Za-z0-9_:.\u00b7\u00c0-\ufffd]*/y;
// XML 1.0 Char excludes these; CLIXML escapes them as _xHHHH_, so a raw one means a damaged file.
const BAD_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/;


class Parser {
  private pos = 0;
  private line = 1;
  /** position of the first newline not yet counted */
  private nextNl: number;
  private elements = 0;

  constructor(private readonly s: string, private readonly maxDepth: number, private readonly maxElements: number) {
    const nl = s.indexOf('\n');
    this.nextNl = nl < 0 ? Infinity : nl;
  }

  /** Moves to `to`, counting the newlines passed. */
  private moveTo(to: number): void {
    while (this.nextNl < to) {
      this.line++;
      const nl = this.s.indexOf('\n', this.nextNl + 1);
      this.nextNl = nl < 0 ? Infinity : nl;
    }
    this.pos = to;
  }

  fail(message: string, at = this.pos): never {
    let line = 1, start = 0;
    for (let nl = this.s.indexOf('\n'); nl >= 0 && nl < at; nl = this.s.indexOf('\n', nl + 1)) { line++; start = nl + 1; }
    throw new XmlError(message, line, at - start + 1);
  }

  private startsWith(t: string): boolean { return this.s.startsWith(t, this.pos); }

  private skipWs(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) { const c = s.charCodeAt(p); if (c === 32 || c === 10 || c === 9 || c === 13) p++; else break; }
    this.moveTo(p);
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) this.fail(`expected a name, found ${this.describe()}`);
    this.moveTo(this.pos + m[0].length);
    return m[0];
  }

  private describe(): string {
    if (this.pos >= this.s.length) return 'the end of the input';
    return JSON.stringify(this.s.slice(this.pos, this.pos + 10));
  }

  /** Skips past `end`, failing with `what` when it never comes. */
  private until(end: string, what: string): string {
    const at = this.s.indexOf(end, this.pos);
    if (at < 0) this.fail(`${what} not closed`);
    const body = this.s.slice(this.pos, at);
    this.moveTo(at + end.length);
    return body;
  }

  private decode(raw: string, at: number): string {
    return decodeXmlRefs(raw, (message, index) => this.fail(message, at + index), true);
  }

  /** Comments, PIs and whitespace between top-level constructs. */
  private misc(): void {
    for (;;) {
      this.skipWs();
      if (this.startsWith('<!--')) { this.moveTo(this.pos + 4); this.until('-->', 'comment'); continue; }
      if (this.startsWith('<?')) { this.moveTo(this.pos + 2); this.until('?>', 'processing instruction'); continue; }
      if (this.s.slice(this.pos, this.pos + 9).toUpperCase() === '<!DOCTYPE') {
        this.fail('DOCTYPE declarations are refused (a DTD can declare entities: entity expansion attacks)');
      }
      return;
    }
  }

  document(): XmlElement {
    const bad = BAD_CHAR.exec(this.s);
    if (bad) this.fail(`character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is not allowed in XML`, bad.index);
    this.misc();
    if (this.pos >= this.s.length) this.fail('no root element');
    if (this.s[this.pos] !== '<') this.fail(`text before the root element: ${this.describe()}`);
    const root = this.element();
    this.misc();
    if (this.pos < this.s.length) this.fail(`content after the root element: ${this.describe()}`);
    return root;
  }

  /** An element and its content, iteratively (the depth bound is a limit, not a recursion guard). */
  private element(): XmlElement {
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    const attach = (el: XmlElement): void => { if (stack.length) stack[stack.length - 1]!.children.push(el); else root = el; };
    const open = (): boolean => {
      // at '<' of a start tag
      const at = this.pos;
      const line = this.line;
      this.moveTo(this.pos + 1);
      const name = this.name();
      if (stack.length >= this.maxDepth) this.fail(`elements nested deeper than ${this.maxDepth}`, at);
      if (++this.elements > this.maxElements) this.fail(`more than ${this.maxElements} elements`, at);
      const el: XmlElement = { name, attrs: {}, children: [], line, attrLines: {} };
      for (;;) {
        const before = this.pos;
        this.skipWs();
        if (this.startsWith('/>')) { this.moveTo(this.pos + 2); attach(el); return false; }
        if (this.startsWith('>')) { this.moveTo(this.pos + 1); attach(el); stack.push(el); return true; }
        if (this.pos >= this.s.length) this.fail(`start tag <${name}> not closed`, at);
        if (this.pos === before) this.fail(`expected whitespace, '>' or '/>' in <${name}>, found ${this.describe()}`);
        const aLine = this.line;
        const aAt = this.pos;
        const an = this.name();
        this.skipWs();
        if (this.s[this.pos] !== '=') this.fail(`attribute ${an} has no value`);
        this.moveTo(this.pos + 1);
        this.skipWs();
        const q = this.s[this.pos];
        if (q !== '"' && q !== "'") this.fail(`the value of attribute ${an} is not quoted`);
        const vStart = this.pos + 1;
        const end = this.s.indexOf(q, vStart);
        if (end < 0) this.fail(`the value of attribute ${an} is not closed`);
        const raw = this.s.slice(vStart, end);
        const lt = raw.indexOf('<');
        if (lt >= 0) this.fail(`'<' inside the value of attribute ${an}`, vStart + lt);
        if (Object.hasOwn(el.attrs, an)) this.fail(`attribute ${an} given twice`, aAt);
        // attribute-value normalisation: literal whitespace becomes a space, references stay exact
        setOwn(el.attrs, an, this.decode(raw.replace(/[\t\n\r]/g, ' '), vStart));
        setOwn(el.attrLines, an, aLine);
        this.moveTo(end + 1);
      }
    };
    open();
    const s = this.s;
    let text = '';
    const flush = (): void => { if (text !== '') { stack[stack.length - 1]!.children.push(text); text = ''; } };
    while (stack.length) {
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`element <${stack[stack.length - 1]!.name}> (line ${stack[stack.length - 1]!.line}) not closed`, s.length);
      if (lt > this.pos) {
        const start = this.pos;
        const raw = s.slice(start, lt);
        this.moveTo(lt);
        text += this.decode(raw, start);
      }
      if (s.startsWith('</', lt)) {
        this.moveTo(lt + 2);
        const top = stack[stack.length - 1]!;
        const name = this.name();
        if (name !== top.name) this.fail(`end tag </${name}> does not match <${top.name}> (line ${top.line})`, lt);
        this.skipWs();
        if (s[this.pos] !== '>') this.fail(`end tag </${name}> not closed`);
        this.moveTo(this.pos + 1);
        flush();
        stack.pop();
      } else if (s.startsWith('<!--', lt)) {
        this.moveTo(lt + 4);
        this.until('-->', 'comment');
      } else if (s.startsWith('<![CDATA[', lt)) {
        this.moveTo(lt + 9);
        text += this.until(']]>', 'CDATA section');
      } else if (s.startsWith('<?', lt)) {
        this.moveTo(lt + 2);
        this.until('?>', 'processing instruction');
      } else if (s.startsWith('<!', lt)) {
        if (s.slice(lt, lt + 9).toUpperCase() === '<!DOCTYPE') this.fail('DOCTYPE declarations are refused (a DTD can declare entities: entity expansion attacks)', lt);
        this.fail(`unexpected markup ${this.describe()}`, lt);
      } else {
        flush();
        open();
      }
    }
    return root!;
  }
}

/** Parses a whole XML document; throws XmlError with the 1-based line and column of the problem. */
export function parseXml(text: string, options: XmlOptions = {}): XmlElement {
  const maxChars = options.maxChars ?? MAX_XML_CHARS;
  if (text.length > maxChars) throw new XmlError(`input longer than ${maxChars} characters`, 1, 1);
  // XML end-of-line handling; a lone CR still counts as a line break
  const s = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  return new Parser(s, options.maxDepth ?? MAX_XML_DEPTH, options.maxElements ?? MAX_XML_ELEMENTS).document();
}

/** The first child element called `name`. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.name === name) return c;
  return undefined;
}

/** The child elements, all or those called `name`. */
export function children(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && (name === undefined || c.name === name)) out.push(c);
  return out;
}

/** All the text inside `el` (its descendants' text too), in document order. */
export function textOf(el: XmlElement): string {
  let out = '';
  const stack: XmlNode[] = [el];
  while (stack.length) {
    const n = stack.pop()!;
    if (typeof n === 'string') { out += n; continue; }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return out;
}

/** An attribute's value (own properties only: `attr(el, 'constructor')` is undefined). */
export function attr(el: XmlElement, name: string): string | undefined {
  return Object.hasOwn(el.attrs, name) ? el.attrs[name] : undefined;
}

/**
 * Bytes -> text: UTF-8 with or without BOM, UTF-16LE/BE with BOM (what Windows PowerShell 5's
 * Out-File, `>` and Export-Clixml write), UTF-16 without BOM when the NUL pattern of ASCII text shows
 * it. Bytes that are not UTF-8 are read as Windows-1252, the ANSI code page of `-Encoding Default`.
 */
export function decodeText(bytes: Uint8Array): string {
  const b0 = bytes[0], b1 = bytes[1];
  if (b0 === 0xff && b1 === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes.length >= 4 && b0 !== 0 && b1 === 0 && bytes[2] !== 0 && bytes[3] === 0) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 4 && b0 === 0 && b1 !== 0 && bytes[2] === 0 && bytes[3] !== 0) return new TextDecoder('utf-16be').decode(bytes);
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0 || cutAtEnd(bytes, bad)) return new TextDecoder('utf-8').decode(bytes);
  return new TextDecoder('windows-1252').decode(bytes);
}

/** A multi-byte character cut off by the end of the bytes (a file's first few KB read for sniffing). */
function cutAtEnd(b: Uint8Array, at: number): boolean {
  const lead = b[at]!;
  const need = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  if (need === 0 || at + need < b.length) return false;
  for (let i = at + 1; i < b.length; i++) if ((b[i]! & 0xc0) !== 0x80) return false;
  return true;
}
