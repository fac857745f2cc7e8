// Literal prefilters: for each rule, a set of (field, lower-cased literal) of which at least one must
// occur for the rule to match at all. Found for all rules of a logsource in one Aho-Corasick pass,
// so only rules whose literal occurs are evaluated (DESIGN.md, Scale).
import type { Cond, Detection, Item, Search, Value } from './model.js';

/** Field name, or '*' for "any value of the event" (keyword items). */
export interface Literal { field: string; lit: string }
/** Alternatives (OR); null means the rule has no necessary literal and is always evaluated. */
export type Requirement = Literal[] | null;

/** Beyond this many alternatives a requirement is not worth keeping (the automaton gets large). */
const MAX_ALTERNATIVES = 4096;

function union(reqs: Requirement[]): Requirement {
  const out: Literal[] = [];
  for (const r of reqs) {
    if (r === null) return null;
    out.push(...r);
  }
  return out.length > MAX_ALTERNATIVES ? null : dedupe(out);
}

function dedupe(l: Literal[]): Literal[] {
  const seen = new Set<string>();
  return l.filter((x) => { const k = `${x.field}\0${x.lit}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

/** The most selective requirement of an AND: the one whose shortest literal is longest. */
function best(reqs: Requirement[]): Requirement {
  let pick: Literal[] | null = null;
  let score = -1;
  for (const r of reqs) {
    if (!r || r.length === 0) continue;
    const s = Math.min(...r.map((x) => x.lit.length)) * 1000 - r.length;
    if (s > score) { score = s; pick = r; }
  }
  return pick;
}

/**
 * The longest run of characters a regex cannot match without: literal characters at the top level
 * (outside groups and classes), not made optional by a quantifier. Null when the pattern has a
 * top-level alternation or no such run of at least two characters.
 */
export function regexLiteral(source: string): string | null {
  let best = '', run = '';
  let depth = 0;
  const end = () => { if (run.length > best.length) best = run; run = ''; };
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    let lit: string | null = null;
    if (c === '\\') {
      const n = source[++i];
      if (n === undefined) return null;
      if (/[^A-Za-z0-9]/.test(n)) lit = n; // an escaped punctuation character is itself
      // skip the operands of escapes so their characters are not taken for literals
      else if (n === 'x') i += 2;
      else if (n === 'u') i = source[i + 1] === '{' ? source.indexOf('}', i) : i + 4;
      else if (n === 'c') i += 1;
      else if (n === 'k' || n === 'p' || n === 'P') { const close = source.slice(i + 1).search(/[>}]/); i = close < 0 ? source.length : i + 1 + close; }
      else if (/[0-9]/.test(n)) while (/[0-9]/.test(source[i + 1] ?? '')) i++;
      if (i < 0) return null;
    } else if (c === '[') {
      // skip the class
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
    } else if (c === '{') {
      // a {n,m} quantifier (its digits are not literals); it was already treated as optional below
      const close = source.indexOf('}', i);
      if (close < 0) return null;
      i = close;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return null;
    else if (depth === 0 && !'.^$*+?{}|'.includes(c)) lit = c;
    const q = source[i + 1];
    const optional = q === '?' || q === '*' || q === '{';
    if (lit !== null && depth === 0 && !optional) {
      run += lit;
      if (q === '+') end();
    } else end();
  }
  end();
  return best.length >= 2 ? best : null;
}

function valueReq(field: string, v: Value): Requirement {
  switch (v.t) {
    case 're': {
      const lit = regexLiteral(v.source);
      return lit ? [{ field, lit: lit.toLowerCase() }] : null;
    }
    case 'str': {
      let longest = '';
      for (const p of v.s.parts) if (p.k === 'lit' && p.s.length > longest.length) longest = p.s;
      return longest ? [{ field, lit: longest.toLowerCase() }] : null;
    }
    case 'any-of': return union(v.values.map((x) => valueReq(field, x)));
    default: return null;
  }
}

function itemReq(item: Item): Requirement {
  if (item.negate) return null;
  const field = item.field ?? '*';
  const reqs = item.values.map((v) => valueReq(field, v));
  return item.all ? best(reqs) : union(reqs);
}

function searchReq(s: Search): Requirement {
  switch (s.k) {
    case 'item': return itemReq(s.item);
    case 'and': return best(s.items.map(itemReq));
    case 'or': return union(s.items.map(searchReq));
  }
}

export function requirement(det: Detection): Requirement {
  const memo = new Map<string, Requirement>();
  const ref = (name: string): Requirement => {
    if (!memo.has(name)) memo.set(name, searchReq(det.searches.get(name)!));
    return memo.get(name)!;
  };
  const cond = (c: Cond): Requirement => {
    switch (c.k) {
      case 'ref': return ref(c.name);
      case 'and': return best(c.items.map(cond));
      case 'or': return union(c.items.map(cond));
      case 'not': return null;
      case 'of': return c.all ? best(c.names.map(ref)) : union(c.names.map(ref));
    }
  };
  return cond(det.condition);
}
