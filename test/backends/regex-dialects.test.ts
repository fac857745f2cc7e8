// The Lucene forms of Sigma regexes (EQL `regex`/`regex~`, ES|QL `RLIKE` on lower-cased values)
// against tracehound's matcher: Lucene matches the whole value, which a JavaScript RegExp
// `^(?:…)$` with the s flag reproduces for the subset the printer emits. Inputs are sampled from
// each regex's own tree (so many match), mutated and wrapped in random context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { translateRegex } from '../support/js-regex.js';
import { parseSigmaRegex, toLucene, toPcre, toRe2, RegexDialectError, type RNode } from '../../src/sigma/regex-ast.js';
import { CORPORA, HAVE_CORPORA } from '../support/corpora.js';
import { compileRuleRegex } from '../../src/sigma/rule-regex.js';
import { ruleFiles } from '../../src/hunt/load-rules.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const NOISE = 'aZ_9 -./\\:\t\n\r"\'&<>#~@Ä';

function sample(n: RNode, r: () => number): string {
  switch (n.t) {
    case 'set': {
      if (n.set.length === 0) return '';
      // prefer printable ASCII members
      const ascii = n.set.flatMap(([lo, hi]) => (lo <= 0x7e ? [[Math.max(lo, 0x09), Math.min(hi, 0x7e)] as [number, number]] : [])).filter(([lo, hi]) => lo <= hi);
      const pool = ascii.length && r() < 0.9 ? ascii : n.set;
      const [lo, hi] = pool[Math.floor(r() * pool.length)]!;
      return String.fromCharCode(lo + Math.floor(r() * (Math.min(hi, lo + 200) - lo + 1)));
    }
    case 'seq': return n.items.map((x) => sample(x, r)).join('');
    case 'alt': return sample(n.items[Math.floor(r() * n.items.length)]!, r);
    case 'group': return sample(n.body, r);
    case 'rep': {
      const max = Math.min(n.max, n.min + 3);
      const k = n.min + Math.floor(r() * (max - n.min + 1));
      return Array.from({ length: k }, () => sample(n.body, r)).join('');
    }
    case 'look': return '';
    default: return '';
  }
}

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const p = Math.floor(r() * (out.length + 1));
    const c = NOISE[Math.floor(r() * NOISE.length)]!;
    const op = r();
    out = op < 0.4 ? out.slice(0, p) + c + out.slice(p) : op < 0.7 ? out.slice(0, p) + out.slice(p + 1) : out.slice(0, p) + c + out.slice(p + 1);
  }
  return out;
}

function context(r: () => number): string {
  const k = Math.floor(r() * 4);
  return Array.from({ length: k }, () => NOISE[Math.floor(r() * NOISE.length)]!).join('');
}

/** A Lucene regex as a JavaScript one: `^` and `$` are plain characters in Lucene. */
function luceneToJs(lu: string): string {
  let out = '', inClass = false;
  for (let i = 0; i < lu.length; i++) {
    const c = lu[i]!;
    if (c === '\\') { out += c + lu[i + 1]; i++; continue; }
    if (inClass) { if (c === ']') inClass = false; out += c; continue; }
    if (c === '[') { inClass = true; out += c; if (lu[i + 1] === '^') { out += '^'; i++; } continue; }
    out += c === '$' || c === '^' ? '\\' + c : c;
  }
  return out;
}

/** Regexes of the T1505.002 pack and SigmaHQ's Windows rules, with their flags. */
function regexes(): [string, string][] {
  const out: [string, string][] = [
    ['\\b(Install|Enable|Set)-TransportAgent\\b', 'i'], ['^powershell.+-enc', 'i'], ['Install-\\w+Agent$', ''],
    ['(^|[\\s"&|;(])(del|erase)(\\.exe)?\\s[^&|;]*\\.(dll|exe)\\b', 'i'], ['a$|^b', 'm'], ['[^a-z]x', 'i'], ['\\Wfoo\\d{2,3}', 'i'],
    ['/node:[\\s\\S]*\\b(process|path\\s+win32_process)\\s+call\\s+create\\b', 'i'], ['first.+second', 's'], ['\\bx\\b', ''],
    ['\\b(Install|Enable|Set)-TransportAgent\\b[\\s\\S]*\\b(Install|Enable|Set)-TransportAgent\\b', 'i'],
  ];
  const dirs = [fileURLToPath(new URL('../../rules/t1505.002', import.meta.url)), ...(HAVE_CORPORA ? [join(CORPORA, 'sigma-rules', 'windows')] : [])];
  for (const dir of dirs) for (const f of ruleFiles(dir)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\|re((?:\|[a-z]+)*):\s*'((?:[^']|'')*)'/g)) {
      const flags = (m[1] ?? '').split('|').filter(Boolean).map((x) => ({ i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' })[x] ?? '').join('');
      out.push([m[2]!.replace(/''/g, "'"), flags]);
    }
  }
  return out;
}

/** The corpus regexes both the backends' parser and the matcher's translation accept, with the matcher's RegExp. */
function* parsedRegexes(): Generator<{ src: string; flags: string; parsed: ReturnType<typeof parseSigmaRegex>; js: RegExp }> {
  for (const [src, flags] of regexes()) {
    let parsed, js: RegExp;
    try {
      parsed = parseSigmaRegex(src, flags);
      const t = translateRegex(src, flags);
      js = new RegExp(t.source, t.flags);
    } catch { continue; }
    yield { src, flags, parsed, js };
  }
}

test('Lucene regexes (EQL, ES|QL) accept exactly what the matcher accepts', () => {
  const r = prng(1505002);
  let checked = 0, refused = 0, inputs = 0;
  const reasons = new Map<string, number>();
  for (const { src, flags, parsed, js } of parsedRegexes()) {
    for (const lower of [false, true]) {
      let lu: string;
      try { lu = toLucene(parsed, lower); } catch (e) {
        if (!(e instanceof RegexDialectError)) throw e;
        refused++;
        reasons.set(e.message, (reasons.get(e.message) ?? 0) + 1);
        continue;
      }
      checked++;
      // EQL regex~ / Lucene case-insensitive flag, or ES|QL's lower-cased value with the lower-cased pattern
      const whole: RegExp = new RegExp(`^(?:${luceneToJs(lu)})$`, `s${parsed.flags.i && !lower ? 'i' : ''}`);
      for (let k = 0; k < 40; k++) {
        const base = sample(parsed.root, r);
        const s = context(r) + (k % 2 ? mutate(base, r) : base) + context(r);
        const input = lower ? s.toLowerCase() : s;
        inputs++;
        // ES|QL lower-cases the value, so the matcher's answer is for the lower-cased value too (i-mode regexes only)
        if (lower && !parsed.flags.i) break;
        assert.equal(whole.test(input), js.test(input), `/${src}/${flags} ${lower ? '(lower)' : ''} on ${JSON.stringify(input)}\nLucene: ${lu}`);
      }
    }
  }
  console.log(`lucene: ${checked} regex forms checked over ${inputs} inputs; ${refused} refused (${[...reasons].map(([m, n]) => `${n}× ${m}`).join('; ')})`);
  assert.ok(checked > 150);
});

/** An RE2 / PCRE regex as printed by the backends, as a JavaScript one (u flag for \\x{…}). */
function re2ToJs(re: string): RegExp {
  let flags = 'u';
  let src = re;
  const m = /^\(\?([is]+)\)/.exec(src);
  if (m) { flags += m[1]; src = src.slice(m[0].length); }
  src = src.replace(/\\x\{([0-9A-F]+)\}/g, '\\u{$1}').replace(/\\x([0-9A-F]{2})/g, '\\x$1').replace(/\\z/g, '(?![\\s\\S])').replace(/\\A/g, '(?<![\\s\\S])');
  // (?si) groups inside are not JavaScript: only leading flags are printed by the backends
  return new RegExp(src, flags);
}

test('RE2 (DuckDB, KQL) and PCRE (Splunk) regexes accept what the matcher accepts', () => {
  const r = prng(42);
  let checked = 0, inputs = 0, refused = 0;
  for (const { src, flags, parsed, js } of parsedRegexes()) {
    for (const print of [toRe2, toPcre]) {
      let re: RegExp;
      try { re = re2ToJs(print(parsed)); } catch (e) { if (e instanceof RegexDialectError) { refused++; continue; } throw e; }
      checked++;
      for (let k = 0; k < 30; k++) {
        const base = sample(parsed.root, r);
        // BMP only: JavaScript without u counts UTF-16 units, RE2 and PCRE code points
        const input = (context(r) + (k % 2 ? mutate(base, r) : base) + context(r)).replace(/[\uD800-\uDFFF]/g, 'x');
        inputs++;
        assert.equal(re.test(input), js.test(input), `/${src}/${flags} via ${print.name} on ${JSON.stringify(input)}\n${print(parsed)}`);
      }
    }
  }
  console.log(`re2/pcre: ${checked} regex forms checked over ${inputs} inputs; ${refused} refused`);
  assert.ok(checked > 300);
});

test("the matcher's linear-time regexes (RE2 via re2js) accept what the reference accepts", () => {
  const r = prng(7);
  let checked = 0, inputs = 0;
  for (const { src, flags, parsed, js } of parsedRegexes()) {
    const linear = compileRuleRegex(src, flags);
    checked++;
    for (let k = 0; k < 40; k++) {
      const base = sample(parsed.root, r);
      const input = (context(r) + (k % 2 ? mutate(base, r) : base) + context(r)).replace(/[\uD800-\uDFFF]/g, 'x');
      inputs++;
      assert.equal(linear(input), js.test(input), `/${src}/${flags} on ${JSON.stringify(input)}`);
    }
  }
  console.log(`linear matcher: ${checked} regexes checked over ${inputs} inputs`);
  assert.ok(checked > 150);
});
