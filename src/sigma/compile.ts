// Rule AST -> matcher closures, built once per rule.
import type { Cond, Detection, Item, Part, SigmaString, Value } from './model.js';
import type { EventView } from './event-view.js';
import { compileRuleRegex, linearRegex } from './rule-regex.js';
import { escapeRegexLiteral } from './regex-ast.js';
import { inNetwork, parseCidr } from '../util/ip.js';
import { datePart, parseTimestamp } from '../util/time.js';
import { wrap } from './sigma-string.js';
import { AhoCorasick } from '../util/aho-corasick.js';
import { starGlob } from '../util/star-glob.js';

export type Matcher = (ev: EventView) => boolean;
type StrTest = (s: string) => boolean;

const TRUE: Matcher = () => true;

function escapeClass(s: string): string {
  return s.replace(/[\]\\^-]/g, '\\$&');
}

function foldParts(parts: Part[], cased: boolean): Part[] {
  if (cased) return parts;
  return parts.map((p) => (p.k === 'lit' ? { k: 'lit', s: p.s.toLowerCase() } : p.k === 'cls' ? { k: 'cls', chars: p.chars.toLowerCase() } : p));
}

/** 'L' literal, '*' any run, '?' one character or a class: the fast paths are chosen by shape. */
function shapeOf(parts: Part[]): string {
  return parts.map((p) => (p.k === 'lit' ? 'L' : p.k === 'any' ? '*' : '?')).join('');
}

/** A whole-value test for a Sigma string; the caller lower-cases the input unless the pattern is cased. */
export function compilePattern(s: SigmaString, cased: boolean): StrTest {
  const parts = foldParts(s.parts, cased);
  const shape = shapeOf(parts);
  const lit = (i: number) => (parts[i] as { s: string }).s;
  switch (shape) {
    case '': return (x) => x === '';
    case 'L': { const a = lit(0); return (x) => x === a; }
    case '*': return () => true;
    case 'L*': { const a = lit(0); return (x) => x.startsWith(a); }
    case '*L': { const a = lit(1); return (x) => x.endsWith(a); }
    case '*L*': { const a = lit(1); return (x) => x.includes(a); }
    case 'L*L': { const a = lit(0), b = lit(2); return (x) => x.length >= a.length + b.length && x.startsWith(a) && x.endsWith(b); }
  }
  if (!shape.includes('?')) return globTest(parts);
  // `?` and classes: an RE2 program, so no value can make the match backtrack.
  let re = '';
  for (const p of parts) {
    if (p.k === 'lit') re += escapeRegexLiteral(p.s);
    else if (p.k === 'any') re += '.*';
    else if (p.k === 'one') re += '.';
    else re += `[${escapeClass(p.chars)}]`;
  }
  return linearRegex(`(?s)^${re}$`); // RE2: `.` is one code point, `$` the end of the value
}

/** `*`-only globs (literal parts merged, split at the stars). */
function globTest(parts: Part[]): StrTest {
  const segs: string[] = [''];
  for (const p of parts) {
    if (p.k === 'lit') segs[segs.length - 1] += p.s;
    else segs.push('');
  }
  return starGlob(segs);
}

function anyOf(strs: string[] | null, t: StrTest): boolean {
  if (strs === null) return false;
  for (let i = 0; i < strs.length; i++) if (t(strs[i]!)) return true;
  return false;
}

function strings(ev: EventView, field: string, cased: boolean): string[] | null {
  return cased ? ev.strings(field) : ev.lower(field);
}

function numberOf(s: string): number | null {
  if (s.trim() === '') return null;
  const n = Number(s);
  return Number.isNaN(n) ? null : n;
}

function cmp(op: string, a: number, b: number): boolean {
  switch (op) {
    case 'gt': return a > b;
    case 'gte': return a >= b;
    case 'lt': return a < b;
    case 'lte': return a <= b;
    default: return a === b;
  }
}

/** One value against one field. */
function compileFieldValue(field: string, v: Value): Matcher {
  switch (v.t) {
    case 'str': {
      const test = compilePattern(v.s, v.cased);
      const cased = v.cased;
      return (ev) => anyOf(strings(ev, field, cased), test);
    }
    case 'num': {
      const forms = new Set([v.source.toLowerCase(), String(v.n)]);
      const n = v.n;
      return (ev) => {
        const raw = ev.get(field);
        if (typeof raw === 'number') return raw === n;
        return anyOf(ev.lower(field), (s) => forms.has(s));
      };
    }
    case 'bool': {
      const form = String(v.b);
      return (ev) => anyOf(ev.lower(field), (s) => s === form);
    }
    case 'null':
      return (ev) => { const raw = ev.get(field); return raw === undefined || raw === null; };
    case 're': {
      const rx = compileRuleRegex(v.source, v.flags);
      return (ev) => anyOf(ev.strings(field), rx);
    }
    case 'cidr': {
      const net = parseCidr(v.cidr)!;
      return (ev) => anyOf(ev.strings(field), (s) => inNetwork(s.trim(), net));
    }
    case 'cmp': {
      const { op, n } = v;
      return (ev) => {
        const raw = ev.get(field);
        if (typeof raw === 'number') return cmp(op, raw, n);
        return anyOf(ev.strings(field), (s) => { const x = numberOf(s); return x !== null && cmp(op, x, n); });
      };
    }
    case 'exists': {
      const b = v.b;
      return (ev) => ev.has(field) === b;
    }
    case 'fieldref': {
      const { field: other, mode, cased } = v;
      const rel = mode === 'eq' ? (a: string, b: string) => a === b
        : mode === 'contains' ? (a: string, b: string) => a.includes(b)
        : mode === 'startswith' ? (a: string, b: string) => a.startsWith(b)
        : (a: string, b: string) => a.endsWith(b);
      return (ev) => {
        const mine = strings(ev, field, cased), theirs = strings(ev, other, cased);
        if (!mine || !theirs) return false;
        return mine.some((a) => theirs.some((b) => rel(a, b)));
      };
    }
    case 'datepart': {
      const { part, op, n } = v;
      return (ev) => anyOf(ev.strings(field), (s) => {
        const t = parseTimestamp(s);
        return !Number.isNaN(t) && cmp(op, datePart(t, part), n);
      });
    }
    case 'any-of': {
      const subs = v.values.map((x) => compileFieldValue(field, x));
      return (ev) => subs.some((m) => m(ev));
    }
  }
}

/** One value searched in every value of the event (keyword detection): an unanchored match. */
function compileKeywordValue(v: Value): Matcher {
  switch (v.t) {
    case 'str': {
      const test = compilePattern(wrap(v.s, true, true), v.cased);
      return v.cased ? (ev) => anyOf(ev.all(), test) : (ev) => anyOf(ev.allLower(), test);
    }
    case 'num': case 'bool': {
      const needle = (v.t === 'num' ? v.source : String(v.b)).toLowerCase();
      return (ev) => anyOf(ev.allLower(), (s) => s.includes(needle));
    }
    case 're': {
      const rx = compileRuleRegex(v.source, v.flags);
      return (ev) => anyOf(ev.all(), rx);
    }
    case 'cidr': {
      const net = parseCidr(v.cidr)!;
      return (ev) => anyOf(ev.all(), (s) => inNetwork(s.trim(), net));
    }
    case 'cmp': {
      const { op, n } = v;
      return (ev) => anyOf(ev.all(), (s) => { const x = numberOf(s); return x !== null && cmp(op, x, n); });
    }
    case 'any-of': {
      const subs = v.values.map(compileKeywordValue);
      return (ev) => subs.some((m) => m(ev));
    }
    case 'null': case 'exists': case 'fieldref': case 'datepart':
      return () => false;
  }
}

/** A plain (case-insensitive, `*`-at-the-ends-only) value as one literal test, for grouping. */
type Simple = { kind: 'eq' | 'prefix' | 'suffix' | 'sub'; lit: string };

function simpleOf(v: Value, keyword: boolean): Simple | null {
  if (v.t !== 'str') return null;
  const parts = keyword ? wrap(v.s, true, true).parts : v.s.parts;
  const shape = shapeOf(parts);
  const lit = (i: number) => { const t = (parts[i] as { s: string }).s; return v.cased ? t : t.toLowerCase(); };
  switch (shape) {
    case 'L': return { kind: 'eq', lit: lit(0) };
    case 'L*': return { kind: 'prefix', lit: lit(0) };
    case '*L': return { kind: 'suffix', lit: lit(1) };
    case '*L*': return { kind: 'sub', lit: lit(1) };
    default: return null;
  }
}

/** Many OR-ed plain values on one field tested together: set lookups by length, one automaton for substrings. */
function groupedTest(simple: Simple[]): StrTest {
  const eq = new Set<string>();
  const byLen = (kind: Simple['kind']) => {
    const m = new Map<number, Set<string>>();
    for (const x of simple) if (x.kind === kind) { let s = m.get(x.lit.length); if (!s) m.set(x.lit.length, (s = new Set())); s.add(x.lit); }
    return [...m];
  };
  for (const x of simple) if (x.kind === 'eq') eq.add(x.lit);
  const prefixes = byLen('prefix'), suffixes = byLen('suffix');
  const subs = simple.filter((x) => x.kind === 'sub').map((x) => x.lit);
  // Built on first use: most rules of a large set never meet an event of their logsource.
  let ac: AhoCorasick | null | undefined = subs.length > 3 ? undefined : null;
  return (x) => {
    if (eq.has(x)) return true;
    for (const [len, set] of prefixes) if (x.length >= len && set.has(x.slice(0, len))) return true;
    for (const [len, set] of suffixes) if (x.length >= len && set.has(x.slice(x.length - len))) return true;
    if (ac === undefined) ac = new AhoCorasick(subs);
    if (ac) return ac.test(x);
    for (const sub of subs) if (x.includes(sub)) return true;
    return false;
  };
}

export function compileItem(item: Item): Matcher {
  const field = item.field;
  const ms: Matcher[] = [];
  let values = item.values;
  if (!item.all) {
    // OR-ed plain values (base64offset and other expansions flattened) are tested as one group per case mode.
    const flat = values.flatMap((v) => (v.t === 'any-of' ? v.values : [v]));
    const folded: Simple[] = [], cased: Simple[] = [];
    const rest: Value[] = [];
    for (const v of flat) {
      const x = simpleOf(v, field === null);
      if (!x) rest.push(v);
      else if (v.t === 'str' && v.cased) cased.push(x);
      else folded.push(x);
    }
    if (folded.length + cased.length > 2) {
      if (folded.length) {
        const test = groupedTest(folded);
        ms.push(field === null ? (ev) => anyOf(ev.allLower(), test) : (ev) => anyOf(ev.lower(field), test));
      }
      if (cased.length) {
        const test = groupedTest(cased);
        ms.push(field === null ? (ev) => anyOf(ev.all(), test) : (ev) => anyOf(ev.strings(field), test));
      }
      values = rest;
    }
  }
  for (const v of values) ms.push(field === null ? compileKeywordValue(v) : compileFieldValue(field, v));
  let m: Matcher;
  if (ms.length === 1) m = ms[0]!;
  else if (item.all) m = (ev) => { for (const x of ms) if (!x(ev)) return false; return true; };
  else m = (ev) => { for (const x of ms) if (x(ev)) return true; return false; };
  if (item.negate) { const inner = m; m = (ev) => !inner(ev); }
  return m;
}

function and(ms: Matcher[]): Matcher {
  if (ms.length === 0) return TRUE;
  if (ms.length === 1) return ms[0]!;
  if (ms.length === 2) { const [a, b] = ms as [Matcher, Matcher]; return (ev) => a(ev) && b(ev); }
  return (ev) => { for (const x of ms) if (!x(ev)) return false; return true; };
}

function or(ms: Matcher[]): Matcher {
  if (ms.length === 1) return ms[0]!;
  if (ms.length === 2) { const [a, b] = ms as [Matcher, Matcher]; return (ev) => a(ev) || b(ev); }
  return (ev) => { for (const x of ms) if (x(ev)) return true; return false; };
}

export function compileDetection(det: Detection): Matcher {
  const cache = new Map<string, Matcher>();
  const search = (name: string): Matcher => {
    let m = cache.get(name);
    if (!m) {
      const s = det.searches.get(name);
      if (!s) throw new Error(`search identifier '${name}' is not defined`);
      m = compileSearch(s);
      cache.set(name, m);
    }
    return m;
  };
  const cond = (c: Cond): Matcher => {
    switch (c.k) {
      case 'ref': return search(c.name);
      case 'and': return and(c.items.map(cond));
      case 'or': return or(c.items.map(cond));
      case 'not': { const inner = cond(c.item); return (ev) => !inner(ev); }
      case 'of': return c.all ? and(c.names.map(search)) : or(c.names.map(search));
    }
  };
  return cond(det.condition);
}

function compileSearch(s: import('./model.js').Search): Matcher {
  switch (s.k) {
    case 'and': return and(s.items.map(compileItem));
    case 'or': return or(s.items.map(compileSearch));
    case 'item': return compileItem(s.item);
  }
}
