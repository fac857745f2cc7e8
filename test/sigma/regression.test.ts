// SigmaHQ regression cases run end to end: each rule, hunted over its EVTX file (and over the JSON
// rendering of the same events), must match at least match_count events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { ruleFiles, loadRules } from '../../src/hunt/load-rules.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { hunt } from '../../src/hunt/run.js';

interface Info { rule_metadata: { id: string }[]; regression_tests_info: { path: string; match_count?: number }[] }

for (const source of ['json', 'evtx'] as const) test(`SigmaHQ regression cases from their ${source === 'json' ? 'JSON renderings' : 'EVTX files'}`, { skip: SKIP_NO_CORPORA }, async () => {
  const reg = join(CORPORA, 'sigma-regression');
  const ruleById = new Map<string, string>();
  for (const dir of [join(CORPORA, 'sigma-rules'), join(reg, 'rules-emerging-threats'), join(reg, 'rules-threat-hunting')]) {
    for (const f of ruleFiles(dir)) {
      const m = /^id:\s*([0-9a-f-]{36})/m.exec(readFileSync(f, 'utf8'));
      if (m) ruleById.set(m[1]!, f);
    }
  }
  const infos = ruleFiles(join(reg, 'regression_data')).filter((f) => f.endsWith('info.yml'));
  let cases = 0, passed = 0;
  const failures: string[] = [];
  for (const infoPath of infos) {
    const info = parse(readFileSync(infoPath, 'utf8')) as Info;
    const id = info.rule_metadata[0]!.id;
    const ruleFile = ruleById.get(id);
    if (!ruleFile) { failures.push(`${id}: rule file not found`); continue; }
    const loaded = loadRules([ruleFile]);
    if (loaded.errors.length) { failures.push(`${id}: rule does not load: ${loaded.errors[0]!.message}`); continue; }
    const rs = new RuleSet(loaded.docs);
    for (const t of info.regression_tests_info ?? []) {
      const input = join(reg, source === 'json' ? t.path.replace(/\.evtx$/, '.json') : t.path);
      if (!existsSync(input)) continue;
      cases++;
      let n = 0;
      await hunt({ paths: [input], ruleset: rs, threads: 0, onHit: (h) => { if (h.rule.meta.id === id) n++; } });
      const want = t.match_count ?? 1;
      if (n >= want) passed++;
      else failures.push(`${id} ${ruleFile.slice(CORPORA.length + 1)}: ${n} < ${want}`);
    }
  }
  const rate = passed / cases;
  console.log(`regression (${source}): ${passed}/${cases} cases pass (${(rate * 100).toFixed(1)}%)`);
  for (const f of failures) console.log(`  not passing: ${f}`);
  assert.ok(cases >= 150, `expected the full regression set, found ${cases} cases`);
  const floor = source === 'json' ? 0.95 : 0.98;
  assert.ok(rate >= floor, `pass rate ${(rate * 100).toFixed(1)}% is below ${floor * 100}%`);
});
