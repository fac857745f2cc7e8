// Sigma `|re` values as a small syntax tree, so every backend can print the regex in its own dialect
// (RE2 for DuckDB, KQL and tracehound's own matcher, PCRE for Splunk, Lucene for EQL and ES|QL) with
// the meaning Sigma gives it (PCRE-flavoured, as a JavaScript RegExp without the `u` flag reads the
// spellings test/support/js-regex.ts translates).
// A construct a dialect cannot express exactly raises RegexDialectError.

export class RegexDialectError extends Error {}

/** A set of UTF-16 code units as sorted, disjoint, inclusive intervals. */
export type CharSet = [number, number][];

export type RNode =
  | { t: 'alt'; items: RNode[] }
  | { t: 'seq'; items: RNode[] }
  /** `base` and `neg` keep how a class was written ([^...], \W, .), for case folding */
  | { t: 'set'; set: CharSet; base?: CharSet; neg?: boolean }
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

/** Groups nested deeper than this are refused: the parser and every printer recurse. */
export const MAX_GROUP_DEPTH = 64;

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
  let groups = 0, depth = 0;
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
    return neg ? { t: 'set', set: complement(set), base: set, neg: true } : { t: 'set', set };
  };

  const parseAtom = (): RNode => {
    const c = src[i]!;
    switch (c) {
      case '^': i++; return { t: 'bol' };
      case '$': i++; return m ? { t: 'eos' } : { t: 'pdollar' };
      case '.': i++; return fl.has('s') ? { t: 'set', set: [[0, MAX_CU]] } : { t: 'set', set: complement(LINE_TERMINATORS), base: LINE_TERMINATORS, neg: true };
      case '[': i++; return parseClass();
      case '\\': {
        i++;
        const esc = src[i];
        const v = parseEscapeValue(false);
        if (Array.isArray(v) && esc !== undefined && 'WSD'.includes(esc)) return { t: 'set', set: v, base: shorthand(esc.toLowerCase())!, neg: true };
        return Array.isArray(v) ? { t: 'set', set: v } : v;
      }
      case '(': {
        if (++depth > MAX_GROUP_DEPTH) err(`groups nested deeper than ${MAX_GROUP_DEPTH}`);
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
        depth--;
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

/** The lower-case forms of the characters of a set (ASCII and Latin ranges per character, large other ranges kept). */
export function foldSetLower(set: CharSet): CharSet {
  const out: CharSet = [];
  for (const [lo, hi] of set) {
    if (hi - lo > 4096) { out.push([lo, hi]); continue; }
    let start = -1, prev = -2;
    for (let c = lo; c <= hi; c++) {
      const l = lowerOf(c);
      if (l === c && c === prev + 1 && start >= 0) { prev = c; continue; }
      if (start >= 0) out.push([start, prev]);
      if (l === c) { start = c; prev = c; } else { out.push([l, l]); start = -1; prev = -2; }
    }
    if (start >= 0) out.push([start, prev]);
  }
  return normalize(out);
}

export function foldLower(n: RNode): RNode {
  switch (n.t) {
    case 'alt': return { t: 'alt', items: n.items.map(foldLower) };
    case 'seq': return { t: 'seq', items: n.items.map(foldLower) };
    case 'set':
      // In i-mode a character matches a class when a case form of it is a member, and a negated
      // class when none is: fold the members, then complement.
      if (n.neg && n.base) return { t: 'set', set: complement(foldSetLower(n.base)) };
      return { t: 'set', set: foldSetLower(n.set) };
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
const WORD_CLASS = '[0-9A-Za-z_]';
const NONWORD_CLASS = '[^0-9A-Za-z_]';

/** Can the node match the empty string? */
function nullable(n: RNode): boolean {
  switch (n.t) {
    case 'set': return false;
    case 'seq': return n.items.every(nullable);
    case 'alt': return n.items.some(nullable);
    case 'group': return nullable(n.body);
    case 'rep': return n.min === 0 || nullable(n.body);
    default: return true;
  }
}

/** The characters a non-empty match of the node can start (first) or end with; null when not known (lookaround, back references). */
function edge(n: RNode, first: boolean): CharSet | null {
  switch (n.t) {
    case 'set': return n.set;
    case 'group': return edge(n.body, first);
    case 'rep': return edge(n.body, first);
    case 'alt': {
      const sets = n.items.map((x) => edge(x, first));
      return sets.some((x) => x === null) ? null : normalize(sets.flat() as CharSet);
    }
    case 'seq': {
      const items = first ? n.items : [...n.items].reverse();
      const acc: CharSet = [];
      for (const x of items) {
        const e = edge(x, first);
        if (e === null) return null;
        acc.push(...e);
        if (!nullable(x)) break;
      }
      return normalize(acc);
    }
    case 'bol': case 'eos': case 'pdollar': case 'wordb': return [];
    default: return null;
  }
}

/** The characters next to position k of a sequence, looking back (or forward) past nullable items; null when unknown or at the sequence's end. */
function neighbour(items: RNode[], k: number, back: boolean): CharSet | null {
  const acc: CharSet = [];
  for (let j = back ? k - 1 : k + 1; back ? j >= 0 : j < items.length; j += back ? -1 : 1) {
    const e = edge(items[j]!, !back);
    if (e === null) return null;
    acc.push(...e);
    if (!nullable(items[j]!)) return normalize(acc);
  }
  return null;
}

const NOTHING: RNode = { t: 'set', set: [] };

/**
 * Word boundaries inside a sequence whose neighbours are known: between a word and a non-word
 * character a boundary always holds (dropped); between two of a kind never (the sequence fails).
 */
function resolveBoundaries(n: RNode): RNode {
  switch (n.t) {
    case 'alt': return { t: 'alt', items: n.items.map(resolveBoundaries) };
    case 'group': return { t: 'group', body: resolveBoundaries(n.body) };
    case 'rep': return { ...n, body: resolveBoundaries(n.body) };
    case 'look': return { ...n, body: resolveBoundaries(n.body) };
    case 'seq': {
      let items = n.items.map(resolveBoundaries);
      for (let pass = 0; pass < 6; pass++) {
        const next = resolveSeq(items);
        if (next === null) return NOTHING;
        if (next.length === items.length && next.every((x, i) => x === items[i])) break;
        items = next;
      }
      return { t: 'seq', items };
    }
    default: return n;
  }
}

function intersect(a: CharSet, b: CharSet): CharSet {
  const out: CharSet = [];
  for (const [lo, hi] of a) for (const [lo2, hi2] of b) { const l = Math.max(lo, lo2), h = Math.min(hi, hi2); if (l <= h) out.push([l, h]); }
  return normalize(out);
}

/** A run `S*` of one character set. */
function starSet(n: RNode | undefined): CharSet | null {
  return n?.t === 'rep' && n.min === 0 && n.max === Infinity && n.body.t === 'set' ? n.body.set : null;
}

/** One pass over a sequence's word boundaries; null when the sequence can never match. */
function resolveSeq(items: RNode[]): RNode[] | null {
  const nonWord = complement(WORD);
  const kind = (set: CharSet | null): 'w' | 'n' | null => (set === null ? null : within(set, WORD) ? 'w' : within(set, nonWord) ? 'n' : null);
  for (let k = 1; k < items.length - 1; k++) {
    const x = items[k]!;
    if (x.t !== 'wordb') continue;
    const prev = kind(neighbour(items, k, true)), next = kind(neighbour(items, k, false));
    if (prev && next) {
      const holds = prev !== next;
      if (holds !== x.neg) return [...items.slice(0, k), ...items.slice(k + 1)];
      return null;
    }
    if (x.neg) continue;
    // `S* \b y`: the run must end with the right kind of character (or be empty when the one before it is)
    const before = starSet(items[k - 1]);
    if (before && next) {
      const prevBefore = kind(neighbour(items, k - 1, true));
      if (prevBefore) {
        const need = intersect(before, next === 'w' ? nonWord : WORD);
        const run = { t: 'seq' as const, items: [items[k - 1]!, { t: 'set' as const, set: need }] };
        const repl: RNode[] = prevBefore !== next ? [{ t: 'rep', body: run, min: 0, max: 1, lazy: false }] : run.items;
        return [...items.slice(0, k - 1), ...repl, ...items.slice(k + 1)];
      }
    }
    // `x \b S* ...`: the run must start with the right kind of character (or be empty when the one after it is)
    const after = starSet(items[k + 1]);
    if (after && prev) {
      const nextAfter = kind(neighbour(items, k + 1, false));
      if (nextAfter) {
        const need = intersect(after, prev === 'w' ? nonWord : WORD);
        const run = { t: 'seq' as const, items: [{ t: 'set' as const, set: need }, items[k + 1]!] };
        const repl: RNode[] = nextAfter !== prev ? [{ t: 'rep', body: run, min: 0, max: 1, lazy: false }] : run.items;
        return [...items.slice(0, k), ...repl, ...items.slice(k + 2)];
      }
    }
  }
  return items;
}

/** A leading (trailing) alternation with an anchor in a branch, distributed: (^|x)y -> ^y | xy. */
function distribute(alts: RNode[], head: boolean): RNode[] {
  const out: RNode[] = [];
  for (const a of alts) {
    const items = a.t === 'seq' ? a.items : [a];
    const edgeItem = head ? items[0] : items.at(-1);
    const inner = edgeItem?.t === 'group' ? edgeItem.body : edgeItem;
    const anchor = (x: RNode) => { const y = x.t === 'seq' ? (head ? x.items[0] : x.items.at(-1)) : x; return y?.t === 'bol' || y?.t === 'eos' || y?.t === 'pdollar' || y?.t === 'wordb'; };
    if (inner?.t === 'alt' && inner.items.some(anchor) && items.length > 1) {
      const rest = head ? items.slice(1) : items.slice(0, -1);
      for (const b of inner.items) out.push({ t: 'seq', items: head ? [b, ...rest] : [...rest, b] });
    } else out.push(a);
  }
  return out.map((x) => (x.t === 'seq' ? { t: 'seq', items: x.items.flatMap((y) => (y.t === 'seq' ? y.items : [y])) } : x));
}

function within(set: CharSet, outer: CharSet): boolean {
  return set.every(([lo, hi]) => outer.some(([a, b]) => lo >= a && hi <= b));
}

/**
 * A whole-value Lucene regex equivalent to searching the rule's regex: `.*(re).*`, with an anchor at
 * the start or end of every top-level alternative turned into the absence of the `.*`, and a word
 * boundary there into a required non-word (or word) neighbour or the end of the value.
 */
export function toLucene(r: ParsedRegex, lower = false): string {
  const root = resolveBoundaries(lower ? foldLower(r.root) : r.root);
  const alts = distribute(distribute(root.t === 'alt' ? root.items : [root], true), false);
  const out = alts.map((a) => {
    let items = a.t === 'seq' ? [...a.items] : a.t === 'group' && a.body.t === 'seq' ? [...a.body.items] : [a];
    let prefix = '.*', suffix = '.*';
    if (items[0]?.t === 'bol') { prefix = r.flags.m ? `(.*${LT_CLASS})?` : ''; items = items.slice(1); }
    else if (items[0]?.t === 'wordb' && !items[0].neg && items.length > 1) {
      const next = nullable({ t: 'seq', items: items.slice(1) }) ? null : edge({ t: 'seq', items: items.slice(1) }, true);
      if (next && within(next, WORD)) prefix = `(.*${NONWORD_CLASS})?`;
      else if (next && within(next, complement(WORD))) prefix = `.*${WORD_CLASS}`;
      else throw new RegexDialectError('a word boundary (\\b) is supported only where the neighbouring characters are all word or all non-word characters');
      items = items.slice(1);
    }
    const last = items.at(-1);
    if (last && (last.t === 'eos' || last.t === 'pdollar')) {
      suffix = last.t === 'pdollar' ? '\n?' : r.flags.m ? `(${LT_CLASS}.*)?` : '';
      items = items.slice(0, -1);
    } else if (last?.t === 'wordb' && !last.neg && items.length > 1) {
      const prev = nullable({ t: 'seq', items: items.slice(0, -1) }) ? null : edge({ t: 'seq', items: items.slice(0, -1) }, false);
      if (prev && within(prev, WORD)) suffix = `(${NONWORD_CLASS}.*)?`;
      else if (prev && within(prev, complement(WORD))) suffix = `${WORD_CLASS}.*`;
      else throw new RegexDialectError('a word boundary (\\b) is supported only where the neighbouring characters are all word or all non-word characters');
      items = items.slice(0, -1);
    }
    const body = items.map(printLu).join('');
    return `${prefix}(${body})${suffix}`;
  });
  return out.length === 1 ? out[0]! : out.map((x) => `(${x})`).join('|');
}

/** A literal for RE2 or PCRE (the two agree on this escaping): metacharacters escaped, every
 * control or non-ASCII code point written as \x{HEX}. */
export function escapeRegexLiteral(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f || cp > 0x7e) out += `\\x{${cp.toString(16).toUpperCase()}}`;
    else out += /[\\^$.|?*+()[\]{}\/]/.test(c) ? '\\' + c : c;
  }
  return out;
}
