// Correlation rules in SQL (DuckDB window functions and ordered joins) against tracehound's
// correlator on crafted events: for conditions that only grow with the window (gte), a group has a
// hit in one exactly when it has one in the other. The KQL forms of the same correlations are
// checked with Kusto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import type { Event } from '../../src/events/model.js';
import { SqlBackend } from '../../src/sigma/backends/sql.js';
import { KqlBackend } from '../../src/sigma/backends/kql.js';
import { convertDocuments } from '../../src/sigma/backends/index.js';
import { loadMapping } from '../../src/sigma/backends/mapping.js';
import { duckdbLoadEvents } from '../../src/export/export.js';
import { eventRow, rowJson } from '../../src/export/event-table.js';
import { diagnose, globalsFor } from './kusto.js';

const RULES = `
title: a
name: rule_a
logsource: { product: windows, category: process_creation }
detection: { sel: { CommandLine|contains: alpha }, condition: sel }
---
title: b
name: rule_b
logsource: { product: windows, category: process_creation }
detection: { sel: { CommandLine|contains: beta }, condition: sel }
---
title: c count
id: 00000000-0000-4000-8000-00000000c001
correlation: { type: event_count, rules: [rule_a], group-by: [Computer], timespan: 10m, condition: { gte: 3 } }
---
title: c values
id: 00000000-0000-4000-8000-00000000c002
correlation: { type: value_count, rules: [rule_a], group-by: [Computer], timespan: 10m, condition: { field: User, gte: 2 } }
---
title: c temporal
id: 00000000-0000-4000-8000-00000000c003
correlation: { type: temporal, rules: [rule_a, rule_b], group-by: [Computer], timespan: 5m }
---
title: c ordered
id: 00000000-0000-4000-8000-00000000c004
correlation: { type: temporal_ordered, rules: [rule_a, rule_b], group-by: [Computer], timespan: 5m, generate: true }
`;

const T0 = Date.UTC(2026, 0, 1, 12);
const min = 60_000;
function ev(host: string, t: number, cmd: string, user = 'u1'): Event {
  return { ref: { file: 'c.jsonl', kind: 'jsonl', line: 1 }, time: T0 + t, host, logsource: { product: 'windows', service: 'sysmon', category: 'process_creation' }, fields: { Computer: host, CommandLine: cmd, User: user } };
}
// h1: 3 alphas within 10m (count), 2 users (values), beta 2m after an alpha (temporal + ordered)
// h2: 3 alphas over 25m (no count), beta before alpha only (temporal, not ordered)
// h3: alpha then beta 7m later (neither within 5m)
const EVENTS: Event[] = [
  ev('h1', 0, 'alpha 1'), ev('h1', 4 * min, 'alpha 2', 'u2'), ev('h1', 9 * min, 'alpha 3'), ev('h1', 11 * min, 'beta'),
  ev('h2', 0, 'alpha'), ev('h2', 12 * min, 'alpha'), ev('h2', 24 * min, 'beta'), ev('h2', 25 * min, 'alpha'),
  ev('h3', 0, 'alpha'), ev('h3', 7 * min, 'beta'),
  // the same host written in two cases (Sysmon and Defender): one group
  ev('H4', 0, 'alpha'), ev('h4', 1 * min, 'beta'),
];

test('SQL correlations find the same groups as the correlator; their KQL is Kusto-clean', async () => {
  const parsed = parseSigmaText(RULES, 'c.yml');
  assert.deepEqual(parsed.errors, []);
  const rs = new RuleSet(parsed.docs);
  for (const e of EVENTS) rs.match(e);
  const want = new Set(rs.finish().map((h) => `${h.rule.meta.title}|${String(h.group['Computer']).toLowerCase()}`));
  assert.ok(want.has('c count|h1') && want.has('c ordered|h1') && want.has('c temporal|h2') && !want.has('c ordered|h2') && want.has('c ordered|h4'), [...want].join());
  const dir = mkdtempSync(join(tmpdir(), 'th-corr-'));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, EVENTS.map((e, i) => rowJson(eventRow(e, i + 1)) + '\n').join(''));
    await con.run(duckdbLoadEvents(file));
    const got = new Set<string>();
    for (const c of convertDocuments(parsed.docs, new SqlBackend('duckdb'))) {
      if (c.type !== 'correlation') continue;
      assert.ok(c.query, `${c.title}: ${c.error}`);
      for (const row of (await con.runAndReadAll(c.query)).getRowObjectsJson()) got.add(`${c.title}|${String(row['Computer'])}`);
    }
    assert.deepEqual([...got].sort(), [...want].sort());
    const g = globalsFor(loadMapping('kql'));
    for (const c of convertDocuments(parsed.docs, new KqlBackend(loadMapping('kql')))) {
      assert.ok(c.query, `${c.title}: ${c.error}`);
      assert.deepEqual(diagnose(c.query, g).filter((x) => x.severity === 'Error'), [], c.query);
    }
  } finally {
    con.closeSync();
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
});
