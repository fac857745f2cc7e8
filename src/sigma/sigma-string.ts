// Sigma strings: wildcards, escapes and the encoding transformations of the modifiers.
import type { Part, SigmaString } from './model.js';

/**
 * Parse a written value. `*` any run, `?` one character; `\*`, `\?`, `\\` are literals;
 * a backslash before anything else (or at the end) is itself literal (rules spec, Escape Character).
 */
export function parseSigmaString(text: string): SigmaString {
  const parts: Part[] = [];
  let lit = '';
  const flush = () => { if (lit) { parts.push({ k: 'lit', s: lit }); lit = ''; } };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const n = text[i + 1];
      if (n === '*' || n === '?' || n === '\\') { lit += n; i++; } else lit += '\\';
    } else if (c === '*') { flush(); if (parts.at(-1)?.k !== 'any') parts.push({ k: 'any' }); }
    else if (c === '?') { flush(); parts.push({ k: 'one' }); }
    else lit += c;
  }
  flush();
  return { parts, bytes: false };
}

export function literalString(s: string): SigmaString {
  return { parts: s ? [{ k: 'lit', s }] : [], bytes: false };
}

export function hasWildcards(s: SigmaString): boolean {
  return s.parts.some((p) => p.k !== 'lit');
}

export function plainText(s: SigmaString): string | null {
  if (hasWildcards(s)) return null;
  return s.parts.map((p) => (p.k === 'lit' ? p.s : '')).join('');
}

function norm(parts: Part[], bytes: boolean): SigmaString {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out.at(-1);
    if (p.k === 'lit') {
      if (!p.s) continue;
      if (last?.k === 'lit') out[out.length - 1] = { k: 'lit', s: last.s + p.s };
      else out.push(p);
    } else if (p.k === 'any' && last?.k === 'any') continue;
    else out.push(p);
  }
  return { parts: out, bytes };
}

export function wrap(s: SigmaString, start: boolean, end: boolean): SigmaString {
  const parts = [...s.parts];
  if (start && parts[0]?.k !== 'any') parts.unshift({ k: 'any' });
  if (end && parts.at(-1)?.k !== 'any') parts.push({ k: 'any' });
  return norm(parts, s.bytes);
}

export const WINDASH_CHARS = '-/\u2013\u2014\u2015';

/** Spec: every `-`, `/`, en dash, em dash and horizontal bar may be any of the five. */
export function windash(s: SigmaString): SigmaString {
  const parts: Part[] = [];
  for (const p of s.parts) {
    if (p.k !== 'lit') { parts.push(p); continue; }
    let lit = '';
    for (const c of p.s) {
      if (WINDASH_CHARS.includes(c)) {
        if (lit) parts.push({ k: 'lit', s: lit });
        lit = '';
        parts.push({ k: 'cls', chars: WINDASH_CHARS });
      } else lit += c;
    }
    if (lit) parts.push({ k: 'lit', s: lit });
  }
  return norm(parts, s.bytes);
}

export type Utf16Kind = 'le' | 'be' | 'bom';

/** Encode literal text as UTF-16 bytes (each byte one char 0-255); wildcards pass through. */
export function utf16(s: SigmaString, kind: Utf16Kind): SigmaString {
  if (s.bytes) throw new Error('value is already encoded');
  const enc = (t: string) => {
    let out = '';
    for (let i = 0; i < t.length; i++) {
      const u = t.charCodeAt(i);
      const lo = String.fromCharCode(u & 0xff), hi = String.fromCharCode(u >> 8);
      out += kind === 'be' ? hi + lo : lo + hi;
    }
    return out;
  };
  const parts: Part[] = s.parts.map((p) => {
    if (p.k === 'lit') return { k: 'lit', s: enc(p.s) };
    if (p.k === 'cls') throw new Error('cannot encode a character class as UTF-16');
    return p;
  });
  // Spec: utf16 prepends the byte order mark FF FE and encodes little-endian.
  if (kind === 'bom') parts.unshift({ k: 'lit', s: '\xff\xfe' });
  return norm(parts, true);
}

function bytesOf(text: string, isBytes: boolean): Buffer {
  if (!isBytes) return Buffer.from(text, 'utf8');
  const b = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

/** Expand character classes into every concrete string (bounded). */
export function concreteStrings(s: SigmaString, limit = 4096): string[] {
  let acc = [''];
  for (const p of s.parts) {
    if (p.k === 'lit') acc = acc.map((a) => a + p.s);
    else if (p.k === 'cls') {
      const next: string[] = [];
      for (const a of acc) for (const c of p.chars) next.push(a + c);
      if (next.length > limit) throw new Error(`too many permutations (more than ${limit})`);
      acc = next;
    } else throw new Error('wildcards cannot be encoded');
  }
  return acc;
}

export function base64(s: SigmaString): SigmaString[] {
  if (hasWildcards(s) && s.parts.some((p) => p.k === 'any' || p.k === 'one')) throw new Error('base64 encoding of a value with wildcards is not allowed');
  return concreteStrings(s).map((t) => literalString(bytesOf(t, s.bytes).toString('base64')));
}

/**
 * The three encodings of a value placed at byte offsets 0, 1 and 2 of a longer base64 text,
 * keeping only the characters that do not depend on the surrounding bytes.
 */
export function base64offset(s: SigmaString): SigmaString[] {
  if (s.parts.some((p) => p.k === 'any' || p.k === 'one')) throw new Error('base64offset encoding of a value with wildcards is not allowed');
  const out: SigmaString[] = [];
  for (const t of concreteStrings(s)) {
    const raw = bytesOf(t, s.bytes);
    for (let shift = 0; shift < 3; shift++) {
      const enc = Buffer.concat([Buffer.alloc(shift, 0x20), raw]).toString('base64');
      // Characters fully determined by the value: skip those mixing prefix bytes, and the
      // trailing ones that mix with whatever follows.
      const start = [0, 2, 3][shift]!;
      const total = shift + raw.length;
      const endCut = [0, 3, 2][total % 3]!;
      out.push(literalString(enc.slice(start, enc.length - endCut)));
    }
  }
  return out;
}
