import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AhoCorasick } from '../../src/util/aho-corasick.js';

function found(ac: AhoCorasick, text: string): number[] {
  const s = new Set<number>();
  ac.scan(text, (id) => s.add(id));
  return [...s].sort((a, b) => a - b);
}

test('finds exactly the patterns that occur (overlaps, suffixes, shared prefixes)', () => {
  const pats = ['he', 'she', 'his', 'hers', 'e', 'x\u2013y', 'édf'];
  const ac = new AhoCorasick(pats);
  assert.deepEqual(found(ac, 'ushers'), [0, 1, 3, 4]);
  assert.deepEqual(found(ac, 'ahishe'), [0, 1, 2, 4]);
  assert.deepEqual(found(ac, 'x\u2013y édf'), [5, 6]);
  assert.deepEqual(found(ac, 'zzz'), []);
});

test('agrees with String.includes for random patterns and texts', () => {
  const str = fc.array(fc.constantFrom('a', 'b', 'c', '\\', 'é', '\u2014'), { maxLength: 12 }).map((a) => a.join(''));
  fc.assert(fc.property(fc.array(str.filter((s) => s.length > 0), { minLength: 1, maxLength: 15 }), fc.array(str, { maxLength: 5 }), (pats, texts) => {
    const ac = new AhoCorasick(pats);
    for (const t of texts) {
      const want = pats.map((p, i) => (t.includes(p) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(found(ac, t), want);
    }
  }), { numRuns: 500 });
});
