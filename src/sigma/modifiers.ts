// Value modifiers (sigma-appendix-modifiers v2.1.0), applied left to right to each written value.
import type { CmpOp, DatePart, SigmaString, Value } from './model.js';
import { base64, base64offset, hasWildcards, literalString, parseSigmaString, plainText, utf16, windash, wrap } from './sigma-string.js';
import { parseCidr } from '../util/ip.js';

export class ModifierError extends Error {}

/** Every modifier name we accept, with aliases. */
export const MODIFIERS = new Set([
  'contains', 'startswith', 'endswith', 'all', 'exists', 'cased', 'neq',
  'windash', 're', 'i', 'm', 's', 'ignorecase', 'multiline', 'dotall',
  'base64', 'base64offset', 'utf16le', 'wide', 'utf16be', 'utf16',
  'lt', 'lte', 'gt', 'gte', 'minute', 'hour', 'day', 'week', 'month', 'year',
  'cidr', 'expand', 'fieldref',
]);

const DATE_PARTS: ReadonlySet<string> = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const CMP: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte']);
const RE_FLAGS: Record<string, string> = { i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' };

export type RawValue = string | number | boolean | null;

export interface Placeholders { get(name: string): string[] | undefined }

export interface ItemSpec {
  values: Value[];
  all: boolean;
  negate: boolean;
  warnings: string[];
}

/** Apply a modifier chain to the written values of one detection item. */
export function applyModifiers(field: string | null, mods: string[], raw: RawValue[], source: (string | undefined)[], placeholders: Placeholders | undefined): ItemSpec {
  const warnings: string[] = [];
  for (const m of mods) if (!MODIFIERS.has(m)) throw new ModifierError(`unknown modifier '${m}'`);
  const seen = new Set<string>();
  for (const m of mods) {
    if (seen.has(m)) warnings.push(`modifier '${m}' is applied more than once`);
    seen.add(m);
  }
  const all = mods.includes('all');
  const negate = mods.includes('neq');
  if (all && raw.length < 2) warnings.push("'all' on a single value (the specification allows it only on lists)");
  if (mods.includes('exists')) {
    if (mods.length !== 1) throw new ModifierError("'exists' must be the only modifier");
    if (field === null) throw new ModifierError("'exists' needs a field");
    if (raw.length !== 1 || typeof raw[0] !== 'boolean') throw new ModifierError("'exists' takes one boolean value (true or false)");
    return { values: [{ t: 'exists', b: raw[0] }], all, negate, warnings };
  }
  for (const first of ['re', 'cidr']) {
    const i = mods.indexOf(first);
    if (i > 0 && mods.slice(0, i).some((m) => m !== 'all' && m !== 'neq')) throw new ModifierError(`'${first}' must come first in the modifier chain`);
  }
  if (mods.includes('fieldref') && field === null) throw new ModifierError("'fieldref' needs a field");
  const values = raw.map((v, i) => applyToValue(v, source[i], mods, placeholders));
  return { values, all, negate, warnings };
}

function applyToValue(raw: RawValue, source: string | undefined, mods: string[], placeholders: Placeholders | undefined): Value {
  if (raw === null) {
    const bad = mods.filter((m) => m !== 'all' && m !== 'neq' && m !== 'cased');
    if (bad.length) throw new ModifierError(`modifier '${bad[0]}' cannot apply to null`);
    return { t: 'null' };
  }
  let cur: Value[];
  const ops = mods.filter((m) => m !== 'all' && m !== 'neq');
  const first = ops[0];
  if (first === 're') {
    if (typeof raw !== 'string') throw new ModifierError("'re' takes a string value");
    cur = [{ t: 're', source: raw, flags: '' }];
  } else if (first === 'cidr') {
    const text = String(raw);
    const net = parseCidr(text);
    if (!net) throw new ModifierError(`'${text}' is not a valid IPv4 or IPv6 network`);
    cur = [{ t: 'cidr', cidr: text }];
  } else if (first === 'fieldref') {
    if (typeof raw !== 'string' || !raw) throw new ModifierError("'fieldref' takes a field name");
    cur = [{ t: 'fieldref', field: raw, mode: 'eq', cased: false }];
  } else if (first === 'expand') {
    if (typeof raw !== 'string') throw new ModifierError("'expand' takes a string value");
    cur = expandPlaceholders(raw, placeholders);
  } else if (first !== undefined && CMP.has(first)) {
    cur = [cmpValue(first as CmpOp, raw)];
  } else if (first !== undefined && DATE_PARTS.has(first)) {
    cur = [];
  } else if (typeof raw === 'number') {
    cur = [{ t: 'num', n: raw, source: source ?? String(raw) }];
  } else if (typeof raw === 'boolean') {
    cur = [{ t: 'bool', b: raw }];
  } else {
    cur = [{ t: 'str', s: parseSigmaString(raw), cased: false }];
  }
  const startAt = first === 're' || first === 'cidr' || first === 'fieldref' || first === 'expand' || (first !== undefined && CMP.has(first)) ? 1 : 0;
  for (let i = startAt; i < ops.length; i++) {
    const m = ops[i]!;
    if (DATE_PARTS.has(m)) {
      // `field|hour: 3`, or with a comparison after it: `field|hour|gte: 20`.
      const next = ops[i + 1];
      const op: CmpOp | 'eq' = next && CMP.has(next) ? (next as CmpOp) : 'eq';
      const n = toNumber(raw);
      if (n === null || !Number.isInteger(n)) throw new ModifierError(`'${m}' takes an integer value`);
      cur = [{ t: 'datepart', part: m as DatePart, op, n }];
      if (op !== 'eq') i++;
      continue;
    }
    cur = cur.map((v) => applyOne(m, v));
  }
  return cur.length === 1 ? cur[0]! : { t: 'any-of', values: cur };
}

function toNumber(raw: RawValue): number | null {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  return null;
}

function cmpValue(op: CmpOp, raw: RawValue): Value {
  const n = toNumber(raw);
  if (n === null) throw new ModifierError(`'${op}' takes a numeric value, got '${String(raw)}'`);
  return { t: 'cmp', op, n };
}

function asStr(v: Value, m: string): { s: SigmaString; cased: boolean } {
  if (v.t === 'str') return v;
  if (v.t === 'num') return { s: literalString(v.source), cased: false };
  if (v.t === 'bool') return { s: literalString(String(v.b)), cased: false };
  throw new ModifierError(`modifier '${m}' cannot apply to a ${v.t} value`);
}

function applyOne(m: string, v: Value): Value {
  if (v.t === 'any-of') return { t: 'any-of', values: v.values.map((x) => applyOne(m, x)) };
  switch (m) {
    case 'contains': case 'startswith': case 'endswith': {
      const start = m !== 'startswith', end = m !== 'endswith';
      if (v.t === 're') {
        // |re is a search already; startswith/endswith anchor it.
        const src = m === 'contains' ? v.source : m === 'startswith' ? `^(?:${v.source})` : `(?:${v.source})$`;
        return { ...v, source: src };
      }
      if (v.t === 'fieldref') return { ...v, mode: m };
      const s = asStr(v, m);
      return { t: 'str', s: wrap(s.s, start, end), cased: s.cased };
    }
    case 'cased': {
      if (v.t === 'fieldref') return { ...v, cased: true };
      const s = asStr(v, m);
      return { t: 'str', s: s.s, cased: true };
    }
    case 'windash': {
      const s = asStr(v, m);
      return { t: 'str', s: windash(s.s), cased: s.cased };
    }
    case 'wide': case 'utf16le': case 'utf16be': case 'utf16': {
      const s = asStr(v, m);
      try {
        return { t: 'str', s: utf16(s.s, m === 'utf16be' ? 'be' : m === 'utf16' ? 'bom' : 'le'), cased: s.cased };
      } catch (e) { throw new ModifierError(`'${m}': ${(e as Error).message}`); }
    }
    case 'base64': case 'base64offset': {
      const s = asStr(v, m);
      let out: SigmaString[];
      try { out = m === 'base64' ? base64(s.s) : base64offset(s.s); } catch (e) { throw new ModifierError(`'${m}': ${(e as Error).message}`); }
      // Base64 text is case-sensitive by nature.
      const vals: Value[] = out.map((x) => ({ t: 'str', s: x, cased: true }));
      return vals.length === 1 ? vals[0]! : { t: 'any-of', values: vals };
    }
    case 'i': case 'ignorecase': case 'm': case 'multiline': case 's': case 'dotall': {
      if (v.t !== 're') throw new ModifierError(`'${m}' is a flag of 're' and needs 're' before it`);
      const f = RE_FLAGS[m]!;
      return v.flags.includes(f) ? v : { ...v, flags: v.flags + f };
    }
    case 'gt': case 'gte': case 'lt': case 'lte': {
      if (v.t === 'num') return { t: 'cmp', op: m, n: v.n };
      if (v.t === 'str') {
        const t = plainText(v.s);
        if (t !== null && t.trim() !== '' && !Number.isNaN(Number(t))) return { t: 'cmp', op: m, n: Number(t) };
      }
      throw new ModifierError(`'${m}' takes a numeric value`);
    }
    case 're': case 'cidr': case 'fieldref': case 'expand':
      throw new ModifierError(`'${m}' must come first in the modifier chain`);
    case 'exists':
      throw new ModifierError("'exists' must be the only modifier");
    default:
      throw new ModifierError(`unknown modifier '${m}'`);
  }
}

/** `%name%` placeholders (only under |expand); `\%` is a literal percent sign. */
function expandPlaceholders(text: string, placeholders: Placeholders | undefined): Value[] {
  const segments: ({ lit: string } | { ph: string })[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '%') { lit += '%'; i++; continue; }
    if (c === '%') {
      const j = text.indexOf('%', i + 1);
      if (j > i + 1) {
        if (lit) segments.push({ lit }); lit = '';
        segments.push({ ph: text.slice(i + 1, j) });
        i = j;
        continue;
      }
    }
    lit += c;
  }
  if (lit) segments.push({ lit });
  let acc: string[] = [''];
  for (const seg of segments) {
    if ('lit' in seg) { acc = acc.map((a) => a + escapeLiteral(seg.lit)); continue; }
    const vals = placeholders?.get(seg.ph);
    if (!vals) throw new ModifierError(`placeholder %${seg.ph}% has no values: define it in a placeholders file (--placeholders FILE)`);
    const next: string[] = [];
    for (const a of acc) for (const v of vals) next.push(a + v);
    if (next.length > 4096) throw new ModifierError('placeholder expansion yields more than 4096 values');
    acc = next;
  }
  return acc.map((a) => ({ t: 'str', s: parseSigmaString(a), cased: false }));
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\*?]/g, (c) => '\\' + c);
}

export { hasWildcards };
