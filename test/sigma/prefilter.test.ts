import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regexLiteral } from '../../src/sigma/prefilter.js';

test('regexLiteral: only literals the regex cannot match without', () => {
  const cases: [string, string | null][] = [
    ['abc', 'abc'], ['foo\\.exe', 'foo.exe'], ['^cmd\\s+/c', 'cmd'], ['a\\d+bcd', 'bcd'],
    ['ab?c', null], ['ab*cd', 'cd'], ['a(b|c)d', null], ['x|y', null], ['(x|y)zz', 'zz'],
    ['x{10}', null], ['a{2}bc', 'bc'], ['[ab]cd+ef', 'cd'], ['(?i)abcd', 'abcd'], ['\\1abc', 'abc'],
    ['\\x41\\x42', null], ['\\u0041bc', 'bc'], ['\\x4142z', '42z'], ['\\12345ab', 'ab'], ['\\cJabc', 'abc'],
  ];
  for (const [re, want] of cases) assert.equal(regexLiteral(re), want, re);
  // whatever it returns must occur in every string the regex matches
  const samples = ['xxfoo.exe', 'cmd  /c', 'a12bcd', 'zzabcd', 'ABCD', 'cdddef'];
  for (const [re] of cases) {
    const lit = regexLiteral(re);
    if (!lit) continue;
    const rx = new RegExp(re.replace('(?i)', ''), re.startsWith('(?i)') ? 'i' : '');
    for (const s of samples) if (rx.test(s)) assert.ok(s.toLowerCase().includes(lit.toLowerCase()), `${re} matched ${s} without ${lit}`);
  }
});
