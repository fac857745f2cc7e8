// Sigma `|re` values as a small syntax tree, so every backend can print the regex in its own dialect
// (RE2 for DuckDB and KQL, PCRE for Splunk, Lucene for EQL and ES|QL) with the semantics tracehound's
// matcher gives it: the value is translated as src/sigma/regex.ts does and then run as a JavaScript
// RegExp without the `u` flag. A construct a dialect cannot express exactly raises RegexDialectError.

export class RegexDialectError extends Error {}

/** A set of UTF-16 code units as sorted, disjoint, inclusive intervals. */
export type CharSet = [number, number][];

export type RNode =
  | { t: 'alt'; items: RNode[] }
  | { t: 'seq'; items: RNode[] }
  | { t: 'set'; set: CharSet }
  /** JavaScript `^` (start of input; with the m flag also after a line terminator) */
  | { t: 'bol' }
  /** JavaScript `$` (end of input; with the m flag also before a line terminator) */
  | { t: 'eos' }
  /** a written `$` without the m flag: PCRE's end, i.e. the end of input or before a final newline */
  | { t: 'pdollar' }
  | { t: 'wordb'; neg: boolean }
  | { t: 'group'; body: RNode }
  | { t: 'look'; behind: boolean; neg: boolean; body: RNode }
  | { t: 'rep'; body: RNode; min: number; max: number; lazy: boolean }
  | { t: 'backref'; ref: string };

export interface ParsedRegex { root: RNode; flags: { i: boolean; m: boolean; s: boolean }; source: string }

const MAX_CU = 0xffff;
export const LINE_TERMINATORS: CharSet = [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]];
const DIGIT: CharSet = [[0x30, 0x39]];
const WORD: CharSet = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
/** JavaScript's \s: WhiteSpace and LineTerminator. */
const SPACE: CharSet = normalize([[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]]);

export function normalize(set: CharSet): CharSet {
  const s = [...set].sort((a, b) => a[0] - b[0]);
  const out: CharSet = [];
  for (const [lo, hi] of s) {
    const last = out.at(-1);
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function complement(set: CharSet): CharSet {
  const out: CharSet = [];
  let next = 0;
  for (const [lo, hi] of normalize(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CU) out.push([next, MAX_CU]);
  return out;
}

function single(c: number): CharSet { return [[c, c]]; }

function shorthand(ch: string): CharSet | null {
  switch (ch) {
    case 'd': return DIGIT;
    case 'D': return complement(DIGIT);
    case 'w': return WORD;
    case 'W': return complement(WORD);
    case 's': return SPACE;
    case 'S': return complement(SPACE);
    default: return null;
  }
}

const CONTROL_ESC: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

/** Parse a Sigma regex with its modifier flags, as tracehound's matcher reads it. */
export function parseSigmaRegex(pattern: string, flags: string): ParsedRegex {
  let src = pattern;
  const fl = new Set(flags.split('').filter(Boolean));
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'x') throw new RegexDialectError('verbose regex flag (?x) is not supported');
      fl.add(f);
    }
    src = src.slice(lead[0].length);
  }
  const m = fl.has('m');
  let i = 0;
  let groups = 0;
  const err = (msg: string): never => { throw new RegexDialectError(`regex: ${msg} at offset ${i}`); };

  const parseAlt = (): RNode => {
    const items: RNode[] = [parseSeq()];
    while (src[i] === '|') { i++; items.push(parseSeq()); }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  };

  const parseSeq = (): RNode => {
    const items: RNode[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const atom = parseAtom();
      items.push(parseQuant(atom));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  };

  const quantAt = (): { min: number; max: number; len: number } | null => {
    const c = src[i];
    if (c === '*') return { min: 0, max: Infinity, len: 1 };
    if (c === '+') return { min: 1, max: Infinity, len: 1 };
    if (c === '?') return { min: 0, max: 1, len: 1 };
    if (c === '{') {
      const q = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (!q) return null; // Annex B: a literal brace
      const min = Number(q[1]);
      const max = q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]);
      if (max < min) err('numbers out of order in {} quantifier');
      return { min, max, len: q[0].length };
    }
    return null;
  };

  const parseQuant = (atom: RNode): RNode => {
    let node = atom;
    for (;;) {
      const q = quantAt();
      if (!q) return node;
      if (node.t === 'bol' || node.t === 'eos' || node.t === 'pdollar' || node.t === 'wordb') err('nothing to repeat');
      i += q.len;
      let lazy = false;
      if (src[i] === '?') { lazy = true; i++; }
      node = { t: 'rep', body: node, min: q.min, max: q.max, lazy };
      // JavaScript rejects a quantifier after a quantifier (a{1}{2}); a lazy mark was consumed above.
      if (quantAt()) err('nothing to repeat');
    }
  };

  const parseEscapeValue = (inClass: boolean): CharSet | RNode => {
    // src[i] is the character after the backslash
    const c = src[i];
    if (c === undefined) return err('regex ends with a lone backslash');
    i++;
    const sh = shorthand(c);
    if (sh) return sh;
    if (c in CONTROL_ESC) return single(CONTROL_ESC[c]!);
    if (c === 'b') return inClass ? single(8) : { t: 'wordb', neg: false };
    if (c === 'B') return inClass ? single(0x42) : { t: 'wordb', neg: true };
    if (!inClass && c === 'A') return { t: 'bol' };
    if (!inClass && (c === 'Z' || c === 'z')) return { t: 'eos' };
    if (c === '0' && !/[0-9]/.test(src[i] ?? '')) return single(0);
    if (/[1-9]/.test(c)) {
      if (inClass) return err('octal escapes are not supported');
      let num = c;
      while (/[0-9]/.test(src[i] ?? '')) num += src[i++];
      return { t: 'backref', ref: num };
    }
    if (c === 'x') {
      const h = /^[0-9a-fA-F]{2}/.exec(src.slice(i));
      if (h) { i += 2; return single(parseInt(h[0], 16)); }
      return single(0x78);
    }
    if (c === 'u') {
      const h = /^[0-9a-fA-F]{4}/.exec(src.slice(i));
      if (h) { i += 4; return single(parseInt(h[0], 16)); }
      return single(0x75);
    }
    if (c === 'c') {
      const l = src[i];
      if (l !== undefined && /[A-Za-z]/.test(l)) { i++; return single(l.charCodeAt(0) % 32); }
      i--; // `\c` not followed by a letter is a literal backslash and c
      return single(0x5c);
    }
    if (!inClass && c === 'k' && src[i] === '<') {
      const end = src.indexOf('>', i);
      if (end < 0) return err('unterminated \\k<');
      const name = src.slice(i + 1, end);
      i = end + 1;
      return { t: 'backref', ref: name };
    }
    return single(c.charCodeAt(0));
  };

  const parseClass = (): RNode => {
    // src[i] is just after '['
    let neg = false;
    if (src[i] === '^') { neg = true; i++; }
    const items: CharSet = [];
    let first = true;
    const readItem = (): CharSet | number => {
      const c = src[i]!;
      if (c === '\\') {
        i++;
        const v = parseEscapeValue(true) as CharSet;
        return v.length === 1 && v[0]![0] === v[0]![1] ? v[0]![0] : v;
      }
      i++;
      return c.charCodeAt(0);
    };
    for (;;) {
      if (i >= src.length) return err('unterminated character class');
      // PCRE: a ']' right after '[' or '[^' is a literal (tracehound's translation keeps that).
      if (src[i] === ']' && !first) { i++; break; }
      first = false;
      const a = readItem();
      if (src[i] === '-' && src[i + 1] !== undefined && src[i + 1] !== ']') {
        const save = i;
        i++;
        const b = readItem();
        if (typeof a === 'number' && typeof b === 'number') {
          if (b < a) return err('range out of order in character class');
          items.push([a, b]);
          continue;
        }
        // Annex B: a range with a class escape at an end is the items and a literal '-'.
        i = save + 1;
        items.push(...(typeof a === 'number' ? single(a) : a), [0x2d, 0x2d]);
        const bb = b;
        items.push(...(typeof bb === 'number' ? single(bb) : bb));
        continue;
      }
      items.push(...(typeof a === 'number' ? single(a) : a));
    }
    const set = normalize(items);
    return { t: 'set', set: neg ? complement(set) : set };
  };

  const parseAtom = (): RNode => {
    const c = src[i]!;
    switch (c) {
      case '^': i++; return { t: 'bol' };
      case '$': i++; return m ? { t: 'eos' } : { t: 'pdollar' };
      case '.': i++; return { t: 'set', set: fl.has('s') ? [[0, MAX_CU]] : complement(LINE_TERMINATORS) };
      case '[': i++; return parseClass();
      case '\\': {
        i++;
        const v = parseEscapeValue(false);
        return Array.isArray(v) ? { t: 'set', set: v } : v;
      }
      case '(': {
        i++;
        let kind: 'cap' | 'nocap' | 'look' = 'cap';
        let behind = false, neg = false;
        if (src[i] === '?') {
          const rest = src.slice(i + 1);
          if (rest.startsWith(':')) { kind = 'nocap'; i += 2; }
          else if (rest.startsWith('=') || rest.startsWith('!')) { kind = 'look'; neg = rest[0] === '!'; i += 2; }
          else if (rest.startsWith('<=') || rest.startsWith('<!')) { kind = 'look'; behind = true; neg = rest[1] === '!'; i += 3; }
          else if (rest.startsWith('P<') || rest.startsWith('<')) {
            const start = i + (rest.startsWith('P<') ? 3 : 2);
            const end = src.indexOf('>', start);
            if (end < 0) return err('unterminated group name');
            i = end + 1;
          } else if (rest.startsWith('P=')) {
            const end = src.indexOf(')', i);
            if (end < 0) return err('unterminated (?P= back reference');
            const name = src.slice(i + 3, end);
            i = end + 1;
            return { t: 'backref', ref: name };
          } else if (rest.startsWith('>')) return err('atomic groups (?>...) are not supported');
          else return err('inline flags inside a regex are not supported');
        }
        if (kind === 'cap') groups++;
        const body = parseAlt();
        if (src[i] !== ')') return err("missing ')'");
        i++;
        return kind === 'look' ? { t: 'look', behind, neg, body } : { t: 'group', body };
      }
      case ')': return err("unmatched ')'");
      case '*': case '+': case '?': return err('nothing to repeat');
      case '{': {
        if (quantAt()) return err('nothing to repeat');
        i++;
        return { t: 'set', set: single(0x7b) };
      }
      default: {
        // Surrogate pairs stay two code units, as a JavaScript RegExp without the u flag sees them.
        i++;
        return { t: 'set', set: single(c.charCodeAt(0)) };
      }
    }
  };

  const root = parseAlt();
  if (i < src.length) err(`unexpected '${src[i]}'`);
  void groups;
  return { root, flags: { i: fl.has('i'), m, s: fl.has('s') }, source: pattern };
}

/** Does the tree contain a node of this kind? */
export function hasNode(n: RNode, pred: (n: RNode) => boolean): boolean {
  if (pred(n)) return true;
  switch (n.t) {
    case 'alt': case 'seq': return n.items.some((x) => hasNode(x, pred));
    case 'group': case 'look': case 'rep': return hasNode(n.body, pred);
    default: return false;
  }
}

/** Literal code units every match must contain (for documentation and prefilters); not used for matching. */
export function isSingleChar(set: CharSet): number | null {
  return set.length === 1 && set[0]![0] === set[0]![1] ? set[0]![0] : null;
}

// ---------------------------------------------------------------------------------------------
// Case folding for dialects without a case-insensitive regex (ES|QL): the value is lower-cased, so
// the pattern must accept the lower-case form of everything it accepted in any case.

function lowerOf(c: number): number {
  const l = String.fromCharCode(c).toLowerCase();
  return l.length === 1 ? l.charCodeAt(0) : c;
}

/** Add the lower-case counterpart of every character of the set (ASCII and Latin ranges are folded per character). */
export function foldSetLower(set: CharSet): CharSet {
  const extra: CharSet = [];
  for (const [lo, hi] of set) {
    // Whole-range folds for the common blocks; per character elsewhere (bounded).
    const aLo = Math.max(lo, 0x41), aHi = Math.min(hi, 0x5a);
    if (aLo <= aHi) extra.push([aLo + 32, aHi + 32]);
    const from = Math.max(lo, 0x80), to = Math.min(hi, 0x24f);
    for (let c = from; c <= to; c++) { const l = lowerOf(c); if (l !== c) extra.push([l, l]); }
    if (hi > 0x24f && hi - Math.max(lo, 0x250) < 4096) for (let c = Math.max(lo, 0x250); c <= hi; c++) { const l = lowerOf(c); if (l !== c) extra.push([l, l]); }
  }
  return normalize([...set, ...extra]);
}

export function foldLower(n: RNode): RNode {
  switch (n.t) {
    case 'alt': return { t: 'alt', items: n.items.map(foldLower) };
    case 'seq': return { t: 'seq', items: n.items.map(foldLower) };
    case 'set': {
      // A negated class written in the rule is a complement here: in i-mode a character is excluded
      // when any case form of it is; on lower-cased input only the lower-case forms occur.
      return { t: 'set', set: foldSetLower(n.set) };
    }
    case 'group': return { t: 'group', body: foldLower(n.body) };
    case 'look': return { ...n, body: foldLower(n.body) };
    case 'rep': return { ...n, body: foldLower(n.body) };
    default: return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Printers

function hex(c: number): string { return c.toString(16).toUpperCase().padStart(2, '0'); }

/** RE2 (DuckDB regexp_matches, KQL `matches regex`) and PCRE (Splunk) share most of the syntax. */
type Flavour = 're2' | 'pcre';

function reChar(c: number, inClass: boolean): string {
  if (c < 0x20 || c === 0x7f) return `\\x${hex(c)}`;
  if (c > 0x7e) return `\\x{${c.toString(16).toUpperCase()}}`;
  const ch = String.fromCharCode(c);
  if (inClass) return /[\\\]\[^\-]/.test(ch) ? '\\' + ch : ch;
  return /[\\^$.|?*+()[\]{}\/]/.test(ch) ? '\\' + ch : ch;
}

function reSet(set: CharSet): string {
  const one = isSingleChar(set);
  if (one !== null) return reChar(one, false);
  if (set.length === 0) return '[^\\x00-\\x{10FFFF}]';
  const full = set.length === 1 && set[0]![0] === 0 && set[0]![1] === MAX_CU;
  if (full) return '[\\x00-\\x{10FFFF}]';
  // Print whichever of the set and its complement is shorter; the complement also covers code points above the BMP.
  const comp = complement(set);
  const body = (s: CharSet) => s.map(([lo, hi]) => (lo === hi ? reChar(lo, true) : hi === lo + 1 ? reChar(lo, true) + reChar(hi, true) : `${reChar(lo, true)}-${reChar(hi, true)}`)).join('');
  if (comp.length < set.length && set.at(-1)![1] === MAX_CU) return `[^${body(comp)}]`;
  return `[${body(set)}]`;
}

const LT_RE2 = '[\\n\\r\\x{2028}\\x{2029}]';

interface Pos { head: boolean; tail: boolean }

function printRe(n: RNode, f: ParsedRegex['flags'], flavour: Flavour, pos: Pos): string {
  const seq = (items: RNode[], p: Pos) => items.map((x, k) => printRe(x, f, flavour, { head: p.head && k === 0, tail: p.tail && k === items.length - 1 })).join('');
  switch (n.t) {
    case 'alt': return n.items.map((x) => printRe(x, f, flavour, pos)).join('|');
    case 'seq': return seq(n.items, pos);
    case 'set': return reSet(n.set);
    case 'group': return `(?:${printRe(n.body, f, flavour, pos)})`;
    case 'rep': {
      const body = printRe(n.body, f, flavour, { head: false, tail: false });
      const atom = needsGroup(n.body) ? `(?:${body})` : body;
      const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?'
        : n.max === Infinity ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      if (flavour === 're2' && (n.min > 1000 || (n.max !== Infinity && n.max > 1000))) throw new RegexDialectError('RE2 allows at most 1000 repetitions');
      return atom + q + (n.lazy ? '?' : '');
    }
    case 'wordb': return n.neg ? '\\B' : '\\b';
    case 'backref': throw new RegexDialectError('back references are not supported in this query language');
    case 'look': {
      if (flavour === 're2') throw new RegexDialectError('lookaround assertions are not supported by RE2');
      return `(?${n.behind ? '<' : ''}${n.neg ? '!' : '='}${printRe(n.body, f, flavour, { head: false, tail: false })})`;
    }
    case 'bol':
      if (!f.m) return flavour === 're2' ? '^' : '\\A';
      if (flavour === 'pcre') return `(?:\\A|(?<=${LT_RE2}))`;
      if (!pos.head) throw new RegexDialectError("'^' with the m flag is supported only at the start of the pattern");
      return `(?:^|${LT_RE2})`;
    case 'eos':
      if (!f.m) return '\\z';
      if (flavour === 'pcre') return `(?=${LT_RE2}|\\z)`;
      if (!pos.tail) throw new RegexDialectError("'$' with the m flag is supported only at the end of the pattern");
      return `(?:\\z|${LT_RE2})`;
    case 'pdollar':
      if (flavour === 'pcre') return '(?=\\n?\\z)';
      if (!pos.tail) throw new RegexDialectError("'$' is supported only at the end of the pattern (PCRE's end-or-final-newline cannot be written in RE2 elsewhere)");
      return '(?:\\n?\\z)';
  }
}

function needsGroup(n: RNode): boolean {
  return n.t === 'alt' || n.t === 'seq' || n.t === 'rep';
}

/** An unanchored-search regex in RE2 syntax (with (?i) when the rule's regex is case-insensitive). */
export function toRe2(r: ParsedRegex): string {
  const body = printRe(r.root, r.flags, 're2', { head: true, tail: true });
  return (r.flags.i ? '(?i)' : '') + body;
}

/** An unanchored-search regex in PCRE syntax (Splunk's `regex` command and `match()`). */
export function toPcre(r: ParsedRegex): string {
  const body = printRe(r.root, r.flags, 'pcre', { head: true, tail: true });
  return (r.flags.i ? '(?i)' : '') + body;
}

// Lucene regular expressions (Elasticsearch regexp, EQL `regex`, ES|QL RLIKE) match the whole value,
// have no anchors, lookaround, back references, lazy quantifiers or \b, and reserve more characters.

function luChar(c: number, inClass: boolean): string {
  const ch = String.fromCharCode(c);
  if (inClass) return /[\\\]\[^\-]/.test(ch) ? '\\' + ch : ch;
  return /[.?+*|{}[\]()"\\#@&<>~]/.test(ch) ? '\\' + ch : ch;
}

function luSet(set: CharSet): string {
  const one = isSingleChar(set);
  if (one !== null) return luChar(one, false);
  if (set.length === 1 && set[0]![0] === 0 && set[0]![1] === MAX_CU) return '.';
  if (set.length === 0) throw new RegexDialectError('an empty character class cannot be written in a Lucene regex');
  const comp = complement(set);
  const body = (s: CharSet) => s.map(([lo, hi]) => (lo === hi ? luChar(lo, true) : `${luChar(lo, true)}-${luChar(hi, true)}`)).join('');
  if (comp.length < set.length && set.at(-1)![1] === MAX_CU && comp.length > 0) return `[^${body(comp)}]`;
  return `[${body(set)}]`;
}

function printLu(n: RNode): string {
  switch (n.t) {
    case 'alt': return n.items.map(printLu).join('|');
    case 'seq': return n.items.map(printLu).join('');
    case 'set': return luSet(n.set);
    case 'group': return `(${printLu(n.body)})`;
    case 'rep': {
      const body = printLu(n.body);
      const atom = needsGroup(n.body) ? `(${body})` : body;
      const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?'
        : n.max === Infinity ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      return atom + q; // laziness does not change whether a whole-value match exists
    }
    case 'wordb': throw new RegexDialectError('word boundaries (\\b) are not supported in Lucene regular expressions');
    case 'backref': throw new RegexDialectError('back references are not supported in Lucene regular expressions');
    case 'look': throw new RegexDialectError('lookaround assertions are not supported in Lucene regular expressions');
    case 'bol': case 'eos': case 'pdollar': throw new RegexDialectError('anchors (^, $) are supported only at the start or end of the pattern in Lucene regular expressions');
  }
}

const LT_CLASS = '[\n\r\u2028\u2029]';

/**
 * A whole-value Lucene regex equivalent to searching the rule's regex: `.*(re).*`, with an anchor at
 * the start or end of every top-level alternative turned into the absence of the `.*`.
 */
export function toLucene(r: ParsedRegex, lower = false): string {
  const root = lower ? foldLower(r.root) : r.root;
  const alts = root.t === 'alt' ? root.items : [root];
  const out = alts.map((a) => {
    let items = a.t === 'seq' ? [...a.items] : [a];
    let prefix = '.*', suffix = '.*';
    if (items[0]?.t === 'bol') { prefix = r.flags.m ? `(.*${LT_CLASS})?` : ''; items = items.slice(1); }
    const last = items.at(-1);
    if (last && (last.t === 'eos' || last.t === 'pdollar')) {
      suffix = last.t === 'pdollar' ? '\n?' : r.flags.m ? `(${LT_CLASS}.*)?` : '';
      items = items.slice(0, -1);
    }
    const body = items.map(printLu).join('');
    return `${prefix}(${body})${suffix}`;
  });
  return out.length === 1 ? out[0]! : out.map((x) => `(${x})`).join('|');
}
