// A deliberately plain interpreter of the rule AST, written independently of src/sigma/compile.ts
// (no caching, no fast paths, no prefilter, backtracking glob matching) to check the compiled
// matchers against.
import type { Cond, Detection, Item, Logsource, Part, Search, Value } from '../../src/sigma/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { translateRegex } from './js-regex.js';

function lookup(fields: Record<string, FieldValue>, name: string): FieldValue | undefined {
  if (Object.prototype.hasOwnProperty.call(fields, name)) return fields[name];
  for (const k of Object.keys(fields)) if (k.toLowerCase() === name.toLowerCase()) return fields[k];
  return undefined;
}

function forms(v: FieldValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap((x) => forms(x));
  if (typeof v === 'object') return [];
  return [String(v)];
}

function leaves(v: FieldValue): string[] {
  if (v === null) return [];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (typeof v === 'object') return Object.values(v).flatMap(leaves);
  return [String(v)];
}

/** Backtracking match of glob parts against a whole string. */
function glob(parts: Part[], s: string, pi = 0, si = 0): boolean {
  if (pi === parts.length) return si === s.length;
  const p = parts[pi]!;
  switch (p.k) {
    case 'lit': return s.startsWith(p.s, si) && glob(parts, s, pi + 1, si + p.s.length);
    case 'one': return si < s.length && glob(parts, s, pi + 1, si + 1);
    case 'cls': return si < s.length && p.chars.includes(s[si]!) && glob(parts, s, pi + 1, si + 1);
    case 'any': for (let k = si; k <= s.length; k++) if (glob(parts, s, pi + 1, k)) return true; return false;
  }
}

function lowerParts(parts: Part[]): Part[] {
  return parts.map((p) => (p.k === 'lit' ? { k: 'lit', s: p.s.toLowerCase() } : p.k === 'cls' ? { k: 'cls', chars: p.chars.toLowerCase() } : p));
}

function strMatch(v: Extract<Value, { t: 'str' }>, s: string, keyword: boolean): boolean {
  let parts = v.cased ? v.s.parts : lowerParts(v.s.parts);
  if (keyword) parts = [{ k: 'any' }, ...parts, { k: 'any' }];
  return glob(parts, v.cased ? s : s.toLowerCase());
}

function num(s: string): number | null {
  return s.trim() === '' || Number.isNaN(Number(s)) ? null : Number(s);
}

function cmp(op: string, a: number, b: number): boolean {
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : op === 'lte' ? a <= b : a === b;
}

function valueOnField(fields: Record<string, FieldValue>, field: string, v: Value): boolean {
  const raw = lookup(fields, field);
  const fs = forms(raw);
  switch (v.t) {
    case 'str': return fs.some((s) => strMatch(v, s, false));
    case 'num': return typeof raw === 'number' ? raw === v.n : fs.some((s) => s.toLowerCase() === v.source.toLowerCase() || s === String(v.n));
    case 'bool': return fs.some((s) => s.toLowerCase() === String(v.b));
    case 'null': return raw === undefined || raw === null;
    case 'exists': return (raw !== undefined) === v.b;
    case 're': { const t = translateRegex(v.source, v.flags); return fs.some((s) => new RegExp(t.source, t.flags).test(s)); }
    case 'cmp': return typeof raw === 'number' ? cmp(v.op, raw, v.n) : fs.some((s) => { const n = num(s); return n !== null && cmp(v.op, n, v.n); });
    case 'fieldref': {
      const other = forms(lookup(fields, v.field));
      const a = v.cased ? fs : fs.map((x) => x.toLowerCase());
      const b = v.cased ? other : other.map((x) => x.toLowerCase());
      return a.some((x) => b.some((y) => (v.mode === 'eq' ? x === y : v.mode === 'contains' ? x.includes(y) : v.mode === 'startswith' ? x.startsWith(y) : x.endsWith(y))));
    }
    case 'any-of': return v.values.some((x) => valueOnField(fields, field, x));
    default: throw new Error(`reference interpreter does not handle ${v.t}`);
  }
}

function valueAsKeyword(fields: Record<string, FieldValue>, v: Value): boolean {
  const all = Object.values(fields).flatMap(leaves);
  switch (v.t) {
    case 'str': return all.some((s) => strMatch(v, s, true));
    case 'num': return all.some((s) => s.toLowerCase().includes(v.source.toLowerCase()));
    case 're': { const t = translateRegex(v.source, v.flags); return all.some((s) => new RegExp(t.source, t.flags).test(s)); }
    case 'any-of': return v.values.some((x) => valueAsKeyword(fields, x));
    default: return false;
  }
}

function item(fields: Record<string, FieldValue>, it: Item): boolean {
  const results = it.values.map((v) => (it.field === null ? valueAsKeyword(fields, v) : valueOnField(fields, it.field, v)));
  const r = it.all ? results.every(Boolean) : results.some(Boolean);
  return it.negate ? !r : r;
}

function search(fields: Record<string, FieldValue>, s: Search): boolean {
  switch (s.k) {
    case 'item': return item(fields, s.item);
    case 'and': return s.items.every((i) => item(fields, i));
    case 'or': return s.items.some((x) => search(fields, x));
  }
}

export function referenceDetection(det: Detection, fields: Record<string, FieldValue>): boolean {
  const ev = (c: Cond): boolean => {
    switch (c.k) {
      case 'ref': return search(fields, det.searches.get(c.name)!);
      case 'and': return c.items.every(ev);
      case 'or': return c.items.some(ev);
      case 'not': return !ev(c.item);
      case 'of': return c.all ? c.names.every((n) => search(fields, det.searches.get(n)!)) : c.names.some((n) => search(fields, det.searches.get(n)!));
    }
  };
  return ev(det.condition);
}

export function referenceLogsource(rule: Logsource, e: Event): boolean {
  const ls = e.logsource;
  const cats = ls.categories ?? (ls.category ? [ls.category] : []);
  if (!ls.product && !ls.service && cats.length === 0) return true;
  return (rule.product === undefined || rule.product === ls.product)
    && (rule.service === undefined || rule.service === ls.service)
    && (rule.category === undefined || cats.includes(rule.category));
}
