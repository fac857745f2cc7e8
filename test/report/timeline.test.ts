// --format timeline: a CSV Timesketch imports as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecordsOfText, type CsvItem } from '../../src/sources/csv/reader.js';
import { findingTimelineRows, TIMELINE_COLUMNS, timelineCsv, timesketchDatetime } from '../../src/report/timeline.js';
import { cli, finding, hostileFindings } from './fixtures.js';

function parse(text: string): { header: string[]; rows: Record<string, string>[]; errors: string[] } {
  const items: CsvItem[] = [...csvRecordsOfText(text)];
  const header = items.find((i) => i.kind === 'header');
  return {
    header: header && header.kind === 'header' ? header.columns : [],
    rows: items.flatMap((i) => (i.kind === 'record' ? [i.value] : [])),
    errors: items.flatMap((i) => (i.kind === 'error' ? [`${i.line}: ${i.message}`] : [])),
  };
}

test('timeline: Timesketch\'s mandatory columns first, then ours', () => {
  const csv = timelineCsv(TIMELINE_COLUMNS, []);
  assert.equal(csv.split('\r\n')[0], 'message,datetime,timestamp_desc,timestamp,severity,score,confidence,host,rule_id,check,finding_id,title,techniques,count,first_seen,last_seen,evidence');
});

test('timeline: one row for first_seen, another for last_seen when it differs; oldest first; rows parse back', () => {
  const a = finding({ id: 'a'.repeat(16), first_seen: '2026-11-02T09:00:00.000Z', last_seen: '2026-11-02T12:00:00.500Z', count: 3,
    evidence: [{ file: 'x.evtx', kind: 'evtx', record: 7 }, { file: 'y.jsonl', kind: 'jsonl', line: 2 }] });
  const b = finding({ id: 'b'.repeat(16), rule_id: null, check: 'impersonation', title: 'Impersonation: Connection Filtering Agent, "quoted"', first_seen: '2026-11-02T10:00:00Z', last_seen: '2026-11-02T10:00:00Z' });
  const c = finding({ id: 'c'.repeat(16), first_seen: null, last_seen: null });
  const { header, rows, errors } = parse(timelineCsv(TIMELINE_COLUMNS, [a, b, c].flatMap(findingTimelineRows)));
  assert.deepEqual(errors, []);
  assert.deepEqual(header.slice(0, 3), ['message', 'datetime', 'timestamp_desc']);
  assert.deepEqual(rows.map((r) => [r['finding_id']!.slice(0, 1), r['timestamp_desc'], r['datetime']]), [
    ['a', 'First seen', '2026-11-02T09:00:00.000+00:00'],
    ['b', 'First and last seen', '2026-11-02T10:00:00.000+00:00'],
    ['a', 'Last seen', '2026-11-02T12:00:00.500+00:00'],
  ], 'the finding without a time has no row');
  const first = rows[0]!;
  assert.equal(first['timestamp'], String(Date.parse('2026-11-02T09:00:00Z') * 1000), 'microseconds since the epoch');
  assert.equal(first['severity'], 'critical');
  assert.equal(first['score'], '100');
  assert.equal(first['host'], 'EXCH01.corp.example');
  assert.equal(first['rule_id'], 'c4e2a871-5b09-4d3e-96f7-1a8d0e5c3b24');
  assert.equal(first['evidence'], 'x.evtx#7 y.jsonl:2');
  assert.equal(first['count'], '3');
  assert.match(first['message']!, /^\[critical\] Exchange Transport Worker Starts a Shell or LOLBin on EXCH01\.corp\.example \(first seen; 3 events; rule c4e2a871/);
  assert.equal(rows[1]!['check'], 'impersonation');
  assert.equal(rows[1]!['title'], 'Impersonation: Connection Filtering Agent, "quoted"', 'commas and quotes survive');
  // every datetime is ISO 8601 that parses back to the finding's time
  for (const r of rows) assert.ok(!Number.isNaN(Date.parse(r['datetime']!)));
  assert.equal(timesketchDatetime('not a time'), null);
});

test('timeline: hostile values stay in their cell; formulas neutralised; no raw control characters in the message', () => {
  const fs = hostileFindings();
  fs[0]!.host = '=HYPERLINK("http://x.test","click")';
  const text = timelineCsv(TIMELINE_COLUMNS, fs.flatMap(findingTimelineRows));
  const { rows, errors } = parse(text);
  assert.deepEqual(errors, []);
  assert.equal(rows.length, 3, 'hostile (one time), huge (first and last); the untimed one has none');
  for (const r of rows) {
    assert.equal(Object.keys(r).length, TIMELINE_COLUMNS.length);
    for (const v of Object.values(r)) assert.doesNotMatch(v, /^[=+@\t\r]/);
    assert.doesNotMatch(r['message']!, /[\u0000-\u001f\u202e]/);
  }
  assert.equal(rows.find((r) => r['finding_id'] === 'aaaaaaaaaaaaaaaa')!['host'], `'=HYPERLINK("http://x.test","click")`);
});

test('hunt --format timeline on the demo evidence imports as a Timesketch CSV', () => {
  const r = cli('hunt', 'samples', '--format', 'timeline');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith('message,datetime,timestamp_desc,'));
  const { rows, errors } = parse(r.stdout);
  assert.deepEqual(errors, []);
  assert.ok(rows.length >= 5);
  const times = rows.map((x) => Date.parse(x['datetime']!));
  assert.deepEqual(times, [...times].sort((x, y) => x - y), 'oldest first');
  for (const x of rows) {
    assert.match(x['datetime']!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    assert.ok(['First seen', 'Last seen', 'First and last seen'].includes(x['timestamp_desc']!));
    assert.ok(x['message']!.length > 0);
  }
  // a finding whose first and last times differ has both rows
  const ids = rows.map((x) => x['finding_id']);
  assert.ok(ids.some((id, i) => ids.indexOf(id) !== i), 'some finding has a first and a last row');
  // --per-event too: one row per match
  const p = cli('hunt', 'samples', '--per-event', '--format', 'timeline');
  assert.equal(p.status, 0, p.stderr);
  const pr = parse(p.stdout);
  assert.deepEqual(pr.header.slice(0, 3), ['message', 'datetime', 'timestamp_desc']);
  assert.ok(pr.rows.some((x) => x['timestamp_desc'] === 'Rule match'));
});
