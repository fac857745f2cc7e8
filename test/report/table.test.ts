// The findings table (grouped by severity) and the CSV columns kept backward compatible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsTable, findingWriter } from '../../src/report/records.js';
import { Sink } from '../../src/report/sink.js';
import { COLOURS } from '../../src/report/text.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, finding, hostileFindings, tempDir } from './fixtures.js';

const ESC = '\u001b';

test('table: a heading per severity with its count, most severe first, highest score first within', () => {
  const fs = [
    finding({ id: '1'.repeat(16), severity: 'high', score: 64, title: 'High low score' }),
    finding({ id: '2'.repeat(16), severity: 'critical', score: 100, title: 'Critical one' }),
    finding({ id: '3'.repeat(16), severity: 'high', score: 80, title: 'High top score' }),
    finding({ id: '4'.repeat(16), severity: 'low', score: 24, title: 'Low one' }),
  ];
  const out = findingsTable(fs, 160, false);
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0]!, /^SEVERITY\s+SCORE\s+RULE\s+FINDING\s+HOST\s+COUNT\s+FIRST SEEN \(UTC\)\s+EVIDENCE$/);
  assert.match(lines[1]!, /^── CRITICAL · 1 finding ─+$/);
  assert.match(lines[2]!, /^critical\s+100\s+c4e2a871\s+Critical one/, "the rule column: the id's first 8 characters");
  assert.match(lines[3]!, /^── HIGH · 2 findings ─+$/);
  assert.match(lines[4]!, /High top score/);
  assert.match(lines[5]!, /High low score/);
  assert.match(lines[6]!, /^── LOW · 1 finding ─+$/);
  assert.ok(!out.includes(ESC), 'no colour unless asked');
  assert.equal(findingsTable([], 160, false).split('\n')[1], 'no findings');
});

test('table: colour marks the headings and the severity cell only; values never carry raw escapes', () => {
  const out = findingsTable(hostileFindings(), 160, true);
  assert.ok(out.includes(`${COLOURS.critical}── CRITICAL`));
  assert.ok(out.includes(`${COLOURS.critical}critical${COLOURS.reset}`));
  // no escape sequence other than our colours
  const stripped = out.split(ESC).slice(1).map((s) => s.slice(0, 12));
  for (const s of stripped) assert.match(s, /^\[(0|1;97;41|1;31|33|36|2)m/, `unexpected escape: ${JSON.stringify(s)}`);
  assert.ok(!out.includes('\u202e'));
  assert.ok(out.includes('\\u202e'));
});

test('table: long paths keep their end, long titles their start; widths follow the line width', () => {
  const f = finding({ title: 'T'.repeat(200), evidence: [{ file: `C:\\${'deep\\'.repeat(40)}agent-evidence.evtx`, kind: 'evtx', record: 99 }] });
  const line = findingsTable([f], 160, false).split('\n')[2]!;
  assert.match(line, /T…\s/, 'title cut at its end');
  assert.match(line, /…[^…]*agent-evidence\.evtx#99$/, 'evidence keeps the end of the path');
  const wide = findingsTable([f], 240, false).split('\n')[2]!;
  assert.ok(wide.length > line.length);
});

test('CSV columns are unchanged (new columns may only be appended)', () => {
  const out = join(tempDir(), 'f.csv');
  const w = findingWriter('csv', new Sink(out), false);
  w.write(finding());
  w.end();
  const header = readFileSync(out, 'utf8').split('\r\n')[0]!.split(',');
  const LEGACY = ['id', 'title', 'severity', 'confidence', 'score', 'techniques', 'host', 'first_seen', 'last_seen', 'count', 'rule_id', 'check', 'evidence', 'fields'];
  assert.deepEqual(header.slice(0, LEGACY.length), LEGACY);
});

test('hunt --format table on the demo evidence: grouped, the header kept', () => {
  const r = cli('hunt', 'samples', '--format', 'table');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^SEVERITY\s+SCORE\s+RULE\s+FINDING/);
  assert.match(r.stdout, /\n── SUMMARY ─+\n\d+ findings: \d+ critical/, 'the results summary after the table');
  assert.match(lines[1]!, /^── CRITICAL · \d+ findings? /);
  assert.ok(lines.some((l) => /^── HIGH · \d+ findings? /.test(l)));
  assert.ok(!r.stdout.includes(ESC), 'NO_COLOR and no terminal: no colour');
});
