// One lowering shared by every query backend: a rule's detection, after its modifiers, as a small
// boolean expression over field predicates. The predicates keep tracehound's matching semantics
// (README, "Sigma semantics"); each backend prints them or refuses the rule with a reason.
import type { Cond, Detection, FilterRule, Item, Part, Search, SigmaRule, Value, CmpOp, DatePart, CorrelationCondition } from '../model.js';
import { filterApplies } from '../model.js';
import { wrap } from '../sigma-string.js';
import { parseCidr, type Network } from '../../util/ip.js';
import { parseSigmaRegex, type ParsedRegex, RegexDialectError } from '../regex-ast.js';

/** A rule the target cannot express; the message says why. */
export class ConversionError extends Error {
  constructor(message: string, readonly reason: string = message) { super(message); }
}

export type Pred =
  /** whole-value match of a Sigma string (wildcards, classes); case-insensitive unless `cased` */
  | { t: 'str'; parts: Part[]; cased: boolean; bytes: boolean }
  /** a number: equal as a number, or a string value equal to one of `forms` (lower case) */
  | { t: 'num'; n: number; forms: string[] }
  | { t: 're'; re: ParsedRegex }
  | { t: 'cidr'; cidr: string; net: Network }
  | { t: 'cmp'; op: CmpOp; n: number }
  /** the field is present (any value, null included) */
  | { t: 'exists' }
  /** the field is absent or null */
  | { t: 'null' }
  | { t: 'fieldref'; other: string; mode: 'eq' | 'contains' | 'startswith' | 'endswith'; cased: boolean }
  | { t: 'datepart'; part: DatePart; op: CmpOp | 'eq'; n: number };

export type Expr =
  | { k: 'and'; items: Expr[] }
  | { k: 'or'; items: Expr[] }
  | { k: 'not'; item: Expr }
  | { k: 'const'; v: boolean }
  /** field null: a keyword, searched in every value of the event */
  | { k: 'pred'; field: string | null; pred: Pred };

export const TRUE: Expr = { k: 'const', v: true };
export const FALSE: Expr = { k: 'const', v: false };

export function and(items: Expr[]): Expr {
  const out: Expr[] = [];
  for (const x of items) {
    if (x.k === 'const') { if (!x.v) return FALSE; continue; }
    if (x.k === 'and') out.push(...x.items); else out.push(x);
  }
  return out.length === 0 ? TRUE : out.length === 1 ? out[0]! : { k: 'and', items: out };
}

export function or(items: Expr[]): Expr {
  const out: Expr[] = [];
  for (const x of items) {
    if (x.k === 'const') { if (x.v) return TRUE; continue; }
    if (x.k === 'or') out.push(...x.items); else out.push(x);
  }
  return out.length === 0 ? FALSE : out.length === 1 ? out[0]! : { k: 'or', items: out };
}

export function not(x: Expr): Expr {
  if (x.k === 'const') return { k: 'const', v: !x.v };
  if (x.k === 'not') return x.item;
  return { k: 'not', item: x };
}

function lit(s: string): Part { return { k: 'lit', s }; }

/** The predicates one written value gives (an `any-of` value gives several, ORed). */
function valuePreds(field: string | null, v: Value): Expr {
  const p = (pred: Pred): Expr => ({ k: 'pred', field, pred });
  if (field === null) {
    // Keyword: an unanchored search of every value of the event (compile.ts, compileKeywordValue).
    switch (v.t) {
      case 'str': { const w = wrap(v.s, true, true); return p({ t: 'str', parts: w.parts, cased: v.cased, bytes: v.s.bytes }); }
      case 'num': return p({ t: 'str', parts: [{ k: 'any' }, lit(v.source), { k: 'any' }], cased: false, bytes: false });
      case 'bool': return p({ t: 'str', parts: [{ k: 'any' }, lit(String(v.b)), { k: 'any' }], cased: false, bytes: false });
      case 're': return p({ t: 're', re: regex(v.source, v.flags) });
      case 'cidr': return p({ t: 'cidr', cidr: v.cidr, net: parseCidr(v.cidr)! });
      case 'cmp': return p({ t: 'cmp', op: v.op, n: v.n });
      case 'any-of': return or(v.values.map((x) => valuePreds(field, x)));
      case 'null': case 'exists': case 'fieldref': case 'datepart': return FALSE;
    }
  }
  switch (v.t) {
    case 'str': return p({ t: 'str', parts: v.s.parts, cased: v.cased, bytes: v.s.bytes });
    case 'num': return p({ t: 'num', n: v.n, forms: [...new Set([v.source.toLowerCase(), String(v.n)])] });
    case 'bool': return p({ t: 'str', parts: [lit(String(v.b))], cased: false, bytes: false });
    case 'null': return p({ t: 'null' });
    case 're': return p({ t: 're', re: regex(v.source, v.flags) });
    case 'cidr': return p({ t: 'cidr', cidr: v.cidr, net: parseCidr(v.cidr)! });
    case 'cmp': return p({ t: 'cmp', op: v.op, n: v.n });
    case 'exists': return v.b ? p({ t: 'exists' }) : not(p({ t: 'exists' }));
    case 'fieldref': return p({ t: 'fieldref', other: v.field, mode: v.mode, cased: v.cased });
    case 'datepart': return p({ t: 'datepart', part: v.part, op: v.op, n: v.n });
    case 'any-of': return or(v.values.map((x) => valuePreds(field, x)));
  }
}

function regex(source: string, flags: string): ParsedRegex {
  return inDialect(() => parseSigmaRegex(source, flags));
}

/** Run a regex parser or dialect printer, its refusal (RegexDialectError) becoming a ConversionError. */
export function inDialect<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RegexDialectError) throw new ConversionError(e.message, 'regex construct');
    throw e;
  }
}

/** A numeric comparison's operator, as every target writes it. */
export const CMP_OP: Readonly<Record<CmpOp, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

export function lowerItem(item: Item): Expr {
  const preds = item.values.map((v) => valuePreds(item.field, v));
  const e = item.all ? and(preds) : or(preds);
  return item.negate ? not(e) : e;
}

function lowerSearch(s: Search): Expr {
  switch (s.k) {
    case 'and': return and(s.items.map(lowerItem));
    case 'or': return or(s.items.map(lowerSearch));
    case 'item': return lowerItem(s.item);
  }
}

export function lowerDetection(det: Detection): Expr {
  const cache = new Map<string, Expr>();
  const search = (name: string): Expr => {
    let e = cache.get(name);
    if (!e) {
      const s = det.searches.get(name);
      if (!s) throw new ConversionError(`search identifier '${name}' is not defined`);
      e = lowerSearch(s);
      cache.set(name, e);
    }
    return e;
  };
  const cond = (c: Cond): Expr => {
    switch (c.k) {
      case 'ref': return search(c.name);
      case 'and': return and(c.items.map(cond));
      case 'or': return or(c.items.map(cond));
      case 'not': return not(cond(c.item));
      case 'of': return c.all ? and(c.names.map(search)) : or(c.names.map(search));
    }
  };
  return cond(det.condition);
}

/** Filters spec (as the rule set applies them): a filter suppresses the rule's matches where it holds. */

export function lowerRule(rule: SigmaRule, filters: FilterRule[] = []): Expr {
  let e = lowerDetection(rule.detection);
  for (const f of filters) if (filterApplies(f, rule)) e = and([e, not(lowerDetection(f.detection))]);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Helpers for printing string predicates.

export type Shape =
  | { kind: 'eq' | 'prefix' | 'suffix' | 'contains'; lit: string }
  | { kind: 'any' }
  | { kind: 'glob' };

/** A string predicate's shape: a plain comparison when the wildcards are only at the ends. */
export function shapeOf(parts: Part[]): Shape {
  const sh = parts.map((p) => (p.k === 'lit' ? 'L' : p.k === 'any' ? '*' : '?')).join('');
  const l = (i: number) => (parts[i] as { s: string }).s;
  switch (sh) {
    case '': return { kind: 'eq', lit: '' };
    case 'L': return { kind: 'eq', lit: l(0) };
    case '*': return { kind: 'any' };
    case 'L*': return { kind: 'prefix', lit: l(0) };
    case '*L': return { kind: 'suffix', lit: l(1) };
    case '*L*': return { kind: 'contains', lit: l(1) };
    default: return { kind: 'glob' };
  }
}

/** Every concrete part list a pattern's character classes stand for (windash), or null past `limit`. */
export function expandClasses(parts: Part[], limit = 64): Part[][] | null {
  let acc: Part[][] = [[]];
  for (const p of parts) {
    if (p.k !== 'cls') { acc = acc.map((a) => [...a, p]); continue; }
    const next: Part[][] = [];
    for (const a of acc) for (const c of p.chars) next.push([...a, lit(c)]);
    if (next.length > limit) return null;
    acc = next;
  }
  return acc.map(mergeLits);
}

function mergeLits(parts: Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (p.k === 'lit' && last?.k === 'lit') out[out.length - 1] = lit(last.s + p.s);
    else out.push(p);
  }
  return out;
}

/** Lower-case the literal parts (the matcher folds the pattern with toLowerCase unless `cased`). */
export function foldParts(parts: Part[], cased: boolean): Part[] {
  if (cased) return parts;
  return parts.map((p) => (p.k === 'lit' ? lit(p.s.toLowerCase()) : p.k === 'cls' ? { k: 'cls', chars: p.chars.toLowerCase() } : p));
}

/** How a target writes a correlation condition's comparisons. */
export interface ComparisonSyntax { eq: string; neq: string; and: string; none: string; spaced: boolean }

/** A correlation condition (`gte: 3`, `lt: 10`, ...) as the target's comparisons on `x`, ANDed. */
export function conditionExpr(k: CorrelationCondition, x: string, s: ComparisonSyntax): string {
  const ops: [number | undefined, string][] = [[k.gt, '>'], [k.gte, '>='], [k.lt, '<'], [k.lte, '<='], [k.eq, s.eq], [k.neq, s.neq]];
  const sp = s.spaced ? ' ' : '';
  return ops.filter(([v]) => v !== undefined).map(([v, op]) => `${x}${sp}${op}${sp}${v}`).join(s.and) || s.none;
}
