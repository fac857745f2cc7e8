// Conversion of every SigmaHQ Windows rule to every SIEM target: rules per second per target (the
// goal is one target in under 5 s). Timed here, not in the tests, so a loaded machine cannot fail them.
import { join } from 'node:path';
import { loadRules } from '../src/hunt/load-rules.js';
import { convertDocuments, makeBackend, TARGETS } from '../src/sigma/backends/index.js';

export async function convertBench(corpora: string): Promise<void> {
  const loaded = loadRules([join(corpora, 'sigma-rules', 'windows')]);
  console.log(`\nConversion of ${loaded.docs.length} SigmaHQ Windows rules (goal: under 5 s per target)`);
  for (const target of TARGETS) {
    for (const dialect of target === 'sql' ? ['duckdb', 'sqlite'] : [undefined]) {
      const b = await makeBackend(target, dialect ? { dialect } : {});
      const t = performance.now();
      const convs = convertDocuments(loaded.docs, b);
      const s = (performance.now() - t) / 1000;
      const ok = convs.filter((c) => c.query !== undefined).length;
      console.log(`  ${`${target}${dialect ? `/${dialect}` : ''}`.padEnd(14)} ${s.toFixed(2)} s, ${ok} converted, ${Math.round(convs.length / s)} rules/s${s < 5 ? '' : '  (over the 5 s goal)'}`);
    }
  }
}
