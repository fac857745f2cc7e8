// The condition grammar (rules spec, Condition). Loosest to tightest: or, and, not, `x of`, parentheses.
import type { Cond } from './model.js';
import { starGlob } from '../util/star-glob.js';

export class ConditionError extends Error {
  constructor(message: string, readonly offset: number) { super(message); }
}

interface Tok { v: string; at: number }

function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  const re = /\s*(\(|\)|\||[^\s()|]+)/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (!m[1]) break;
    toks.push({ v: m[1], at: m.index + m[0].length - m[1].length });
  }
  if (text.slice(re.lastIndex).trim()) throw new ConditionError('unexpected text', re.lastIndex);
  return toks;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', '(', ')']);

/** Identifiers a `1 of`/`all of` pattern covers: `*` is any run; `_`-prefixed names only if the pattern starts with `_`. */
export function resolvePattern(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const matches = starGlob(pattern.split('*'));
  return names.filter((n) => matches(n) && (pattern.startsWith('_') || !n.startsWith('_')));
}

/**
 * Parentheses and `not`s nested deeper than this are refused: every walk over a condition (the
 * matcher, the prefilter, the backends) recurses, and real rules nest a handful of levels.
 */
export const MAX_CONDITION_DEPTH = 64;

export function parseCondition(text: string, names: readonly string[]): Cond {
  const toks = tokenize(text);
  if (toks.length === 0) throw new ConditionError('empty condition', 0);
  const pipe = toks.find((t) => t.v === '|');
  if (pipe) throw new ConditionError('the pipe (aggregation) syntax is not part of Sigma 2; express it as a correlation rule', pipe.at);
  let i = 0;
  const peek = () => toks[i];
  const known = new Set(names);

  function expectName(t: Tok | undefined): string {
    if (!t) throw new ConditionError('expression expected at end of condition', text.length);
    if (KEYWORDS.has(t.v)) throw new ConditionError(`unexpected '${t.v}'`, t.at);
    return t.v;
  }

  function parseOr(): Cond {
    const items = [parseAnd()];
    while (peek()?.v === 'or') { i++; items.push(parseAnd()); }
    return items.length === 1 ? items[0]! : { k: 'or', items };
  }
  function parseAnd(): Cond {
    const items = [parseNot()];
    while (peek()?.v === 'and') { i++; items.push(parseNot()); }
    return items.length === 1 ? items[0]! : { k: 'and', items };
  }
  let depth = 0;
  function nested<T>(at: number, f: () => T): T {
    if (++depth > MAX_CONDITION_DEPTH) throw new ConditionError(`parentheses and 'not' nested deeper than ${MAX_CONDITION_DEPTH}`, at);
    const r = f();
    depth--;
    return r;
  }
  function parseNot(): Cond {
    const t = peek();
    if (t?.v === 'not') { i++; return nested(t.at, () => ({ k: 'not', item: parseNot() })); }
    return parsePrimary();
  }
  function parsePrimary(): Cond {
    const t = toks[i];
    if (!t) throw new ConditionError('expression expected at end of condition', text.length);
    if (t.v === '(') {
      i++;
      const e = nested(t.at, parseOr);
      const close = toks[i];
      if (close?.v !== ')') throw new ConditionError("missing ')'", close?.at ?? text.length);
      i++;
      return e;
    }
    const next = toks[i + 1];
    if (next?.v === 'of') {
      const q = t.v;
      if (q !== '1' && q !== 'all' && q !== 'any') throw new ConditionError(`'${q} of' is not valid: use '1 of' or 'all of'`, t.at);
      i += 2;
      const target = toks[i];
      if (!target || (KEYWORDS.has(target.v) && target.v !== 'them')) throw new ConditionError("'of' needs 'them' or a search identifier pattern", target?.at ?? text.length);
      i++;
      const matched = resolvePattern(target.v, names);
      if (matched.length === 0) throw new ConditionError(`'${target.v}' matches no search identifier`, target.at);
      return { k: 'of', all: q === 'all', names: matched };
    }
    const name = expectName(t);
    if (!known.has(name)) {
      const upper = ['AND', 'OR', 'NOT'].includes(name) ? ' (condition operators are lower case)' : '';
      throw new ConditionError(`search identifier '${name}' is not defined${upper}`, t.at);
    }
    i++;
    return { k: 'ref', name };
  }

  const cond = parseOr();
  if (i < toks.length) {
    const t = toks[i]!;
    const hint = ['AND', 'OR', 'NOT'].includes(t.v) ? ' (condition operators are lower case)' : '';
    throw new ConditionError(`unexpected '${t.v}'${hint}`, t.at);
  }
  return cond;
}

/** Search identifiers a condition uses. */
export function referencedNames(c: Cond, out = new Set<string>()): Set<string> {
  switch (c.k) {
    case 'ref': out.add(c.name); break;
    case 'of': c.names.forEach((n) => out.add(n)); break;
    case 'not': referencedNames(c.item, out); break;
    default: c.items.forEach((x) => referencedNames(x, out));
  }
  return out;
}
