// Correlation rules (correlation specification v2.1.0), with the window semantics documented in
// src/sigma/correlate.ts: sliding windows, both ends inclusive, one hit per maximal window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import type { CorrelationHit } from '../../src/sigma/correlate.js';
import type { Event, FieldValue } from '../../src/events/model.js';

const BASE = `
title: login failed
id: 11111111-1111-4111-8111-111111111111
name: failed
logsource: { product: test }
detection:
  sel: { action: failed }
  condition: sel
---
title: login ok
id: 22222222-2222-4222-8222-222222222222
name: ok
logsource: { product: test }
detection:
  sel: { action: ok }
  condition: sel
---
title: process
name: proc
logsource: { product: test }
detection:
  sel: { action: proc }
  condition: sel
`;

function ruleset(corr: string): RuleSet {
  const r = parseSigmaText(BASE + '---\n' + corr, 'c.yml');
  assert.deepEqual(r.errors, []);
  const rs = new RuleSet(r.docs);
  assert.deepEqual(rs.problems, []);
  return rs;
}

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
let line = 0;
function ev(sec: number, fields: Record<string, FieldValue>): Event {
  return { ref: { file: 'e.jsonl', kind: 'jsonl', line: ++line }, time: T0 + sec * 1000, logsource: { product: 'test' }, fields, host: String(fields['host'] ?? 'h1') };
}

function run(rs: RuleSet, events: Event[]): { hits: number; corr: CorrelationHit[] } {
  let hits = 0;
  for (const e of events) hits += rs.match(e).length;
  return { hits, corr: rs.finish() };
}

const count = (n: number, span = '10s', extra = '') => `
title: brute force
id: 33333333-3333-4333-8333-333333333333
correlation:
  type: event_count
  rules: [failed]
  group-by: [user]
  timespan: ${span}
  condition: { gte: ${n} }
${extra}
level: high
`;

test('event_count: three events exactly at the window edge are one window (inclusive)', () => {
  const { corr } = run(ruleset(count(3)), [ev(0, { action: 'failed', user: 'a' }), ev(5, { action: 'failed', user: 'a' }), ev(10, { action: 'failed', user: 'a' })]);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.value, 3);
  assert.equal(corr[0]!.eventCount, 3);
  assert.deepEqual(corr[0]!.group, { user: 'a' });
});

test('event_count: one millisecond past the window edge splits the events', () => {
  const rs = ruleset(count(3));
  const evs = [ev(0, { action: 'failed', user: 'a' }), ev(5, { action: 'failed', user: 'a' }), ev(10, { action: 'failed', user: 'a' })];
  evs[2]!.time += 1;
  assert.equal(run(rs, evs).corr.length, 0);
});

test('event_count: sliding, not fixed buckets (a burst across a bucket boundary is found)', () => {
  const rs = ruleset(count(3, '1m'));
  const { corr } = run(rs, [ev(50, { action: 'failed', user: 'a' }), ev(59, { action: 'failed', user: 'a' }), ev(61, { action: 'failed', user: 'a' })]);
  assert.equal(corr.length, 1);
});

test('event_count: groups are separate', () => {
  const rs = ruleset(count(2));
  const { corr } = run(rs, [ev(0, { action: 'failed', user: 'a' }), ev(1, { action: 'failed', user: 'b' }), ev(2, { action: 'failed', user: 'c' })]);
  assert.equal(corr.length, 0);
});

test('event_count: events out of order are sorted by time first', () => {
  const rs = ruleset(count(3));
  const { corr } = run(rs, [ev(9, { action: 'failed', user: 'a' }), ev(0, { action: 'failed', user: 'a' }), ev(4, { action: 'failed', user: 'a' })]);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.first, T0);
});

test('event_count: a long burst gives one hit per maximal window, not one per event', () => {
  const rs = ruleset(count(2));
  const evs = Array.from({ length: 6 }, (_, i) => ev(i, { action: 'failed', user: 'a' }));
  const { corr } = run(rs, evs);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.eventCount, 6);
});

test('event_count: range condition (gt with lte) as the specification allows', () => {
  const range = count(0, '10s').replace('{ gte: 0 }', '{ gt: 1, lte: 2 }');
  const rs = ruleset(range);
  assert.equal(run(rs, [ev(0, { action: 'failed', user: 'a' }), ev(1, { action: 'failed', user: 'a' })]).corr.length, 1);
  const rs2 = ruleset(range);
  assert.equal(run(rs2, [ev(0, { action: 'failed', user: 'a' }), ev(1, { action: 'failed', user: 'a' }), ev(2, { action: 'failed', user: 'a' })]).corr.length, 0);
});

test('generate: false (default) hides the referenced rule\'s own matches; true keeps them', () => {
  const hidden = ruleset(count(2));
  assert.equal(run(hidden, [ev(0, { action: 'failed', user: 'a' })]).hits, 0);
  const shown = ruleset(count(2, '10s', '  generate: true'));
  assert.equal(run(shown, [ev(0, { action: 'failed', user: 'a' })]).hits, 1);
});

const SPRAY = `
title: spray
correlation:
  type: value_count
  rules: [failed]
  group-by: [src]
  timespan: 1m
  condition: { field: user, gte: 3 }
`;

test('value_count: distinct values per group', () => {
  const rs = ruleset(SPRAY);
  const mk = (s: number, user: string) => ev(s, { action: 'failed', user, src: '10.0.0.1' });
  assert.equal(run(rs, [mk(0, 'a'), mk(1, 'a'), mk(2, 'b'), mk(3, 'b')]).corr.length, 0);
  const rs2 = ruleset(SPRAY);
  const { corr } = run(rs2, [mk(0, 'a'), mk(1, 'b'), mk(60, 'c')]);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.value, 3);
});

const temporal = (type: string, span = '30s') => `
title: fail then ok
correlation:
  type: ${type}
  rules: [failed, ok]
  group-by: [user]
  timespan: ${span}
`;

test('temporal: both rules within the window, any order', () => {
  assert.equal(run(ruleset(temporal('temporal')), [ev(0, { action: 'ok', user: 'a' }), ev(30, { action: 'failed', user: 'a' })]).corr.length, 1);
  assert.equal(run(ruleset(temporal('temporal')), [ev(0, { action: 'ok', user: 'a' }), ev(31, { action: 'failed', user: 'a' })]).corr.length, 0);
  assert.equal(run(ruleset(temporal('temporal')), [ev(0, { action: 'ok', user: 'a' }), ev(1, { action: 'failed', user: 'b' })]).corr.length, 0);
});

test('temporal_ordered: only in the listed order', () => {
  assert.equal(run(ruleset(temporal('temporal_ordered')), [ev(0, { action: 'failed', user: 'a' }), ev(30, { action: 'ok', user: 'a' })]).corr.length, 1);
  assert.equal(run(ruleset(temporal('temporal_ordered')), [ev(0, { action: 'ok', user: 'a' }), ev(30, { action: 'failed', user: 'a' })]).corr.length, 0);
  const { corr } = run(ruleset(temporal('temporal_ordered')), [ev(0, { action: 'ok', user: 'a' }), ev(5, { action: 'failed', user: 'a' }), ev(6, { action: 'ok', user: 'a' })]);
  assert.equal(corr.length, 1);
  assert.deepEqual(corr[0]!.rules.sort(), ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222']);
});

const SAME_ACCOUNT = `
title: same account
correlation:
  type: temporal
  rules: [failed, proc]
  group-by: [account]
  timespan: 1m
  aliases:
    account:
      failed: user
      proc: owner
`;

test('aliases: group across differently named fields', () => {
  const rs = ruleset(SAME_ACCOUNT);
  assert.equal(run(rs, [ev(0, { action: 'failed', user: 'bob' }), ev(10, { action: 'proc', owner: 'bob' })]).corr.length, 1);
  const rs2 = ruleset(SAME_ACCOUNT);
  assert.equal(run(rs2, [ev(0, { action: 'failed', user: 'bob' }), ev(10, { action: 'proc', owner: 'eve' })]).corr.length, 0);
});

test('value_sum and value_avg over a numeric field', () => {
  const sum = ruleset(`
title: big transfer
correlation:
  type: value_sum
  rules: [proc]
  group-by: [host]
  timespan: 1h
  condition: { field: bytes, gt: 1000 }
`);
  const { corr } = run(sum, [ev(0, { action: 'proc', bytes: 600 }), ev(10, { action: 'proc', bytes: '500' })]);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.value, 1100);
  const avg = ruleset(`
title: avg
correlation:
  type: value_avg
  rules: [proc]
  group-by: [host]
  timespan: 1h
  condition: { field: bytes, gte: 600 }
`);
  assert.equal(run(avg, [ev(0, { action: 'proc', bytes: 600 }), ev(10, { action: 'proc', bytes: 500 })]).corr.length, 0);
});

test('value_percentile: a value carried by few of the matches in the window', () => {
  const rs = ruleset(`
title: rare image
correlation:
  type: value_percentile
  rules: [proc]
  group-by: [host]
  timespan: 1d
  condition: { field: image, lte: 10 }
`);
  const evs = Array.from({ length: 19 }, (_, i) => ev(i, { action: 'proc', image: 'common.exe' }));
  evs.push(ev(30, { action: 'proc', image: 'rare.exe' }));
  const { corr } = run(rs, evs);
  assert.equal(corr.length, 1);
  assert.equal(corr[0]!.subject, 'rare.exe');
  assert.equal(corr[0]!.value, 5);
});

test('chained correlations: a correlation over another correlation', () => {
  const rs = ruleset(`
title: bursts
name: bursts
correlation:
  type: event_count
  rules: [failed]
  group-by: [user]
  timespan: 10s
  condition: { gte: 2 }
---
title: burst then success
correlation:
  type: temporal_ordered
  rules: [bursts, ok]
  group-by: [user]
  timespan: 1m
level: critical
`);
  const { corr } = run(rs, [ev(0, { action: 'failed', user: 'a' }), ev(1, { action: 'failed', user: 'a' }), ev(20, { action: 'ok', user: 'a' })]);
  assert.equal(corr.filter((c) => c.rule.meta.title === 'burst then success').length, 1);
  assert.equal(corr.filter((c) => c.rule.meta.title === 'bursts').length, 1);
});

test('unknown references and cycles are reported, not run', () => {
  const r = parseSigmaText(BASE + `---
title: broken
correlation: { type: event_count, rules: [nope], group-by: [user], timespan: 1m, condition: { gte: 1 } }
---
title: a
name: a
correlation: { type: event_count, rules: [b], group-by: [user], timespan: 1m, condition: { gte: 1 } }
---
title: b
name: b
correlation: { type: event_count, rules: [a], group-by: [user], timespan: 1m, condition: { gte: 1 } }
`, 'c.yml');
  assert.deepEqual(r.errors, []);
  const rs = new RuleSet(r.docs);
  assert.ok(rs.problems.some((p) => /unknown rule\(s\): nope/.test(p.message)));
  assert.ok(rs.problems.some((p) => /cycle/.test(p.message)));
  assert.equal(rs.correlations.length, 0);
});

test('events without a timestamp are counted and reported, not correlated', () => {
  const rs = ruleset(count(1));
  const e = ev(0, { action: 'failed', user: 'a' });
  e.time = NaN;
  const { corr } = run(rs, [e]);
  assert.equal(corr.length, 0);
  assert.ok(rs.problems.some((p) => /no timestamp/.test(p.message)));
});

test('invalid correlation documents are rejected with positions', () => {
  const bad = (body: string) => parseSigmaText(`title: x\ncorrelation:\n${body}`, 'bad.yml').errors;
  assert.match(bad('  type: event_count\n  rules: [a]\n  group-by: [u]\n  timespan: 5x\n  condition: { gte: 1 }\n')[0]!.message, /timespan/);
  assert.match(bad('  type: sometimes\n  rules: [a]\n  timespan: 5m\n')[0]!.message, /correlation type/);
  assert.match(bad('  type: event_count\n  rules: [a]\n  group-by: [u]\n  timespan: 5m\n')[0]!.message, /needs a condition/);
  assert.match(bad('  type: value_count\n  rules: [a]\n  group-by: [u]\n  timespan: 5m\n  condition: { gte: 2 }\n')[0]!.message, /condition.field/);
  assert.match(bad('  type: temporal\n  rules: [a]\n  group-by: [u]\n  timespan: 5m\n')[0]!.message, /at least two rules/);
  const e = bad('  type: event_count\n  rules: [a]\n  group-by: [u]\n  timespan: 5x\n  condition: { gte: 1 }\n')[0]!;
  assert.equal(e.line, 6);
});
