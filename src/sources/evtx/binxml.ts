// The BinXML token stream: parsing (records, template definitions, nested fragments) and the walk
// that instantiates templates and drives the output builders.
//
// Token bytes (bit 0x40 = "more data follows" on element starts, values, attributes, references):
//   0x00 end of fragment        0x01/0x41 open start element   0x02 close start tag
//   0x03 close empty element    0x04 end element               0x05/0x45 value text
//   0x06/0x46 attribute         0x07/0x47 CDATA                0x08/0x48 character reference
//   0x09/0x49 entity reference  0x0a PI target                 0x0b PI data
//   0x0c template instance      0x0d substitution              0x0e optional substitution
//   0x0f fragment header (major, minor, flags)
//
// All positions are offsets inside the 64 KiB chunk. Names are structures in the chunk
// (next offset u32, hash u16, character count u16, UTF-16 characters, NUL); a name offset equal to
// the position right after the offset field means the structure follows inline. Template
// definitions (next offset u32, GUID, data size u32, BinXML) are read by offset when an instance
// refers to them, parsed once per chunk into a small tree, and instantiated for every record with
// that record's substitution values. Names are also cached per chunk by offset. The chunk
// header's string and template tables are not trusted (a corrupted table entry must not matter).
//
// Semantics (as Windows renders events; libevtx agrees on all of them):
//  - dependency identifier: a template element whose dependency identifier (the u16 after the
//    element-start token; 0xffff = none) names a substitution whose value is null is left out
//    (e.g. <Binary> when there is no binary data). evtx-rs ignores it and writes "Binary": null.
//    Not applied to a record's root element.
//  - template-less records and nested fragments may omit the dependency identifier field
//    (MSExchange_Management_wec.evtx); which layout is present is decided by which one yields a
//    valid name offset (inline, or a name defined earlier in the chunk).
//  - optional substitutions (0x0e) whose value is null/empty produce nothing; an attribute whose
//    value then produces nothing is left out (the element stays).
//  - array values repeat the element that contains them directly, once per item (MS-EVEN6
//    "array types"): <Data>{string array}</Data> becomes one <Data> per string.
//  - BinXml (0x21) values are nested fragments, rendered in place.
//  - records are 8-byte aligned and the padding after the BinXML is uninitialised memory; fewer
//    than 8 bytes left after a complete top-level item are ignored.
//
// Robustness: every offset/size is checked against the stream end or the chunk end before use;
// element nesting, nested-fragment depth, the work per record and per chunk (tokens parsed +
// nodes emitted) and the text emitted are bounded. Violations throw BinXmlError, which the chunk
// decoder reports per record with the absolute offset.
import { JsonBuilder } from './json-builder.js';
import { XmlBuilder } from './xml-builder.js';
import type { FieldValue } from '../../events/model.js';
import {
  VT_ANSI, VT_ARRAY, VT_BINXML, VT_EVTXML, VT_NULL, VT_STRING,
  arrayItems, fixedWidth, trimEndWhitespace, isEmptyValue, isNumericType, rdU16, rdU32, utf16Text, valueJson, valueXml,
} from './values.js';

export const K_ELEMENT = 1;
export const K_TEXT = 2;
export const K_VALUE = 3;
export const K_SUBST = 4;
export const K_CHARREF = 5;
export const K_ENTITY = 6;
export const K_CDATA = 7;
export const K_PI = 8;
export const K_INSTANCE = 9;

/** Limits. */
export const MAX_ELEMENT_DEPTH = 64; // element nesting inside one fragment
export const MAX_NESTING = 8; // BinXML fragments nested through BinXml (0x21) substitution values
export const MAX_TOTAL_DEPTH = 160; // element nesting across nested fragments (bounds the walk's recursion)
export const WORK_BUDGET = 400_000; // tokens parsed + nodes emitted per record
export const CHUNK_WORK_BUDGET = 8_000_000; // the same, summed over a chunk's records
export const TEXT_BUDGET = 4_000_000; // characters of text/values emitted per record
export const CHUNK_TEXT_BUDGET = 64_000_000; // the same, per chunk

const CHUNK_HEADER_SIZE = 512;

export class BinXmlError extends Error {
  /** chunk-relative offset where the problem was found */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'BinXmlError';
    this.offset = offset;
  }
}

export class BxAttr {
  constructor(
    readonly name: string,
    readonly parts: BxNode[],
  ) {}
}

/** One node of a parsed fragment. A single class (one hidden class) keeps the walk monomorphic. */
export class BxNode {
  kind: number;
  /** element / entity / PI target name */
  name = '';
  /** text, CDATA, PI data */
  text = '';
  /** substitution index, character code, or (K_VALUE) offset of the value bytes */
  index = 0;
  /** K_VALUE: size of the value bytes */
  size = 0;
  /** value type (K_SUBST, K_VALUE) */
  vtype = 0;
  optional = false;
  /** element: dependency identifier (substitution index the element depends on), -1 for none */
  dep = -1;
  /** element: substitution indices used directly in its content or attributes (array expansion candidates) */
  slots: number[] | null = null;
  attrs: BxAttr[] | null = null;
  children: BxNode[] | null = null;
  inst: Instance | null = null;
  constructor(kind: number) {
    this.kind = kind;
  }
}

export class Template {
  nodes: BxNode[] = [];
  error: string | null = null;
  constructor(readonly offset: number) {}
}

/** A template instance of one record: the template and the substitution value table. */
export class Instance {
  tpl: Template | null = null;
  n = 0;
  types: Uint8Array;
  offs: Int32Array;
  sizes: Uint16Array;
  constructor(capacity = 32) {
    this.types = new Uint8Array(capacity);
    this.offs = new Int32Array(capacity);
    this.sizes = new Uint16Array(capacity);
  }
  reset(tpl: Template, n: number): void {
    this.tpl = tpl;
    this.n = n;
    if (n > this.types.length) {
      const cap = Math.max(n, this.types.length * 2);
      this.types = new Uint8Array(cap);
      this.offs = new Int32Array(cap);
      this.sizes = new Uint16Array(cap);
    }
  }
}

const MORE_FLAG_OK: boolean[] = [];
for (let i = 0; i < 16; i++) MORE_FLAG_OK.push(i === 1 || i === 5 || i === 6 || i === 7 || i === 8 || i === 9);

function entityText(name: string): string {
  switch (name) {
    case 'amp': return '&';
    case 'lt': return '<';
    case 'gt': return '>';
    case 'quot': return '"';
    case 'apos': return "'";
    default: return '&' + name + ';';
  }
}

/**
 * Returns the internalized copy of a string. Names become object keys for every record; keyed
 * stores with internalized keys skip V8's string-table lookup.
 */
const interned = new Map<string, string>();
export function internalize(str: string): string {
  let v = interned.get(str);
  if (v !== undefined) return v;
  const o: Record<string, number> = {};
  o[str] = 0;
  v = str;
  for (const k in o) v = k;
  if (interned.size >= 20000) interned.clear(); // bounded: names come from untrusted files
  interned.set(str, v);
  return v;
}

/** Puts a content node into the attribute being read, the open element, or the top level. */
function addNode(node: BxNode, cur: BxNode | null, curAttr: BxAttr | null, stack: BxNode[], roots: BxNode[], at: number): void {
  if (cur !== null) {
    if (curAttr === null) throw new BinXmlError('content inside a start tag before any attribute', at);
    curAttr.parts.push(node);
  } else if (stack.length > 0) stack[stack.length - 1]!.children!.push(node);
  else roots.push(node);
}

function collectAttrSlots(el: BxNode): void {
  const attrs = el.attrs!;
  for (let a = 0; a < attrs.length; a++) {
    const parts = attrs[a]!.parts;
    for (let i = 0; i < parts.length; i++) if (parts[i]!.kind === K_SUBST) addSlot(el, parts[i]!.index);
  }
}

function addSlot(el: BxNode, idx: number): void {
  if (el.slots === null) el.slots = [idx];
  else if (el.slots.indexOf(idx) < 0) el.slots.push(idx);
}

function attachElement(el: BxNode, stack: BxNode[], roots: BxNode[]): void {
  if (stack.length > 0) stack[stack.length - 1]!.children!.push(el);
  else roots.push(el);
}

// Builders and instance tables are reused across chunks: a record is decoded synchronously from
// start to end, so no two decodes ever use them at the same time.
const SHARED_POOL: Instance[] = [];
const SHARED_JSON = new JsonBuilder();
const SHARED_XML = new XmlBuilder();

export interface DecodedRecord {
  event: { [k: string]: FieldValue };
  xml?: string;
  /** more than one root element (only the first is in `event`) */
  extraRoots: number;
}

/** Decodes the records of one chunk. Holds the per-chunk name and template caches. */
export class ChunkBinXml {
  readonly buf: Buffer;
  readonly len: number;
  private names = new Map<number, string>();
  private templates = new Map<number, Template>();
  private budget = 0;
  private chars = 0;
  private chunkBudget = CHUNK_WORK_BUDGET;
  private chunkChars = CHUNK_TEXT_BUDGET;
  private pos = 0;
  private nm = '';
  private depth = 0;
  // Array expansion: while an element is repeated for one array item, substitution ovIdx of
  // instance ovInst stands for that item (type ovType at [ovOff, ovOff+ovSize)).
  private ovInst: Instance | null = null;
  private ovIdx = -1;
  private ovType = 0;
  private ovOff = 0;
  private ovSize = 0;
  private readonly j = SHARED_JSON;
  private readonly x: XmlBuilder | null;

  private readonly trim: boolean;
  /** reusable instances for the fast path, one per nesting level (shared: decoding is synchronous) */
  private readonly pool: Instance[] = SHARED_POOL;

  constructor(chunk: Uint8Array, xml = false, trimStrings = false) {
    this.buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.len = this.buf.length;
    this.x = xml ? SHARED_XML : null;
    this.trim = trimStrings;
  }

  /** Decodes the BinXML of one record, stored at chunk offsets [start, end). Throws BinXmlError. */
  decodeRecord(start: number, end: number): DecodedRecord {
    if (start < 0 || end > this.len || start >= end) throw new BinXmlError('record BinXML out of chunk bounds', start);
    if (this.chunkBudget <= 0 || this.chunkChars <= 0) throw new BinXmlError('chunk work budget exhausted by earlier records', start);
    this.budget = Math.min(WORK_BUDGET, this.chunkBudget);
    this.chars = Math.min(TEXT_BUDGET, this.chunkChars);
    this.depth = 0;
    this.ovInst = null;
    try {
      return this.decodeRecordInner(start, end);
    } finally {
      this.chunkBudget -= Math.min(WORK_BUDGET, this.chunkBudget) - this.budget;
      this.chunkChars -= Math.min(TEXT_BUDGET, this.chunkChars) - this.chars;
    }
  }

  private decodeRecordInner(start: number, end: number): DecodedRecord {
    this.j.reset();
    if (this.x) this.x.reset();
    const inst = this.fastInstance(start, end, 0);
    if (inst !== null) this.emitNodes(inst.tpl!.nodes, inst, 0, false);
    else {
      const nodes = this.parseTokens(start, end, false, 0);
      this.emitNodes(nodes, null, 0, false);
    }
    const event = this.j.result();
    if (event === null) throw new BinXmlError('record holds no element', start);
    const out: DecodedRecord = { event, extraRoots: this.j.roots - 1 };
    if (this.x) out.xml = this.x.result();
    return out;
  }

  /** Parsed template definition at a chunk offset (cached); throws when it cannot be parsed. `at`: where it is referenced. */
  template(defOff: number, at = defOff): Template {
    let t = this.templates.get(defOff);
    if (t === undefined) {
      t = new Template(defOff);
      this.templates.set(defOff, t);
      try {
        if (defOff < CHUNK_HEADER_SIZE || defOff + 24 > this.len) throw new BinXmlError(`template definition offset ${defOff} outside the chunk`, defOff);
        const size = rdU32(this.buf, defOff + 20);
        const start = defOff + 24;
        if (size > this.len - start) throw new BinXmlError(`template definition at ${defOff} runs past the chunk end (size ${size})`, defOff);
        t.nodes = this.parseTokens(start, start + size, true, 0);
      } catch (e) {
        t.error = e instanceof Error ? e.message : String(e);
      }
    }
    if (t.error !== null) throw new BinXmlError(t.error, at);
    return t;
  }

  /** Name structure at a chunk offset (cached). `at`: where it is referenced. */
  nameAt(off: number, at = off): string {
    const c = this.names.get(off);
    if (c !== undefined) return c;
    if (off < 0 || off + 8 > this.len) throw new BinXmlError(`name offset ${off} outside the chunk`, at);
    const count = rdU16(this.buf, off + 6);
    if (off + 8 + count * 2 > this.len) throw new BinXmlError(`name at ${off} runs past the chunk end`, at);
    const s = internalize(utf16Text(this.buf, off + 8, count * 2));
    this.names.set(off, s);
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // parsing

  /** Reads a name-offset field at q (with its inline name when present); sets this.nm, returns the position after it. */
  private nameField(q: number, end: number): number {
    if (q + 4 > end) throw new BinXmlError('truncated name reference', q);
    const off = rdU32(this.buf, q);
    this.nm = this.nameAt(off, q);
    if (off === q + 4) {
      const after = off + 10 + rdU16(this.buf, off + 6) * 2;
      if (after > end) throw new BinXmlError('inline name runs past the fragment end', q);
      return after;
    }
    return q + 4;
  }

  /** Does a name-offset field at q look valid (an inline name, or a name defined earlier in the chunk)? */
  private plausibleName(q: number, tokenPos: number, end: number): boolean {
    if (q + 4 > end) return false;
    const b = this.buf;
    const off = rdU32(b, q);
    if (off === q + 4) return off + 10 <= end && off + 10 + rdU16(b, off + 6) * 2 <= end;
    return off >= CHUNK_HEADER_SIZE && off < tokenPos && off + 8 <= this.len && off + 8 + rdU16(b, off + 6) * 2 <= this.len;
  }

  private utf16Counted(p: number, end: number): string {
    if (p + 2 > end) throw new BinXmlError('truncated string', p);
    const n = rdU16(this.buf, p);
    const e = p + 2 + n * 2;
    if (e > end) throw new BinXmlError('string runs past the fragment end', p);
    this.pos = e;
    return n === 0 ? '' : utf16Text(this.buf, p + 2, n * 2);
  }

  /**
   * Parses the tokens in [p, end) into nodes. `inTemplate`: substitutions allowed, template
   * instances not. Stops at the end-of-fragment token (continuing when another fragment header
   * follows) or at `end`. Leaves this.pos after the last token read.
   */
  private parseTokens(p: number, end: number, inTemplate: boolean, nest: number): BxNode[] {
    const b = this.buf;
    const roots: BxNode[] = [];
    const stack: BxNode[] = [];
    let cur: BxNode | null = null; // element whose start tag is being read
    let curAttr: BxAttr | null = null;
    let lastPi: BxNode | null = null;
    let sawToken = false;

    while (p < end) {
      if (--this.budget < 0) throw new BinXmlError('work budget exceeded', p);
      // Records are 8-byte aligned and the alignment padding after the BinXML is not initialised
      // (it often holds the first bytes of an earlier record, e.g. "0f 01 01 00 0c"): once a
      // record's top level holds a complete item, fewer than 8 remaining bytes are padding.
      if (nest === 0 && !inTemplate && cur === null && stack.length === 0 && roots.length > 0 && end - p < 8) break;
      const tok = b[p]!;
      let base = tok;
      if (tok & 0x40) {
        base = tok & 0xbf;
        if (base > 15 || !MORE_FLAG_OK[base]) throw new BinXmlError(`invalid token 0x${tok.toString(16)}`, p);
      }
      switch (base) {
        case 0x00: {
          p++;
          if (cur === null && stack.length === 0 && p < end && b[p] === 0x0f) break; // another fragment follows
          if (cur !== null || stack.length > 0) throw new BinXmlError('end of fragment inside an open element', p - 1);
          this.pos = p;
          return roots;
        }
        case 0x0f:
          if (p + 4 > end) throw new BinXmlError('truncated fragment header', p);
          p += 4;
          break;
        case 0x01: {
          if (cur !== null) throw new BinXmlError('element start inside a start tag', p);
          if (stack.length >= MAX_ELEMENT_DEPTH) throw new BinXmlError('elements nested too deeply', p);
          // The dependency identifier (u16) after the token is absent in some template-less
          // records and nested fragments: decide by which layout has a valid name offset.
          let q: number;
          let dep = -1;
          if (this.plausibleName(p + 7, p, end)) q = p + 3;
          else if (this.plausibleName(p + 5, p, end)) q = p + 1;
          else q = p + 3;
          if (q === p + 3) {
            dep = rdU16(b, p + 1);
            if (dep === 0xffff) dep = -1;
          }
          p = this.nameField(q + 4, end);
          if (tok & 0x40) {
            p += 4; // attribute list size
            if (p > end) throw new BinXmlError('truncated element start', p);
          }
          const el = new BxNode(K_ELEMENT);
          el.name = this.nm;
          if (inTemplate) el.dep = dep;
          el.attrs = [];
          el.children = [];
          cur = el;
          curAttr = null;
          break;
        }
        case 0x02:
          if (cur === null) throw new BinXmlError('close-start token outside a start tag', p);
          if (inTemplate) collectAttrSlots(cur);
          attachElement(cur, stack, roots);
          stack.push(cur);
          cur = null;
          curAttr = null;
          p++;
          break;
        case 0x03:
          if (cur === null) throw new BinXmlError('close-empty token outside a start tag', p);
          if (inTemplate) collectAttrSlots(cur);
          attachElement(cur, stack, roots);
          cur = null;
          curAttr = null;
          p++;
          break;
        case 0x04:
          if (cur !== null || stack.length === 0) throw new BinXmlError('unbalanced end-element token', p);
          stack.pop();
          p++;
          break;
        case 0x05: {
          if (p + 2 > end) throw new BinXmlError('truncated value', p);
          const vt = b[p + 1]!;
          if (vt === VT_STRING) {
            const node = new BxNode(K_TEXT);
            const t = this.utf16Counted(p + 2, end);
            // Template texts are often attribute values used as keys (Data Name="..."): internalize short ones.
            node.text = inTemplate && t.length <= 64 ? internalize(t) : t;
            p = this.pos;
            addNode(node, cur, curAttr, stack, roots, p);
          } else {
            const w = fixedWidth(vt);
            if (w === 0) throw new BinXmlError(`unsupported value type 0x${vt.toString(16)} in value token`, p);
            if (p + 2 + w > end) throw new BinXmlError('truncated value', p);
            const node = new BxNode(K_VALUE);
            node.vtype = vt;
            node.index = p + 2;
            node.size = w;
            addNode(node, cur, curAttr, stack, roots, p);
            p += 2 + w;
          }
          break;
        }
        case 0x06: {
          if (cur === null) throw new BinXmlError('attribute outside a start tag', p);
          p = this.nameField(p + 1, end);
          curAttr = new BxAttr(this.nm, []);
          cur.attrs!.push(curAttr);
          break;
        }
        case 0x07: {
          const node = new BxNode(K_CDATA);
          node.text = this.utf16Counted(p + 1, end);
          addNode(node, cur, curAttr, stack, roots, p);
          p = this.pos;
          break;
        }
        case 0x08: {
          if (p + 3 > end) throw new BinXmlError('truncated character reference', p);
          const node = new BxNode(K_CHARREF);
          node.index = rdU16(b, p + 1);
          addNode(node, cur, curAttr, stack, roots, p);
          p += 3;
          break;
        }
        case 0x09: {
          const at = p;
          p = this.nameField(p + 1, end);
          const node = new BxNode(K_ENTITY);
          node.name = this.nm;
          addNode(node, cur, curAttr, stack, roots, at);
          break;
        }
        case 0x0a: {
          const at = p;
          p = this.nameField(p + 1, end);
          const node = new BxNode(K_PI);
          node.name = this.nm;
          lastPi = node;
          addNode(node, cur, curAttr, stack, roots, at);
          break;
        }
        case 0x0b: {
          const s = this.utf16Counted(p + 1, end);
          if (lastPi !== null) lastPi.text = s;
          else {
            const node = new BxNode(K_PI);
            node.text = s;
            addNode(node, cur, curAttr, stack, roots, p);
          }
          lastPi = null;
          p = this.pos;
          break;
        }
        case 0x0c: {
          if (inTemplate) throw new BinXmlError('template instance inside a template definition', p);
          if (cur !== null) throw new BinXmlError('template instance inside a start tag', p);
          const node = new BxNode(K_INSTANCE);
          node.inst = this.parseInstance(p, end, new Instance(8));
          addNode(node, cur, curAttr, stack, roots, p);
          p = this.pos;
          break;
        }
        case 0x0d:
        case 0x0e: {
          if (!inTemplate) throw new BinXmlError('substitution outside a template definition', p);
          if (p + 4 > end) throw new BinXmlError('truncated substitution', p);
          const node = new BxNode(K_SUBST);
          node.index = rdU16(b, p + 1);
          node.vtype = b[p + 3]!;
          node.optional = base === 0x0e;
          addNode(node, cur, curAttr, stack, roots, p);
          if (cur === null && stack.length > 0) addSlot(stack[stack.length - 1]!, node.index);
          p += 4;
          break;
        }
        default:
          throw new BinXmlError(`invalid token 0x${tok.toString(16)}`, p);
      }
      sawToken = true;
    }
    this.pos = p;
    if (cur !== null || stack.length > 0) throw new BinXmlError('fragment ends inside an open element', p);
    if (!sawToken) throw new BinXmlError('empty fragment', p);
    return roots;
  }

  /**
   * Template instance token at p: template reference (inline definition skipped), value
   * descriptors, values. Fills `inst`; leaves this.pos after the values.
   */
  private parseInstance(p: number, end: number, inst: Instance): Instance {
    const b = this.buf;
    if (p + 10 > end) throw new BinXmlError('truncated template instance', p);
    const defOff = rdU32(b, p + 6);
    let q = p + 10;
    if (defOff === q) {
      if (q + 24 > end) throw new BinXmlError('truncated inline template definition', q);
      const size = rdU32(b, q + 20);
      if (size > end - q - 24) throw new BinXmlError('inline template definition runs past the record end', q);
      q += 24 + size;
    }
    const tpl = this.template(defOff, p);
    if (q + 4 > end) throw new BinXmlError('truncated substitution array', q);
    const n = rdU32(b, q);
    q += 4;
    if (n > (end - q) >>> 2) throw new BinXmlError(`substitution count ${n} exceeds the record`, q - 4);
    inst.reset(tpl, n);
    const types = inst.types;
    const offs = inst.offs;
    const sizes = inst.sizes;
    let v = q + 4 * n;
    for (let i = 0; i < n; i++) {
      const d = q + 4 * i;
      const size = b[d]! | (b[d + 1]! << 8);
      types[i] = b[d + 2]!;
      offs[i] = v;
      sizes[i] = size;
      v += size;
    }
    if (v > end) throw new BinXmlError('substitution values run past the record end', q);
    this.budget -= n;
    this.pos = v;
    return inst;
  }

  /**
   * The common shape of a record or nested fragment: fragment header, one template instance and
   * an optional end-of-fragment token (then padding). Returns the filled instance (from the
   * per-nesting-level pool), or null when the stream has another shape.
   */
  private fastInstance(start: number, end: number, nest: number): Instance | null {
    const b = this.buf;
    if (end - start < 18 || b[start] !== 0x0f || b[start + 4] !== 0x0c) return null;
    let inst = this.pool[nest];
    if (inst === undefined) {
      inst = new Instance();
      this.pool[nest] = inst;
    }
    this.parseInstance(start + 4, end, inst);
    let p = this.pos;
    if (p < end && b[p] === 0x00) {
      p++;
      if (p < end && b[p] === 0x0f && nest === 0 && end - p >= 8) return null; // another fragment follows
      return inst;
    }
    if (p === end || (nest === 0 && end - p < 8)) return inst;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // walk

  private emitNodes(nodes: BxNode[], inst: Instance | null, nest: number, inAttr: boolean): void {
    const j = this.j;
    const x = this.x;
    for (let i = 0; i < nodes.length; i++) {
      const nd = nodes[i]!;
      if (--this.budget < 0) throw new BinXmlError('work budget exceeded', 0);
      switch (nd.kind) {
        case K_ELEMENT:
          if (inAttr) break;
          if (this.ovInst !== null) {
            const saved = this.ovInst;
            this.ovInst = null;
            this.emitElement(nd, inst, nest);
            this.ovInst = saved;
          } else this.emitElement(nd, inst, nest);
          break;
        case K_TEXT:
          if ((this.chars -= nd.text.length) < 0) throw new BinXmlError('text budget exceeded', 0);
          j.text(nd.text);
          if (x) x.text(nd.text);
          break;
        case K_SUBST:
          this.emitSubst(nd, inst, nest, inAttr);
          break;
        case K_VALUE:
          this.emitValue(nd.vtype, nd.index, nd.size);
          break;
        case K_CHARREF:
          j.ref(String.fromCharCode(nd.index));
          if (x) x.charRef(nd.index);
          break;
        case K_ENTITY:
          j.ref(entityText(nd.name));
          if (x) x.entity(nd.name);
          break;
        case K_CDATA:
          if ((this.chars -= nd.text.length) < 0) throw new BinXmlError('text budget exceeded', 0);
          j.text(nd.text);
          if (x) x.cdata(nd.text);
          break;
        case K_PI:
          if (x && !inAttr) x.pi(nd.name, nd.text);
          break;
        case K_INSTANCE:
          if (!inAttr) this.emitNodes(nd.inst!.tpl!.nodes, nd.inst, nest, false);
          break;
      }
    }
  }

  /**
   * Emits a template element. Windows semantics (libevtx does the same): an element whose
   * dependency identifier names a substitution whose value is null is left out entirely; an element whose direct content or
   * attributes hold an array substitution with two or more items is repeated once per item.
   */
  private emitElement(el: BxNode, inst: Instance | null, nest: number): void {
    if (inst !== null) {
      const dep = el.dep;
      // (Not for the record's root element: a partly written record whose root depends on a
      // zeroed value still has its System block; evtx-rs keeps such records too.)
      if (dep >= 0 && dep < inst.n && this.depth > 0 && this.depMissing(inst, dep)) return;
      const ai = this.findArray(el, inst);
      if (ai >= 0) {
        this.emitExpanded(el, inst, nest, ai);
        return;
      }
    }
    this.emitElementOnce(el, inst, nest);
  }

  private depMissing(inst: Instance, i: number): boolean {
    return inst.types[i] === VT_NULL;
  }

  /** Substitution index of the first array value with 2+ items in the element's direct content or attributes, else -1. */
  private findArray(el: BxNode, inst: Instance): number {
    const slots = el.slots;
    if (slots === null) return -1;
    const types = inst.types;
    for (let i = 0; i < slots.length; i++) {
      const idx = slots[i]!;
      if (idx < inst.n && (types[idx]! & VT_ARRAY) !== 0 && this.arrayCount(inst, idx) >= 2) return idx;
    }
    return -1;
  }

  private arrayCount(inst: Instance, i: number): number {
    const items = arrayItems(this.buf, inst.types[i]! & 0x7f, inst.offs[i]!, inst.sizes[i]!);
    return items === null ? 0 : items.length >> 1;
  }

  private emitExpanded(el: BxNode, inst: Instance, nest: number, ai: number): void {
    const base = inst.types[ai]! & 0x7f;
    const items = arrayItems(this.buf, base, inst.offs[ai]!, inst.sizes[ai]!)!;
    const saved = [this.ovInst, this.ovIdx, this.ovType, this.ovOff, this.ovSize] as const;
    for (let k = 0; k < items.length; k += 2) {
      this.ovInst = inst;
      this.ovIdx = ai;
      this.ovType = base;
      this.ovOff = items[k]!;
      this.ovSize = items[k + 1]!;
      this.emitElementOnce(el, inst, nest);
    }
    [this.ovInst, this.ovIdx, this.ovType, this.ovOff, this.ovSize] = saved;
  }

  private emitElementOnce(el: BxNode, inst: Instance | null, nest: number): void {
    if (++this.depth > MAX_TOTAL_DEPTH) throw new BinXmlError('elements nested too deeply', 0);
    const j = this.j;
    const x = this.x;
    j.open(el.name);
    if (x) x.open(el.name);
    const attrs = el.attrs!;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (!this.attrPresent(a, inst)) continue;
      j.attr(a.name);
      if (x) x.attr(a.name);
      this.emitNodes(a.parts, inst, nest, true);
    }
    j.closeStart();
    if (x) x.closeStart();
    const ch = el.children!;
    if (ch.length) this.emitNodes(ch, inst, nest, false);
    j.close();
    if (x) x.close();
    this.depth--;
  }

  /** An attribute is left out when its value produces nothing (e.g. an empty optional substitution). */
  private attrPresent(a: BxAttr, inst: Instance | null): boolean {
    const parts = a.parts;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.kind !== K_SUBST) {
        if (p.kind === K_ELEMENT || p.kind === K_INSTANCE || p.kind === K_PI) continue;
        return true;
      }
      if (inst === null || p.index >= inst.n) continue;
      if (this.ovInst === inst && p.index === this.ovIdx) {
        if (isEmptyValue(this.buf, this.ovType, this.ovOff, this.ovSize)) continue;
        return true;
      }
      const t = inst.types[p.index]!;
      if (t === VT_BINXML || t === VT_EVTXML) continue;
      if (p.optional && isEmptyValue(this.buf, t, inst.offs[p.index]!, inst.sizes[p.index]!)) continue;
      return true;
    }
    return false;
  }

  private emitSubst(nd: BxNode, inst: Instance | null, nest: number, inAttr: boolean): void {
    if (inst === null) return;
    const i = nd.index;
    if (i >= inst.n) return;
    if (this.ovInst === inst && i === this.ovIdx) {
      // one item of an expanded array; an empty string item leaves the element empty
      if (isEmptyValue(this.buf, this.ovType, this.ovOff, this.ovSize)) return;
      this.emitValue(this.ovType, this.ovOff, this.ovSize);
      return;
    }
    const t = inst.types[i]!;
    const off = inst.offs[i]!;
    const size = inst.sizes[i]!;
    if (nd.optional && isEmptyValue(this.buf, t, off, size)) return;
    if (this.trim && t === VT_STRING) {
      if ((this.chars -= size) < 0) throw new BinXmlError('text budget exceeded', off);
      const s = trimEndWhitespace(utf16Text(this.buf, off, size));
      if (nd.optional && s.length === 0) return;
      this.j.text(s);
      if (this.x) this.x.text(s);
      return;
    }
    if (t === VT_BINXML || t === VT_EVTXML) {
      if (inAttr || size === 0) return;
      if (nest + 1 > MAX_NESTING) throw new BinXmlError('BinXML values nested too deeply', off);
      const inner = this.fastInstance(off, off + size, nest + 1);
      if (inner !== null) this.emitNodes(inner.tpl!.nodes, inner, nest + 1, false);
      else this.emitNodes(this.parseTokens(off, off + size, false, nest + 1), null, nest + 1, false);
      return;
    }
    this.emitValue(t, off, size);
  }

  private emitValue(t: number, off: number, size: number): void {
    const b = this.buf;
    // Text grows with the value size (hex doubles binary); charge before decoding.
    if ((this.chars -= size * 2 + 8) < 0) throw new BinXmlError('text budget exceeded', off);
    if (t === VT_STRING || t === VT_ANSI) {
      const s = valueJson(b, t, off, size) as string;
      this.j.text(s);
      if (this.x) this.x.text(s);
      return;
    }
    const v = valueJson(b, t, off, size);
    this.j.val(v, isNumericType(t), v === null || v === '');
    if (this.x) this.x.text(valueXml(b, t, off, size));
  }
}
