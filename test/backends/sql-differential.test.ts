// Differential proof of the SQL backend on real events: the SigmaHQ regression events (their JSON
// renderings and EVTX files) exported with `tracehound export`'s code to the event table, loaded into
// DuckDB (and SQLite), and every SigmaHQ Windows rule's SQL run over them must give exactly the
// (rule, event) pairs tracehound's in-process engine gives over the same events.
// Set TRACEHOUND_DIFF_WIDE=1 to add every EVTX file of the corpora (about 30,000 more events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { hunt } from '../../src/hunt/run.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { exportEvents } from '../../src/export/export.js';
import { SqlBackend } from '../../src/sigma/backends/sql.js';
import { convertDocuments } from '../../src/sigma/backends/index.js';
import type { EventRow } from '../../src/export/event-table.js';
import { diff, duckPairs, pair, sqlitePairs } from './sql-harness.js';

test('SQL (DuckDB, SQLite) over the exported regression events = the in-process engine, for every SigmaHQ Windows rule', { skip: SKIP_NO_CORPORA, timeout: 900_000 }, async () => {
  const paths = [join(CORPORA, 'sigma-regression', 'regression_data')];
  if (process.env['TRACEHOUND_DIFF_WIDE']) paths.push(join(CORPORA, 'evtx'));
  const loaded = loadRules([join(CORPORA, 'sigma-rules', 'windows')]);
  assert.equal(loaded.errors.length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'th-diff-'));
  try {
    const file = join(dir, 'events.jsonl');
    const t0 = performance.now();
    const ex = await exportEvents({ paths, out: file, format: 'jsonl', threads: 0 });
    const exportMs = performance.now() - t0;

    // The in-process engine over the same files in the same order: event ids are assigned alike.
    const rs = new RuleSet(loaded.docs);
    const ids = new Map<object, number>();
    let n = 0;
    const want = new Set<string>();
    await hunt({ paths, ruleset: rs, threads: 0, onEvent: (ev) => { ids.set(ev, ++n); }, onHit: (h) => { want.add(pair(h.rule.meta.id ?? h.rule.meta.title, ids.get(h.event)!)); } });
    assert.equal(n, ex.events, 'the export and the hunt read the same events');

    const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRow);
    for (const dialect of ['duckdb', 'sqlite'] as const) {
      const convs = convertDocuments(loaded.docs, new SqlBackend(dialect));
      const converted = new Set(convs.filter((c) => c.query !== undefined).map((c) => c.rule_id ?? c.title));
      const reasons = new Map<string, number>();
      for (const c of convs) if (c.error) reasons.set(c.reason ?? '?', (reasons.get(c.reason ?? '?') ?? 0) + 1);
      const run = dialect === 'duckdb' ? await duckPairs(file, convs) : sqlitePairs(rows, convs);
      const d = diff(want, run.pairs, converted);
      const wantConverted = [...want].filter((p) => converted.has(p.slice(0, p.lastIndexOf('|')))).length;
      console.log(`sql ${dialect}: ${ex.events} events (export ${exportMs.toFixed(0)} ms); ${converted.size}/${convs.length} rules converted` +
        ` (not converted: ${[...reasons].map(([r, k]) => `${r} ${k}`).join(', ') || 'none'}); in-process pairs ${want.size}` +
        ` (${wantConverted} of converted rules); SQL pairs ${run.pairs.size}; missing ${d.missing.length}, extra ${d.extra.length}; queries ran in ${run.ms.toFixed(0)} ms`);
      assert.deepEqual(run.failures, [], `${dialect}: queries that failed to run`);
      assert.deepEqual(d, { missing: [], extra: [] }, `${dialect}: (rule|event) pairs that differ from the in-process engine`);
      assert.ok(want.size >= 400, 'the regression events match many rules');
      if (dialect === 'duckdb') assert.equal(converted.size, convs.length, 'DuckDB expresses every SigmaHQ Windows rule');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
