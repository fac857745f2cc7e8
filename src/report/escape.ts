// Escaping for the HTML and Markdown reports. Every value that comes from evidence (command lines,
// host names, file names, agent names...) is attacker-controlled: it is escaped for the context it
// lands in, its invisible and direction-changing characters are shown as visible markers, and its
// size is capped.
import { UNSAFE_CHARS, escapeChar } from './text.js';

// ---- sizes ------------------------------------------------------------------------------------

/** `s` cut to `max` characters, with `… (N more characters)` saying how much was left out. */
export function capText(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = max;
  // never split a surrogate pair
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}… (${(s.length - cut).toLocaleString('en')} more characters)`;
}

// ---- HTML -------------------------------------------------------------------------------------

const UNSAFE_ONE = new RegExp(UNSAFE_CHARS.source);

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** & < > " ' as character references: safe in text and in quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const CHAR_NAMES: Record<number, string> = {
  0x00: 'NULL', 0x07: 'BELL', 0x08: 'BACKSPACE', 0x09: 'TAB', 0x0a: 'LINE FEED', 0x0b: 'VERTICAL TAB', 0x0c: 'FORM FEED',
  0x0d: 'CARRIAGE RETURN', 0x1b: 'ESCAPE', 0x7f: 'DELETE', 0xad: 'SOFT HYPHEN', 0x61c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE', 0x200c: 'ZERO WIDTH NON-JOINER', 0x200d: 'ZERO WIDTH JOINER', 0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR', 0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING', 0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x2060: 'WORD JOINER', 0x2066: 'LEFT-TO-RIGHT ISOLATE', 0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE', 0x2069: 'POP DIRECTIONAL ISOLATE', 0xfeff: 'ZERO WIDTH NO-BREAK SPACE (BOM)',
};

/** `U+202E RIGHT-TO-LEFT OVERRIDE`: what a marker stands for. */
export function describeChar(c: string): string {
  const code = c.codePointAt(0)!;
  const name = CHAR_NAMES[code] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? 'CONTROL CHARACTER' : code >= 0xe0000 ? 'TAG CHARACTER' : 'FORMAT CHARACTER');
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} ${name}`;
}

/**
 * Text content: escaped, and every unsafe character (controls, bidi overrides, zero-width and tag
 * characters) replaced by a visible marker element that shows its escape (`\u202e`, `\x00`, `\n`)
 * and names it in a tooltip. The marker element is ours; its contents are fixed ASCII.
 */
export function htmlText(s: string): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(UNSAFE_CHARS)) {
    out += escapeHtml(s.slice(last, m.index));
    out += `<span class="cc" title="${describeChar(m[0])}">${escapeChar(m[0])}</span>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(s.slice(last));
}

/** An attribute value (to go between double quotes): escaped, unsafe characters written as escapes. */
export function htmlAttr(s: string): string {
  return escapeHtml(s.replace(UNSAFE_CHARS, escapeChar));
}

/** HTML built by `html` below; anything else interpolated into it is escaped. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string { return this.html; }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function interpolate(v: HtmlValue, inAttr: boolean): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.html;
  if (Array.isArray(v)) return v.map((x: HtmlValue) => interpolate(x, inAttr)).join('');
  const s = String(v);
  return inAttr ? htmlAttr(s) : htmlText(s);
}

/**
 * Tagged template for HTML: the literal parts are trusted markup, every interpolated value is
 * escaped (as an attribute value when it follows `="`, as text otherwise) unless it is SafeHtml
 * made by this same function. Attributes are always double-quoted in the templates.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const inAttr = /=\s*"[^"]*$/.test(out.slice(Math.max(0, out.length - 200))) && !(values[i] instanceof SafeHtml);
    out += interpolate(values[i]!, inAttr) + strings[i + 1]!;
  }
  return new SafeHtml(out);
}

/** The URL when it is an absolute http(s) URL (normalised by the WHATWG parser), else null. */
export function safeHttpUrl(s: string): string | null {
  if (s.length > 4096 || UNSAFE_ONE.test(s)) return null;
  if (!/^https?:\/\//i.test(s.trim())) return null;
  try {
    const u = new URL(s.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.username || u.password) return null;
    return u.href;
  } catch { return null; }
}

// ---- Markdown ---------------------------------------------------------------------------------

/**
 * Inline Markdown text: unsafe characters as visible escapes, line breaks as spaces, and the
 * characters Markdown (CommonMark + GFM, and the `$` math of GitHub and GitLab) gives meaning to
 * backslash-escaped: always \ ` * _ [ ] { } < > | ~ & $ @; a leading # + - = > or list number;
 * the `:` of `://` and the `.` of `www.` (GFM autolinks URLs written as text).
 */
export function mdText(s: string): string {
  let t = s.replace(/[ \t]*\r?\n[ \t]*/g, ' ').replace(UNSAFE_CHARS, escapeChar).replace(/[\\`*_[\]{}<>|~&$@]/g, (c) => '\\' + c);
  t = t.replace(/:(?=\/\/)/g, '\\:').replace(/(www)\./gi, '$1\\.');
  t = t.replace(/^(\s*)([#+\-=>])/, '$1\\$2').replace(/^(\s*\d+)([.)])/, '$1\\$2');
  return t;
}

/**
 * A code span holding `s` verbatim (after unsafe characters are made visible and line breaks
 * escaped): the fence is one backtick longer than the longest backtick run inside, padded with a
 * space when the value starts or ends with a backtick or a space. `inTable`: pipes become `\|`
 * (GFM removes that backslash before it reads the code span, so the cell keeps its `|`).
 */
export function mdCode(s: string, inTable = false): string {
  let v = s.replace(UNSAFE_CHARS, escapeChar);
  if (inTable) v = v.replace(/\|/g, '\\|');
  if (v === '') return '` `';
  let longest = 0;
  for (const m of v.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(v) ? ' ' : '';
  return fence + pad + v + pad + fence;
}

/** A link for Markdown: an autolink for http(s) URLs, escaped text for anything else. */
export function mdLink(url: string): string {
  const safe = safeHttpUrl(url);
  // autolinks end at the first space, < or >: the WHATWG-normalised URL has none of them
  return safe && !/[\s<>]/.test(safe) ? `<${safe}>` : mdText(url);
}
