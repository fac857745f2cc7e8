// The rule set: logsource index, filters (filters specification), prefilter equivalence on SigmaHQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { compileDetection } from '../../src/sigma/compile.js';
import { EventView } from '../../src/sigma/event-view.js';
import type { SigmaRule } from '../../src/sigma/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { listInputs } from '../../src/sources/inputs.js';
import { readJsonRecords } from '../../src/sources/json/reader.js';
import { toEvent } from '../../src/events/normalize.js';
import { referenceLogsource } from '../support/reference.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

function rs(yaml: string): RuleSet {
  const r = parseSigmaText(yaml, 't.yml');
  assert.deepEqual(r.errors, []);
  return new RuleSet(r.docs);
}

function ev(logsource: Event['logsource'], fields: Record<string, FieldValue>): Event {
  return { ref: { file: 'x', kind: 'jsonl', line: 1 }, time: 0, logsource, fields };
}

const titles = (set: RuleSet, e: Event) => set.match(e).map((h) => h.rule.meta.title);

const RULES = `
title: any windows
logsource: { product: windows }
detection: { sel: { User: bob }, condition: sel }
---
title: proc
logsource: { product: windows, category: process_creation }
detection: { sel: { User: bob }, condition: sel }
---
title: sysmon service
logsource: { product: windows, service: sysmon }
detection: { sel: { User: bob }, condition: sel }
---
title: registry add
logsource: { product: windows, category: registry_add }
detection: { sel: { User: bob }, condition: sel }
---
title: linux
logsource: { product: linux }
detection: { sel: { User: bob }, condition: sel }
`;

test('an event meets only the rules whose logsource fits it', () => {
  const set = rs(RULES);
  assert.deepEqual(titles(set, ev({ product: 'windows', service: 'sysmon', category: 'process_creation' }, { User: 'bob' })), ['any windows', 'proc', 'sysmon service']);
  assert.deepEqual(titles(set, ev({ product: 'windows', service: 'security', category: 'process_creation' }, { User: 'bob' })), ['any windows', 'proc']);
  assert.deepEqual(titles(set, ev({ product: 'windows', service: 'security' }, { User: 'bob' })), ['any windows']);
  assert.deepEqual(titles(set, ev({ product: 'windows', service: 'sysmon', category: 'registry_event', categories: ['registry_event', 'registry_add'] }, { User: 'bob' })), ['any windows', 'sysmon service', 'registry add']);
  assert.deepEqual(titles(set, ev({ product: 'linux' }, { User: 'bob' })), ['linux']);
  // A record that names no logsource meets every rule.
  assert.equal(titles(set, ev({}, { User: 'bob' })).length, 5);
  assert.deepEqual(titles(set, ev({ product: 'windows' }, { User: 'alice' })), []);
});

const FILTERED = `
title: rar
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: { product: windows, category: process_creation }
detection: { sel: { Image|endswith: '\\rar.exe' }, condition: sel }
---
title: other
id: 0f3e2987-db24-4c78-a860-b4f4095a7000
logsource: { product: windows, category: process_creation }
detection: { sel: { Image|endswith: '\\7z.exe' }, condition: sel }
`;

test('a filter suppresses the matches of the rules it names where its condition holds (filters spec)', () => {
  const set = rs(FILTERED + `---
title: Filter admin accounts
logsource: { product: windows, category: process_creation }
filter:
  rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]
  selection: { User|startswith: adm_ }
  condition: selection
`);
  const ls = { product: 'windows', category: 'process_creation' };
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\rar.exe', User: 'adm_bob' })), []);
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\rar.exe', User: 'bob' })), ['rar']);
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\7z.exe', User: 'adm_bob' })), ['other'], 'rules not named keep their matches');
});

test('a filter with rules: any applies to every rule of its logsource, and not to other logsources', () => {
  const set = rs(FILTERED + `---
title: any
logsource: { product: windows, category: process_creation }
filter:
  rules: any
  selection: { User: svc }
  condition: selection
---
title: elsewhere
logsource: { product: windows, category: image_load }
filter:
  rules: any
  selection: { User: bob }
  condition: selection
`);
  const ls = { product: 'windows', category: 'process_creation' };
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\rar.exe', User: 'svc' })), []);
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\7z.exe', User: 'svc' })), []);
  assert.deepEqual(titles(set, ev(ls, { Image: 'C:\\7z.exe', User: 'bob' })), ['other']);
});

test('the prefilter skips most rules yet finds every match: SigmaHQ rules over the regression events', { skip: SKIP_NO_CORPORA }, async () => {
  const loaded = loadRules([join(CORPORA, 'sigma-rules', 'windows')]);
  assert.equal(loaded.errors.length, 0);
  const set = new RuleSet(loaded.docs);
  const plain = (loaded.docs.filter((d) => d.type === 'rule') as SigmaRule[]).map((r) => ({ r, m: compileDetection(r.detection) }));
  let events = 0, matches = 0;
  for (const f of listInputs([join(CORPORA, 'sigma-regression', 'regression_data')]).files.filter((p) => p.endsWith('.json'))) {
    for await (const it of readJsonRecords(f)) {
      if (it.kind !== 'record') continue;
      const e = toEvent(it.value, { file: f, kind: 'json', line: it.line })!;
      events++;
      const got = set.match(e).map((h) => h.rule.meta.id).sort();
      const view = new EventView(e.fields, e.raw);
      const want = plain.filter(({ r, m }) => referenceLogsource(r.logsource, e) && m(view)).map(({ r }) => r.meta.id).sort();
      assert.deepEqual(got, want, `${f}:${it.line}`);
      matches += got.length;
    }
  }
  assert.ok(events > 150 && matches > 150, `${events} events, ${matches} matches`);
  const brute = events * plain.length;
  assert.ok(set.stats.evaluated < brute / 10, `prefilter+index evaluated ${set.stats.evaluated} of ${brute} rule-event pairs`);
});
