// Every SigmaHQ Windows rule converted to every target: counts, failures by reason (each failure
// says why). The time is printed; `npm run bench` measures it (bench/convert.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { convertDocuments, makeBackend, TARGETS } from '../../src/sigma/backends/index.js';

test('every SigmaHQ Windows rule to every target: counts, reasons', { skip: SKIP_NO_CORPORA, timeout: 300_000 }, async () => {
  const t0 = performance.now();
  const loaded = loadRules([join(CORPORA, 'sigma-rules', 'windows')]);
  console.log(`convert: ${loaded.docs.length} SigmaHQ Windows rules loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  for (const target of TARGETS) {
    for (const dialect of target === 'sql' ? ['duckdb', 'sqlite'] : [undefined]) {
      const b = await makeBackend(target, dialect ? { dialect } : {});
      const t1 = performance.now();
      const convs = convertDocuments(loaded.docs, b);
      const ms = performance.now() - t1;
      const ok = convs.filter((c) => c.query !== undefined).length;
      const reasons = new Map<string, number>();
      for (const c of convs) if (c.error !== undefined) { assert.ok(c.reason && c.error, 'a failure says why'); reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + 1); }
      console.log(`convert ${target}${dialect ? `/${dialect}` : ''}: ${ok}/${convs.length} converted in ${ms.toFixed(0)} ms; not converted: ${[...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
      assert.equal(convs.length, 2407);
      assert.ok(ok >= 2300, `${target}: ${ok} converted`);
    }
  }
});
