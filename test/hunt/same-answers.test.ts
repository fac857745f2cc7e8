// The speed work must not change a single answer: per-rule match counts on the SigmaHQ regression
// data equal those recorded with the engine before it (test/hunt/counts/regression.json, all
// Windows rules). This runs a slice of the rules (builtin and registry, whose counts do not depend
// on the other rules); `scripts/rule-counts.ts --compare` runs all of them and the real-event corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { countDiff, ruleCounts, type RuleCounts } from '../support/rule-counts.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { ruleKey } from '../../src/sigma/model.js';

const before = JSON.parse(readFileSync(new URL('./counts/regression.json', import.meta.url), 'utf8')) as RuleCounts;

test('per-rule match counts on the SigmaHQ regression data are those of the engine before the speed work', { skip: SKIP_NO_CORPORA }, async () => {
  const slice = ['builtin', 'registry'].map((d) => join(CORPORA, 'sigma-rules', 'windows', d));
  const keys = new Set(loadRules(slice).docs.map((d) => ruleKey(d.meta)));
  const expected: RuleCounts = { events: before.events, hits: 0, rules: {} };
  for (const [k, n] of Object.entries(before.rules)) if (keys.has(k)) { expected.rules[k] = n; expected.hits += n; }
  assert.ok(Object.keys(expected.rules).length >= 20, 'the slice has rules that match the regression data');
  const now = await ruleCounts([join(CORPORA, 'sigma-regression', 'regression_data')], slice);
  assert.deepEqual(countDiff(expected, now), []);
  assert.equal(now.hits, expected.hits);
});
