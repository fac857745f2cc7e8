// Winlogbeat / ECS events meet the same rules as the EVTX-to-JSON rendering of the same event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toEvent } from '../../src/events/normalize.js';
import { readJsonRecords } from '../../src/sources/json/reader.js';
import { listInputs } from '../../src/sources/inputs.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import type { FieldValue } from '../../src/events/model.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

type Obj = Record<string, FieldValue>;
const attr = (v: FieldValue | undefined, k: string) => ((v as Obj | undefined)?.['#attributes'] as Obj | undefined)?.[k];

/** The same event as Winlogbeat would ship it. */
function asWinlogbeat(doc: Obj): Obj {
  const e = doc['Event'] as Obj;
  const sys = e['System'] as Obj;
  const eid = sys['EventID'];
  return {
    '@timestamp': attr(sys['TimeCreated'], 'SystemTime') ?? null,
    event: { code: String(typeof eid === 'object' && eid !== null ? (eid as Obj)['#text'] : eid) },
    host: { name: sys['Computer'] ?? null },
    winlog: {
      channel: sys['Channel'] ?? null,
      event_id: String(typeof eid === 'object' && eid !== null ? (eid as Obj)['#text'] : eid),
      computer_name: sys['Computer'] ?? null,
      provider_name: attr(sys['Provider'], 'Name') ?? null,
      record_id: sys['EventRecordID'] ?? null,
      process: { pid: attr(sys['Execution'], 'ProcessID') ?? null },
      ...(e['EventData'] !== undefined ? { event_data: e['EventData']! } : {}),
      ...(e['UserData'] !== undefined ? { user_data: e['UserData']! } : {}),
    },
  };
}

test('a Winlogbeat event gets the Windows field names and logsource', () => {
  const ev = toEvent({
    '@timestamp': '2024-05-01T10:00:00.123Z',
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', computer_name: 'EXCH01', provider_name: 'Microsoft-Windows-Sysmon', event_data: { Image: 'C:\\x.exe', CommandLine: 'x Install-TransportAgent' } },
  }, { file: 'w', kind: 'jsonl', line: 1 })!;
  assert.deepEqual(ev.logsource, { product: 'windows', service: 'sysmon', category: 'process_creation' });
  assert.equal(ev.fields['EventID'], 1);
  assert.equal(ev.fields['CommandLine'], 'x Install-TransportAgent');
  assert.equal(ev.host, 'EXCH01');
  assert.equal(ev.time, Date.UTC(2024, 4, 1, 10, 0, 0, 123));
});

test('SigmaHQ rules fire the same on the regression events as Winlogbeat ships them', { skip: SKIP_NO_CORPORA }, async () => {
  const rs = new RuleSet(loadRules([join(CORPORA, 'sigma-rules', 'windows')]).docs);
  let events = 0, matches = 0;
  for (const f of listInputs([join(CORPORA, 'sigma-regression', 'regression_data')]).files.filter((p) => p.endsWith('.json'))) {
    for await (const it of readJsonRecords(f)) {
      if (it.kind !== 'record') continue;
      const ref = { file: f, kind: 'json' as const, line: it.line };
      const want = rs.match(toEvent(it.value, ref)!).map((h) => h.rule.meta.id).sort();
      const got = rs.match(toEvent(asWinlogbeat(it.value as Obj), ref)!).map((h) => h.rule.meta.id).sort();
      assert.deepEqual(got, want, `${f}:${it.line}`);
      events++;
      matches += want.length;
    }
  }
  assert.ok(events > 150 && matches > 150, `${events} events, ${matches} matches`);
});
