// Sigma `|re` values as JavaScript RegExps (PCRE spellings rewritten): the reference meaning of rule
// regexes that tests check the linear-time matcher (src/sigma/rule-regex.ts) and the backends against.

export interface JsRegex { source: string; flags: string }

/**
 * Translate a rule regex to a JavaScript one. Leading inline flags `(?i)` etc. become RegExp flags,
 * Python-style named groups are renamed, `\A`/`\Z` become anchors. Constructs JavaScript cannot
 * express (possessive quantifiers, atomic groups, inline flags inside the pattern) are rejected.
 */
export function translateRegex(pattern: string, flags: string): JsRegex {
  let src = pattern;
  let fl = new Set(flags.split('').filter(Boolean));
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'x') throw new Error('verbose regex flag (?x) is not supported');
      fl.add(f);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new Error('regex ends with a lone backslash');
      if (!inClass && n === 'A') { out += '^'; i++; continue; }
      if (!inClass && (n === 'Z' || n === 'z')) { out += '$'; i++; continue; }
      out += c + n; i++;
      continue;
    }
    if (inClass) { if (c === ']') inClass = false; out += c; continue; }
    // PCRE: without the m flag `$` also matches before a final newline; JavaScript's `$` does not.
    if (c === '$' && !fl.has('m')) { out += '(?=\\n?$)'; continue; }
    if (c === '[') { inClass = true; out += c; if (src[i + 1] === '^') { out += '^'; i++; } if (src[i + 1] === ']') { out += '\\]'; i++; } continue; }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) { out += '(?<'; i += 3; continue; }
      if (rest.startsWith('P=')) {
        const end = rest.indexOf(')');
        if (end < 0) throw new Error('unterminated (?P= back reference');
        out += `\\k<${rest.slice(2, end)}>`; i += 2 + end; continue;
      }
      if (rest.startsWith('>')) throw new Error('atomic groups (?>...) are not supported');
      if (/^[imsx-]+[):]/.test(rest)) throw new Error('inline flags inside a regex are not supported; use the re|i/m/s modifiers');
    }
    if ((c === '+') && i > 0 && /[*+?}]/.test(src[i - 1]!) && src[i - 2] !== '\\') throw new Error('possessive quantifiers are not supported');
    out += c;
  }
  if (inClass) throw new Error('unterminated character class');
  return { source: out, flags: [...fl].sort().join('') };
}
