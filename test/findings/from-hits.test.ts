// Rule hits -> findings: de-duplication windows and fields, stable ids, scores raised by
// correlation, playbook steps from the rule's ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { FindingBuilder, DEDUP_WINDOW_MS } from '../../src/findings/from-hits.js';
import { findingScore, type Finding } from '../../src/findings/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';

const RULES = `
title: Shell from the transport worker
id: 6f0c6a10-1111-4111-8111-111111111111
name: shell
logsource: { product: test }
detection:
  sel: { action: shell }
  condition: sel
level: high
confidence: medium
playbook: [step-a, step-missing, step-b]
falsepositives: [an admin test]
---
title: DLL written
id: 6f0c6a10-2222-4222-8222-222222222222
name: dll
logsource: { product: test }
detection:
  sel: { action: dll }
  condition: sel
level: medium
confidence: high
dedup_fields: [path]
dedup_window: 1h
---
title: DLL then shell
id: 6f0c6a10-3333-4333-8333-333333333333
correlation:
  type: temporal_ordered
  rules: [dll, shell]
  group-by: [host]
  timespan: 2h
  generate: true
level: critical
confidence: high
`;

const T0 = Date.parse('2026-11-02T09:00:00Z');
const MIN = 60_000;

function ev(i: number, minutes: number, fields: Record<string, FieldValue>, host = 'EXCH01'): Event {
  return { ref: { file: 'e.jsonl', kind: 'jsonl', line: i }, time: T0 + minutes * MIN, host, logsource: { product: 'test' }, fields: { host, ...fields } };
}

function run(events: Event[]): Finding[] {
  const r = parseSigmaText(RULES, 'r.yml');
  assert.deepEqual(r.errors, []);
  const set = new RuleSet(r.docs);
  const metas = new Map(r.docs.flatMap((d) => [d.meta.id, d.meta.name].filter((k): k is string => !!k).map((k) => [k, d.meta] as const)));
  const b = new FindingBuilder({
    ruleByKey: (k) => metas.get(k),
    playbook: (id) => (id.startsWith('step-missing') ? null : { id, title: `Title ${id}`, text: `Do ${id}` }),
  });
  for (const e of events) for (const h of set.match(e)) b.add(h);
  for (const c of set.finish()) b.addCorrelation(c);
  return b.findings();
}

test('hits of one rule on one host within the window are one finding with count and times', () => {
  const fs = run([ev(1, 0, { action: 'shell' }), ev(2, 30, { action: 'shell' }), ev(3, 60 * 20, { action: 'shell' })]);
  assert.equal(fs.length, 1);
  assert.equal(fs[0]!.count, 3);
  assert.equal(fs[0]!.first_seen, '2026-11-02T09:00:00.000Z');
  assert.equal(fs[0]!.last_seen, '2026-11-03T05:00:00.000Z');
  assert.deepEqual(fs[0]!.evidence.map((e) => e.line), [1, 2, 3]);
});

test('a gap longer than the window, another host or other de-duplication values make new findings', () => {
  const gap = DEDUP_WINDOW_MS / MIN + 1;
  const fs = run([
    ev(1, 0, { action: 'shell' }), ev(2, gap, { action: 'shell' }), ev(3, 0, { action: 'shell' }, 'EXCH02'),
    ev(4, 0, { action: 'dll', path: 'a.dll' }), ev(5, 10, { action: 'dll', path: 'b.dll' }), ev(6, 20, { action: 'dll', path: 'a.dll' }), ev(7, 200, { action: 'dll', path: 'a.dll' }),
  ]);
  const shells = fs.filter((f) => f.rule_id === '6f0c6a10-1111-4111-8111-111111111111');
  assert.equal(shells.length, 3);
  const dlls = fs.filter((f) => f.rule_id === '6f0c6a10-2222-4222-8222-222222222222');
  assert.deepEqual(dlls.map((f) => `${f.fields['path']} ${f.count}`).sort(), ['a.dll 1', 'a.dll 2', 'b.dll 1'], '1h window per path');
  assert.equal(new Set(fs.map((f) => f.id)).size, fs.length, 'ids are distinct');
});

test('out-of-order hits that bridge two episodes merge them', () => {
  const fs = run([ev(1, 0, { action: 'dll', path: 'a.dll' }), ev(2, 100, { action: 'dll', path: 'a.dll' }), ev(3, 50, { action: 'dll', path: 'a.dll' })]);
  assert.equal(fs.length, 1);
  assert.equal(fs[0]!.count, 3);
});

test('ids are stable across runs and orders of the same evidence', () => {
  const evs = [ev(1, 0, { action: 'shell' }), ev(2, 5, { action: 'dll', path: 'x' }), ev(3, 9, { action: 'shell' })];
  const a = run(evs).map((f) => f.id).sort();
  const b = run([...evs].reverse()).map((f) => f.id).sort();
  assert.deepEqual(a, b);
});

test('scores: severity x confidence, raised for findings a correlation joined; playbook steps resolved', () => {
  const alone = run([ev(1, 0, { action: 'shell' })]);
  assert.equal(alone[0]!.score, findingScore('high', 'medium'));
  assert.equal(alone[0]!.correlated_by, undefined);
  assert.deepEqual(alone[0]!.playbook?.map((s) => s.id), ['step-a', 'step-b'], 'unknown step ids are left out');
  assert.deepEqual(alone[0]!.falsepositives, ['an admin test']);

  const joined = run([ev(1, 0, { action: 'dll', path: 'x' }), ev(2, 30, { action: 'shell' })]);
  const corr = joined.find((f) => f.correlation)!;
  assert.ok(corr, 'correlation finding');
  assert.equal(corr.severity, 'critical');
  assert.equal(joined[0]!.id, corr.id, 'highest score first');
  for (const f of joined.filter((x) => !x.correlation)) {
    assert.deepEqual(f.correlated_by, [corr.id]);
    assert.equal(f.score, findingScore(f.severity, f.confidence, true));
    assert.ok(f.score > findingScore(f.severity, f.confidence));
  }
  assert.equal(findingScore('critical', 'high', true), 100, 'the top of the scale');
});

test('scores are ordered by severity: no confidence or correlation lifts a finding above a more severe one', () => {
  const levels = ['informational', 'low', 'medium', 'high', 'critical'] as const;
  const confidences = ['low', 'medium', 'high'] as const;
  for (let i = 1; i < levels.length; i++) {
    const below = Math.max(...confidences.flatMap((c) => [findingScore(levels[i - 1]!, c), findingScore(levels[i - 1]!, c, true)]));
    const above = Math.min(...confidences.map((c) => findingScore(levels[i]!, c)));
    assert.ok(below < above, `${levels[i - 1]} (up to ${below}) below ${levels[i]} (from ${above})`);
  }
  for (const l of levels) for (const c of confidences) {
    const s = findingScore(l, c, true);
    assert.ok(s >= 0 && s <= 100);
  }
  assert.ok(findingScore('informational', 'high', true) < findingScore('low', 'low'), 'the issue: informational scored above low');
});
