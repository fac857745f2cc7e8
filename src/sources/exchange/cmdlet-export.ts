// Saved output of Get-TransportAgent and Get-TransportPipeline, in the forms admins hand over:
// ConvertTo-Json, Export-Csv, Format-List / default table text, and Export-Clixml. The form is
// recognised from the content; every form is first read into the same property-bag objects, then
// turned into agents or pipeline entries by one set of rules.
import { CsvSplitter } from '../csv/reader.js';
import { ExchangeInputError, fileBaseName, type AgentRegistry, type PipelineEntry, type RegisteredAgent, type TransportPipeline, type TransportService } from './model.js';
import { attr, children, parseXml, textOf, XmlError, type XmlElement } from './xml.js';
import { setOwn } from '../../util/own-record.js';

export type CmdletExportKind = 'transport-agents' | 'transport-pipeline';
export type CmdletExportFormat = 'json' | 'csv' | 'list' | 'table' | 'clixml';

export const MAX_EXPORT_CHARS = 16 * 1024 * 1024;
export const MAX_EXPORT_OBJECTS = 10_000;
const MAX_JSON_DEPTH = 128;
/** JSON values (objects, arrays, scalars) per file: 10,000 agents with nested objects fit easily */
const MAX_JSON_VALUES = 1_000_000;
/** extra values are cut here: they are evidence text, not data to re-parse */
const MAX_EXTRA_CHARS = 4096;
const SNIFF_CHARS = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// the common object model: what every form is read into

type Val = string | number | boolean | null | Val[] | PObj;

const MAX_PROPS = 1000;

/** Thrown by PObj.set; turned into an ExchangeInputError where the file name is known. */
class TooManyProps extends Error {
  constructor(readonly line: number) { super(`an object with more than ${MAX_PROPS} properties`); }
}

/** A PowerShell object: properties by case-insensitive name, its ToString text when the form has one. */
class PObj {
  private readonly props = new Map<string, { name: string; value: Val }>();
  constructor(readonly line: number, public str?: string) {}
  set(name: string, value: Val): void {
    const k = name.toLowerCase();
    if (this.props.size >= MAX_PROPS && !this.props.has(k)) throw new TooManyProps(this.line);
    this.props.set(k, { name, value });
  }
  get(name: string): Val | undefined { return this.props.get(name.toLowerCase())?.value; }
  has(name: string): boolean { return this.props.has(name.toLowerCase()); }
  entries(): { name: string; value: Val }[] { return [...this.props.values()]; }
}

/** A value as text, bounded in size and in the number of nodes visited (CLIXML refs make DAGs). */
function toText(v: Val): string {
  let budget = 10_000;
  const out: string[] = [];
  let len = 0;
  const emit = (s: string): void => { out.push(s); len += s.length; };
  const walk = (x: Val): void => {
    if (--budget < 0 || len > MAX_EXTRA_CHARS) return;
    if (x === null) return;
    if (typeof x === 'string') emit(x);
    else if (typeof x === 'boolean') emit(x ? 'True' : 'False');
    else if (typeof x === 'number') emit(String(x));
    else if (Array.isArray(x)) x.forEach((y, i) => { if (i) emit(', '); walk(y); });
    else if (x.str !== undefined) emit(x.str);
    else {
      emit('@{');
      x.entries().forEach((e, i) => { emit(`${i ? '; ' : ''}${e.name}=`); walk(e.value); });
      emit('}');
    }
  };
  walk(v);
  const s = out.join('');
  return s.length > MAX_EXTRA_CHARS ? `${s.slice(0, MAX_EXTRA_CHARS)}…` : s;
}

// ---------------------------------------------------------------------------------------------
// recognising the form and the cmdlet

const LIST_KEY = /^([A-Za-z_][\w.]*) *:(?: (.*)|)$/;
const DASHES = /^ *-+( +-+)* *$/;
const STREAM_PREFIX = /^(WARNING|VERBOSE|DEBUG|INFORMATION):/;
const KNOWN_NAMES = new Set(['identity', 'name', 'enabled', 'priority', 'transportagentfactory', 'assemblypath', 'event', 'transportagents', 'iscritical', 'escalationteam', 'pscomputername', 'runspaceid']);

function clean(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/** PowerShell 7's list view colours the keys; a captured console can keep the escapes. */
function stripAnsi(text: string): string {
  return text.indexOf('\x1b') < 0 ? text : text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

function formatOf(head: string): CmdletExportFormat | null {
  const t = stripAnsi(clean(head));
  const lead = t.trimStart();
  if (lead.startsWith('<')) {
    // not anchored: a DOCTYPE in front must still reach the parser, which refuses it
    return /<Objs\s[^>]*xmlns\s*=\s*["']http:\/\/schemas\.microsoft\.com\/powershell\/2004\/04["']/.test(lead) ? 'clixml' : null;
  }
  // not `[PS] C:\>` (the Exchange Management Shell prompt) in front of text output
  if (/^(?:\[\s*(?:[[{"\d\-\]]|true|false|null)|\{\s*["}])/.test(lead)) return 'json';
  const lines = t.split('\n');
  const first = lines.find((l) => l.trim() !== '');
  if (first === undefined) return null;
  if (/^#TYPE\s/i.test(first) || /^"[^"]*"([,;\t]"[^"]*")*\s*$/.test(first.trim()) || /^[A-Za-z_][\w.]*([,;\t][A-Za-z_][\w.]*)+\s*$/.test(first)) return 'csv';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = LIST_KEY.exec(l);
    if (m && KNOWN_NAMES.has(m[1]!.toLowerCase())) return 'list';
    if (l.trim() !== '' && !/^\s/.test(l) && DASHES.test(lines[i + 1] ?? '') && l.split(/\s+/).some((w) => KNOWN_NAMES.has(w.toLowerCase()))) return 'table';
  }
  return null;
}

function propNames(head: string, format: CmdletExportFormat): Set<string> {
  const t = stripAnsi(clean(head));
  const names = new Set<string>();
  const add = (n: string): void => { names.add(n.trim().toLowerCase()); };
  switch (format) {
    case 'json': for (const m of t.matchAll(/"([^"\\\n]{1,64})"\s*:/g)) add(m[1]!); break;
    case 'clixml': for (const m of t.matchAll(/\sN="([^"]{1,64})"/g)) add(m[1]!); break;
    case 'csv': {
      const header = t.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
      // other delimiters too, so that a -UseCulture export is recognised and then refused clearly
      for (const c of (header ?? '').split(/[,;\t]/)) add(c.replace(/^\s*"|"\s*$/g, ''));
      break;
    }
    case 'list': for (const l of t.split('\n')) { const m = LIST_KEY.exec(l); if (m) add(m[1]!); } break;
    case 'table': {
      const lines = t.split('\n');
      for (let i = 0; i + 1 < lines.length; i++) if (DASHES.test(lines[i + 1]!) && lines[i]!.trim() !== '') { lines[i]!.split(/\s+/).forEach(add); break; }
      break;
    }
  }
  return names;
}

function kindOf(names: Set<string>): CmdletExportKind | null {
  if (names.has('event') && names.has('transportagents')) return 'transport-pipeline';
  if (names.has('transportagentfactory') || names.has('assemblypath')) return 'transport-agents';
  if ((names.has('identity') || names.has('name')) && (names.has('enabled') || names.has('priority'))) return 'transport-agents';
  return null;
}

/** Which cmdlet's output and which form, from the start of a file (content only, not the name). */
export function sniffCmdletExport(head: string): { kind: CmdletExportKind; format: CmdletExportFormat } | null {
  const format = formatOf(head);
  if (!format) return null;
  const kind = kindOf(propNames(head, format));
  return kind ? { kind, format } : null;
}

const SERVICES: Record<string, TransportService> = {
  hub: 'Hub', edge: 'Edge', frontend: 'FrontEnd', mailboxsubmission: 'MailboxSubmission', mailboxdelivery: 'MailboxDelivery',
};

/** The transport service a file name names, e.g. transport-agents.FrontEnd.json, Get-TransportAgent_Edge.csv. */
export function serviceFromName(file: string): TransportService | null {
  const found = new Set<TransportService>();
  for (const m of fileBaseName(file).matchAll(/(?<![A-Za-z0-9])(hub|edge|frontend|mailboxsubmission|mailboxdelivery)(?![A-Za-z0-9])/gi)) {
    found.add(SERVICES[m[1]!.toLowerCase()]!);
  }
  return found.size === 1 ? [...found][0]! : null;
}

// ---------------------------------------------------------------------------------------------
// JSON (ConvertTo-Json): a small parser that knows lines and bounds depth

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class JsonReader {
  private pos = 0;
  private line = 1;
  /** position of the first newline not yet counted */
  private nextNl: number;
  /** position of the next backslash at or after the last string position searched */
  private nextBs = -1;
  private values = 0;
  /** lines of the items of top-level arrays */
  readonly itemLines = new WeakMap<Val[], number[]>();

  constructor(private readonly s: string, private readonly file: string) {
    const nl = s.indexOf('\n');
    this.nextNl = nl < 0 ? Infinity : nl;
  }

  /** The line of position `p`; positions only move forward. */
  private lineAt(p: number): number {
    while (this.nextNl < p) {
      this.line++;
      const nl = this.s.indexOf('\n', this.nextNl + 1);
      this.nextNl = nl < 0 ? Infinity : nl;
    }
    return this.line;
  }

  private fail(message: string, at = this.pos): never {
    let line = 1;
    for (let nl = this.s.indexOf('\n'); nl >= 0 && nl < at; nl = this.s.indexOf('\n', nl + 1)) line++;
    throw new ExchangeInputError(this.file, `not valid JSON: ${message}`, line);
  }

  private describe(): string {
    return this.pos >= this.s.length ? 'end of input (truncated?)' : JSON.stringify(this.s.slice(this.pos, this.pos + 12));
  }

  private ws(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) { const c = s.charCodeAt(p); if (c === 32 || c === 10 || c === 13 || c === 9) p++; else break; }
    this.pos = p;
  }

  /** Every top-level value (PowerShell loops can write several documents back to back). */
  top(): { value: Val; line: number }[] {
    const out: { value: Val; line: number }[] = [];
    for (;;) {
      this.ws();
      if (this.pos >= this.s.length) break;
      const line = this.lineAt(this.pos);
      out.push({ value: this.value(0), line });
    }
    if (!out.length) this.fail('no value');
    return out;
  }

  private expect(c: string): void {
    this.ws();
    if (this.s[this.pos] !== c) this.fail(`expected '${c}', found ${this.describe()}`);
    this.pos++;
  }

  private value(depth: number): Val {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH}`);
    if (++this.values > MAX_JSON_VALUES) this.fail(`more than ${MAX_JSON_VALUES} values`);
    this.ws();
    const s = this.s;
    const c = s[this.pos];
    if (c === '{') {
      const o = new PObj(this.lineAt(this.pos));
      this.pos++;
      this.ws();
      if (s[this.pos] === '}') { this.pos++; return o; }
      for (;;) {
        this.ws();
        if (s[this.pos] !== '"') this.fail(`expected a property name, found ${this.describe()}`);
        const key = this.string();
        this.expect(':');
        o.set(key, this.value(depth + 1));
        this.ws();
        if (s[this.pos] === ',') { this.pos++; continue; }
        if (s[this.pos] === '}') { this.pos++; return o; }
        this.fail(`expected ',' or '}', found ${this.describe()}`);
      }
    }
    if (c === '[') {
      const a: Val[] = [];
      const lines: number[] = [];
      this.pos++;
      this.ws();
      if (s[this.pos] === ']') { this.pos++; return a; }
      for (;;) {
        this.ws();
        if (depth === 0) lines.push(this.lineAt(this.pos));
        a.push(this.value(depth + 1));
        this.ws();
        if (s[this.pos] === ',') { this.pos++; continue; }
        if (s[this.pos] === ']') { this.pos++; break; }
        this.fail(`expected ',' or ']', found ${this.describe()}`);
      }
      if (depth === 0) this.itemLines.set(a, lines);
      return a;
    }
    if (c === '"') return this.string();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (s.startsWith(lit, this.pos)) { this.pos += lit.length; return v; }
    }
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    num.lastIndex = this.pos;
    const m = num.exec(s);
    if (m) { this.pos += m[0].length; return Number(m[0]); }
    this.fail(`unexpected ${this.describe()}`);
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      let q = s.indexOf('"', this.pos);
      if (q < 0) this.fail('string not closed', start);
      // cached: searching for a backslash that never comes would rescan the rest of the text per string
      if (this.nextBs < this.pos) { const b = s.indexOf('\\', this.pos); this.nextBs = b < 0 ? Infinity : b; }
      if (this.nextBs < q) q = this.nextBs;
      const seg = s.slice(this.pos, q);
      const ctl = /[\x00-\x1f]/.exec(seg);
      if (ctl) this.fail('control character inside a string', this.pos + ctl.index);
      out += seg;
      this.pos = q + 1;
      if (s[q] === '"') return out;
      const e = s[this.pos];
      if (e !== undefined && Object.hasOwn(JSON_ESCAPES, e)) { out += JSON_ESCAPES[e]; this.pos++; continue; }
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(this.pos + 1, this.pos + 5))) {
        out += String.fromCharCode(parseInt(s.slice(this.pos + 1, this.pos + 5), 16));
        this.pos += 5;
        continue;
      }
      this.fail(`bad escape \\${e ?? ''}`, q);
    }
  }
}

function jsonObjects(text: string, file: string): PObj[] {
  const r = new JsonReader(clean(text), file);
  const out: PObj[] = [];
  const take = (v: Val, line: number, what: string): void => {
    if (!(v instanceof PObj)) throw new ExchangeInputError(file, `${what} is not an object`, line);
    out.push(v);
  };
  for (const { value, line } of r.top()) {
    // ConvertTo-Json -InputObject $array in Windows PowerShell: { "value": [...], "Count": n }
    const inner = value instanceof PObj && value.entries().length === 2 && Array.isArray(value.get('value')) && value.has('Count') ? value.get('value') as Val[] : null;
    const items = Array.isArray(value) ? value : inner;
    if (items) {
      const lines = r.itemLines.get(items) ?? [];
      items.forEach((v, i) => take(v, v instanceof PObj ? v.line : lines[i] ?? line, `item ${i + 1} of the JSON array`));
    } else take(value, line, 'the JSON value');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CSV (Export-Csv / ConvertTo-Csv)

function csvObjects(text: string, file: string): PObj[] {
  const sp = new CsvSplitter();
  const t = clean(text);
  const rows: { cells: string[]; line: number }[] = [];
  const take = (): void => {
    const got = sp.take();
    if (got.errors.length) throw new ExchangeInputError(file, `not valid CSV: ${got.errors[0]!.message}`, got.errors[0]!.line);
    rows.push(...got.rows);
  };
  // in pieces, so that a file of millions of tiny rows stops at the object limit
  for (let at = 0; at < t.length && rows.length <= MAX_EXPORT_OBJECTS + 2; at += 65536) { sp.push(t.slice(at, at + 65536)); take(); }
  if (rows.length <= MAX_EXPORT_OBJECTS + 2) { sp.end(); take(); }
  let i = 0;
  if (rows[0] && rows[0].cells.length === 1 && rows[0].cells[0]!.startsWith('#')) i++; // #TYPE line
  const header = rows[i];
  if (!header) throw new ExchangeInputError(file, 'CSV without a header row');
  const columns = header.cells.map((c) => c.trim());
  if (columns.length === 1 && /[;\t|]/.test(columns[0]!)) {
    throw new ExchangeInputError(file, `CSV header ${JSON.stringify(columns[0])} is not comma-separated; export again without -UseCulture/-Delimiter`, header.line);
  }
  const out: PObj[] = [];
  for (const r of rows.slice(i + 1)) {
    if (r.cells.length !== columns.length) {
      throw new ExchangeInputError(file, `CSV row has ${r.cells.length} cells, the header has ${columns.length}`, r.line);
    }
    const o = new PObj(r.line);
    columns.forEach((c, k) => o.set(c, r.cells[k]!));
    out.push(o);
    if (out.length > MAX_EXPORT_OBJECTS) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Format-List text: "Key : value" blocks separated by blank lines; long values wrap onto lines
// indented to the value column. PowerShell cuts them at the console width, mid-word, so the pieces
// are joined without a separator.

/** The lines of a text one at a time (16 MiB is not split into millions of strings up front). */
class Lines {
  private pos = 0;
  /** 1-based number of the line `next()` returned last */
  no = 0;
  constructor(private readonly s: string) {}
  private end(): number { const e = this.s.indexOf('\n', this.pos); return e < 0 ? this.s.length : e; }
  next(): string | null {
    if (this.pos > this.s.length) return null;
    const e = this.end();
    const l = this.s.slice(this.pos, e);
    this.pos = e + 1;
    this.no++;
    return l;
  }
  peek(): string | null { return this.pos > this.s.length ? null : this.s.slice(this.pos, this.end()); }
}

function listObjects(text: string, file: string): PObj[] {
  const lines = new Lines(stripAnsi(clean(text)));
  const out: PObj[] = [];
  let cur: PObj | null = null;
  let key: string | null = null;
  let valueCol = 0;
  let parts: string[] = [];
  const finish = (): void => { if (cur && key !== null) cur.set(key, parts.join('').trim()); key = null; parts = []; };
  for (let l = lines.next(); l !== null && out.length <= MAX_EXPORT_OBJECTS; l = lines.next()) {
    if (l.trim() === '') { finish(); cur = null; continue; }
    if (STREAM_PREFIX.test(l)) continue;
    if (/^\s/.test(l)) {
      if (!cur) continue; // stray indented text outside any object
      if (key === null) throw new ExchangeInputError(file, 'indented line that continues no property', lines.no);
      parts.push(l.length > valueCol && l.slice(0, valueCol).trim() === '' ? l.slice(valueCol) : l.trimStart());
      if (parts.length > 10_000) throw new ExchangeInputError(file, 'a value continued over more than 10000 lines', lines.no);
      continue;
    }
    const m = LIST_KEY.exec(l);
    if (!m) {
      if (cur) throw new ExchangeInputError(file, `line is neither "Property : value" nor a continuation: ${JSON.stringify(l.slice(0, 60))}`, lines.no);
      continue; // prompts and other text between objects
    }
    finish();
    if (!cur) { cur = new PObj(lines.no); out.push(cur); }
    if (cur.has(m[1]!)) throw new ExchangeInputError(file, `property ${m[1]} given twice in one object (a missing blank line?)`, lines.no);
    key = m[1]!;
    valueCol = l.indexOf(':') + 2;
    parts = [m[2] ?? ''];
  }
  finish();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Default table view: a header line, a dashes line giving the column positions, one row per
// object. Values too wide for a column end in "..." (Windows PowerShell) or "…" (PowerShell 7).

const TRUNCATED = /(\.\.\.|…)$/;

function tableObjects(text: string): PObj[] {
  const lines = new Lines(stripAnsi(clean(text)));
  const out: PObj[] = [];
  let cols: { name: string; start: number }[] | null = null;
  let first: string[] | null = null;
  let prev: { obj: PObj; cells: string[] } | null = null;
  for (let l = lines.next(); l !== null && out.length <= MAX_EXPORT_OBJECTS; l = lines.next()) {
    const below = lines.peek();
    if (l.trim() !== '' && below !== null && DASHES.test(below) && !DASHES.test(l)) {
      const starts = [...below.matchAll(/-+/g)].map((m) => m.index!);
      cols = starts.map((start, k) => ({ name: l!.slice(start, starts[k + 1]).trim(), start }));
      first = null; prev = null;
      lines.next();
      continue;
    }
    if (l.trim() === '') { cols = null; continue; }
    if (!cols) continue;
    const row = l;
    const cells = cols.map((c, k) => row.slice(c.start, cols![k + 1]?.start).trim());
    // `Format-Table -Wrap` continues a long cell on the next line with the other cells empty
    if (prev && first && cells.some((c, k) => c === '' && first![k] !== '')) {
      cells.forEach((c, k) => { if (c !== '') prev!.cells[k] = `${prev!.cells[k]} ${c}`.trim(); });
      cols.forEach((c, k) => prev!.obj.set(c.name, prev!.cells[k]!));
      continue;
    }
    const obj = new PObj(lines.no);
    cols.forEach((c, k) => obj.set(c.name, cells[k]!));
    out.push(obj);
    first ??= cells;
    prev = { obj, cells };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CLIXML (Export-Clixml)

/** CLIXML escapes characters XML cannot carry (and `_x` itself) as _xHHHH_. */
function unescapeClixml(s: string): string {
  return s.indexOf('_x') < 0 ? s : s.replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const CLIXML_TEXT = new Set(['S', 'URI', 'XD', 'SBK', 'Version', 'G', 'DT', 'TS', 'SS', 'BA', 'PR']);
const CLIXML_NUMBER = new Set(['By', 'SB', 'U16', 'I16', 'U32', 'I32', 'U64', 'I64', 'Sg', 'Db', 'D']);
const CLIXML_COLLECTION = new Set(['LST', 'IE', 'STK', 'QUE']);

function clixmlObjects(text: string, file: string, maxObjects = MAX_EXPORT_OBJECTS): PObj[] {
  let root: XmlElement;
  try {
    root = parseXml(clean(text));
  } catch (e) {
    if (e instanceof XmlError) throw new ExchangeInputError(file, `not well-formed CLIXML: ${e.message} (column ${e.col})`, e.line);
    throw e;
  }
  if (root.name !== 'Objs') throw new ExchangeInputError(file, `CLIXML root element is <${root.name}>, not <Objs>`, root.line);
  // RefId -> the <Obj> (for <Ref>) and the <TN> (for <TNRef>)
  const objRefs = new Map<string, XmlElement>();
  const tnRefs = new Map<string, XmlElement>();
  const stack: XmlElement[] = [root];
  while (stack.length) {
    const el = stack.pop()!;
    const id = attr(el, 'RefId');
    if (id !== undefined) {
      if (el.name === 'Obj' && !objRefs.has(id)) objRefs.set(id, el);
      else if (el.name === 'TN' && !tnRefs.has(id)) tnRefs.set(id, el);
    }
    for (const c of el.children) if (typeof c !== 'string') stack.push(c);
  }
  const memo = new Map<XmlElement, Val>();
  const busy = new Set<XmlElement>();
  let depth = 0; // of <Obj> conversions: <Ref> chains can go deeper than the XML
  const bad = (el: XmlElement, message: string): ExchangeInputError => new ExchangeInputError(file, `CLIXML: ${message}`, el.line);

  const typeNames = (obj: XmlElement): string[] => {
    let tn = children(obj, 'TN')[0];
    const ref = children(obj, 'TNRef')[0];
    if (!tn && ref) {
      const id = attr(ref, 'RefId') ?? '';
      tn = tnRefs.get(id);
      if (!tn) throw bad(ref, `<TNRef RefId="${id}"> refers to no <TN>`);
    }
    return tn ? children(tn, 'T').map((t) => textOf(t)) : [];
  };

  const value = (el: XmlElement): Val => {
    if (el.name === 'Nil') return null;
    if (el.name === 'Obj') return obj(el);
    if (el.name === 'Ref') {
      const id = attr(el, 'RefId') ?? '';
      const target = objRefs.get(id);
      if (!target) throw bad(el, `<Ref RefId="${id}"> refers to no <Obj>`);
      return obj(target);
    }
    if (el.name === 'B') {
      const t = textOf(el).trim();
      return t === 'true' ? true : t === 'false' ? false : t;
    }
    if (el.name === 'C') { const n = Number(textOf(el)); return Number.isInteger(n) && n >= 0 && n <= 0xffff ? String.fromCharCode(n) : textOf(el); }
    if (CLIXML_NUMBER.has(el.name)) return textOf(el).trim();
    if (CLIXML_COLLECTION.has(el.name)) return children(el).map(value);
    if (CLIXML_TEXT.has(el.name)) return unescapeClixml(textOf(el));
    return unescapeClixml(textOf(el));
  };

  const obj = (el: XmlElement): Val => {
    const done = memo.get(el);
    if (done !== undefined) return done;
    const toStr = children(el, 'ToString')[0];
    const str = toStr ? unescapeClixml(textOf(toStr)) : undefined;
    if (busy.has(el)) return str ?? null; // a reference cycle: stop at the ToString text
    if (depth >= 256) throw bad(el, 'objects nested (through <Ref>) deeper than 256');
    busy.add(el);
    depth++;
    let v: Val;
    const coll = children(el).find((c) => CLIXML_COLLECTION.has(c.name));
    const bags = [...children(el, 'Props'), ...children(el, 'MS')];
    if (coll) v = children(coll).map(value);
    else if (bags.length && !typeNames(el).some((t) => /(^|\.)System\.Enum$/.test(t))) {
      const o = new PObj(el.line, str);
      for (const bag of bags) {
        for (const p of children(bag)) {
          const n = attr(p, 'N');
          if (n !== undefined) o.set(unescapeClixml(n), value(p));
        }
      }
      v = o;
    } else v = str ?? null;
    busy.delete(el);
    depth--;
    memo.set(el, v);
    return v;
  };

  const out: PObj[] = [];
  for (const el of children(root)) {
    const v = value(el);
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      if (!(item instanceof PObj)) throw bad(el, `<${el.name}> is not an object with properties`);
      out.push(item);
    }
    if (out.length > maxObjects) break;
  }
  return out;
}

/** A property value as plain data: objects by their properties, or their ToString text when they have none. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [k: string]: PlainValue };

/** Objects in Export-Clixml output handed over for their own sake (Get-MessageTrackingLog): at most this many. */
export const MAX_CLIXML_RECORDS = 100_000;

function plain(v: Val, budget: { n: number }): PlainValue {
  if (--budget.n < 0) return null;
  if (Array.isArray(v)) return v.map((x) => plain(x, budget));
  if (!(v instanceof PObj)) return v;
  const entries = v.entries();
  if (!entries.length) return v.str ?? null;
  const o: { [k: string]: PlainValue } = {};
  for (const e of entries) setOwn(o, e.name, plain(e.value, budget));
  return o;
}

/**
 * The objects of an Export-Clixml file as plain records with the line of each, read with the same
 * CLIXML rules as the transport agent exports (and the same size bounds).
 */
export function clixmlRecords(text: string, file: string): { line: number; value: { [k: string]: PlainValue } }[] {
  if (text.length > MAX_EXPORT_CHARS) throw new ExchangeInputError(file, `larger than ${MAX_EXPORT_CHARS} characters; export fewer objects per file`);
  let objs: PObj[];
  try {
    objs = clixmlObjects(text, file, MAX_CLIXML_RECORDS);
  } catch (e) {
    if (e instanceof TooManyProps) throw new ExchangeInputError(file, e.message, e.line);
    throw e;
  }
  if (objs.length > MAX_CLIXML_RECORDS) throw new ExchangeInputError(file, `more than ${MAX_CLIXML_RECORDS} objects`, objs[MAX_CLIXML_RECORDS]!.line);
  return objs.map((o) => {
    // values per object: <Ref> lets a small file name one large object many times
    const v = plain(o, { n: 10_000 });
    return { line: o.line, value: v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {} };
  });
}

// ---------------------------------------------------------------------------------------------
// objects -> agents / pipeline

const CMDLET: Record<CmdletExportKind, string> = { 'transport-agents': 'Get-TransportAgent', 'transport-pipeline': 'Get-TransportPipeline' };

function readObjects(text: string, file: string, expect: CmdletExportKind): { objs: PObj[]; format: CmdletExportFormat } {
  if (text.length > MAX_EXPORT_CHARS) throw new ExchangeInputError(file, `larger than ${MAX_EXPORT_CHARS} characters`);
  const head = text.slice(0, SNIFF_CHARS);
  const format = formatOf(head);
  if (!format) {
    throw new ExchangeInputError(file, `not a recognised ${CMDLET[expect]} export (expected ConvertTo-Json, Export-Csv, Format-List or table text, or Export-Clixml output)`);
  }
  const kind = kindOf(propNames(head, format));
  if (kind && kind !== expect) throw new ExchangeInputError(file, `this is ${CMDLET[kind]} output, not ${CMDLET[expect]}`);
  let objs: PObj[];
  try {
    switch (format) {
      case 'json': objs = jsonObjects(text, file); break;
      case 'csv': objs = csvObjects(text, file); break;
      case 'list': objs = listObjects(text, file); break;
      case 'table': objs = tableObjects(text); break;
      case 'clixml': objs = clixmlObjects(text, file); break;
    }
  } catch (e) {
    if (e instanceof TooManyProps) throw new ExchangeInputError(file, e.message, e.line);
    throw e;
  }
  if (objs.length > MAX_EXPORT_OBJECTS) throw new ExchangeInputError(file, `more than ${MAX_EXPORT_OBJECTS} objects`, objs[MAX_EXPORT_OBJECTS]!.line);
  return { objs, format };
}

/** An identity-like value: a string, or an object's Name/Identity, or its ToString text. */
function nameOf(v: Val | undefined, depth = 0): string {
  if (v === undefined || v === null || Array.isArray(v)) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return '';
  if (depth < 3) for (const k of ['Name', 'Identity']) { const n = nameOf(v.get(k), depth + 1); if (n) return n; }
  return (v.str ?? '').trim();
}

function boolOf(v: Val): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') { const t = v.trim().toLowerCase(); return t === 'true' ? true : t === 'false' ? false : null; }
  return null;
}

function priorityOf(v: Val): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : null;
}

function show(v: Val): string {
  return JSON.stringify(toText(v).slice(0, 40));
}

const AGENT_PROPS = new Set(['identity', 'enabled', 'priority', 'transportagentfactory', 'assemblypath', 'pscomputername']);

export function parseTransportAgentExport(text: string, file: string, service?: TransportService | null): AgentRegistry {
  const { objs, format } = readObjects(text, file, 'transport-agents');
  let host: string | null = null;
  const services = new Set<string>();
  const agents: RegisteredAgent[] = objs.map((o, i) => {
    const bad = (message: string): ExchangeInputError => new ExchangeInputError(file, message, o.line);
    let name = nameOf(o.get('Identity'));
    const fromIdentity = name !== '';
    if (!name) name = nameOf(o.get('Name'));
    if (!name) throw bad(`object ${i + 1} has no Identity (or Name)`);
    const en = o.get('Enabled');
    if (en === undefined) throw bad(`agent "${name}" has no Enabled property`);
    const enabled = boolOf(en);
    if (enabled === null) throw bad(`Enabled of agent "${name}" is ${show(en)}, not True or False`);
    const pr = o.get('Priority');
    const priority = pr === undefined || pr === null ? i + 1 : priorityOf(pr);
    if (priority === null) throw bad(`Priority of agent "${name}" is ${show(pr!)}, not a positive whole number`);
    const fa = o.get('TransportAgentFactory');
    const factory = fa instanceof PObj ? nameOf(fa) : fa === undefined ? '' : toText(fa).trim();
    const ap = o.get('AssemblyPath');
    let assemblyPath = '';
    if (ap instanceof PObj) {
      const p = ap.get('PathName') ?? ap.get('Path');
      if (typeof p === 'string') assemblyPath = p;
      else if (ap.str !== undefined) assemblyPath = ap.str;
      else throw bad(`AssemblyPath of agent "${name}" is an object without PathName or Path`);
    } else if (ap !== undefined) assemblyPath = toText(ap);
    assemblyPath = assemblyPath.trim();

    const extra: Record<string, string> = {};
    const pc = o.get('PSComputerName');
    const computer = pc === undefined ? '' : toText(pc).trim();
    if (computer) {
      host ??= computer;
      if (computer !== host) setOwn(extra, 'PSComputerName', computer);
    }
    for (const { name: k, value } of o.entries()) {
      const lk = k.toLowerCase();
      if (AGENT_PROPS.has(lk) || (lk === 'name' && !fromIdentity)) continue;
      if (lk === 'transportservice') services.add(toText(value).trim());
      setOwn(extra, k, toText(value));
    }
    if (format === 'table') {
      setOwn(extra, 'view', 'table');
      if (TRUNCATED.test(name)) setOwn(extra, 'truncated', 'Identity');
    }
    return { name, factory, assemblyPath, enabled, priority, ref: { file, line: o.line }, extra };
  });
  agents.sort((a, b) => a.priority - b.priority);
  const named = services.size === 1 ? SERVICES[[...services][0]!.toLowerCase()] ?? null : null;
  return { source: 'Get-TransportAgent', service: service ?? named ?? serviceFromName(file), host, file, agents, settings: {} };
}

const PLACEHOLDER = /^(System\.[\w.`[\], =]*|Microsoft\.Exchange\.Data\.MultiValuedProperty`1\S*)$/;

/** TransportAgents as exported: an array, or text rendered as `{a, b}`, `a, b` or `a;b`. */
function agentList(v: Val, file: string, line: number): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.map((x) => nameOf(x)).filter((x) => x !== '');
  if (v instanceof PObj) {
    const inner = v.get('value');
    if (Array.isArray(inner)) return agentList(inner, file, line);
    return agentList(v.str ?? '', file, line);
  }
  const s = String(v).trim();
  if (PLACEHOLDER.test(s)) {
    throw new ExchangeInputError(file, `the export lost the TransportAgents values (it holds the type name ${JSON.stringify(s)}); export them as text: ` +
      `Get-TransportPipeline | Select Event,@{n='TransportAgents';e={$_.TransportAgents -join ';'}} | Export-Csv -NoTypeInformation (or use ConvertTo-Json / Export-Clixml)`, line);
  }
  if (/(\.\.\.|…)\}?$/.test(s)) { // `{a, b, c, d...}`
    throw new ExchangeInputError(file, `the TransportAgents list was cut short ("...": $FormatEnumerationLimit or the column width); ` +
      `set $FormatEnumerationLimit = -1 and use Format-List, or export with ConvertTo-Json / Export-Clixml`, line);
  }
  const inner = /^\{([\s\S]*)\}$/.exec(s)?.[1] ?? s;
  return inner.split(/[;,]/).map((x) => x.trim()).filter((x) => x !== '');
}

export function parseTransportPipelineExport(text: string, file: string): TransportPipeline {
  const { objs } = readObjects(text, file, 'transport-pipeline');
  let host: string | null = null;
  const entries: PipelineEntry[] = objs.map((o, i) => {
    const event = nameOf(o.get('Event'));
    if (!event) throw new ExchangeInputError(file, `object ${i + 1} has no Event`, o.line);
    const ta = o.get('TransportAgents');
    if (ta === undefined) throw new ExchangeInputError(file, `event ${event} has no TransportAgents property`, o.line);
    const pc = o.get('PSComputerName');
    if (pc !== undefined && pc !== null) host ??= toText(pc).trim() || null;
    return { event, agents: agentList(ta, file, o.line), ref: { file, line: o.line } };
  });
  return { file, host, entries };
}
