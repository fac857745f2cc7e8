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

function valueReq(field: string, v: Value): Requirement {
  switch (v.t) {
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
