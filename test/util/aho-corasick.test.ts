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
    // All rows dense; only the root dense; a few dense rows: the sparse deep states must agree.
    for (const ac of [new AhoCorasick(pats), new AhoCorasick(pats, 1), new AhoCorasick(pats, 40)]) {
      for (const t of texts) {
        const want = pats.map((p, i) => (t.includes(p) ? i : -1)).filter((i) => i >= 0);
        assert.deepEqual(found(ac, t), want);
        assert.equal(ac.test(t), want.length > 0);
      }
    }
  }), { numRuns: 500 });
});

test('thousands of long literals stay small: dense rows only for the shallow states', () => {
  const pats = Array.from({ length: 5000 }, (_, i) => `c:\\windows\\system32\\tool${i}.exe /flag-${(i * 7919).toString(36)}`);
  const ac = new AhoCorasick(pats);
  assert.ok(ac.tableBytes < 8 * 2 ** 20, `tables take ${ac.tableBytes} bytes`);
  assert.deepEqual(found(ac, `run ${pats[4321]} now`), [4321]);
  assert.equal(ac.test('c:\\windows\\system32\\tool99.exe /flag'), false);
});
