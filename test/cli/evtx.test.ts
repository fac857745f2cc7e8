// tracehound evtx dump / evtx info, and EVTX as a hunt source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

// Every hunt records into the case store: keep it (and the CLI children, which inherit this) out of the real home.
const HOME = mkdtempSync(join(tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
process.on('exit', () => rmSync(HOME, { recursive: true, force: true }));

const STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const T1505 = join(CORPORA, 'evtx/evtx-to-mitre-attack/TA0003-Persistence/T1505-Server Software Component/ID6-Failed to install an Exchange transport agent.evtx');
const SAMPLES = join(CORPORA, 'evtx/evtx-rs-samples/samples');

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

function lines(s: string): Record<string, unknown>[] {
  return s.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('evtx dump: the T1505.002 sample as JSON lines {record_id, timestamp, event}', { skip: SKIP_NO_CORPORA }, () => {
  const r = cli('evtx', 'dump', T1505);
  assert.equal(r.status, 0, r.stderr);
  const recs = lines(r.stdout);
  assert.equal(recs.length, 4);
  for (const x of recs) {
    assert.deepEqual(Object.keys(x), ['record_id', 'timestamp', 'event']);
    assert.ok(Number.isInteger(x['record_id']));
    assert.match(String(x['timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    const ev = (x['event'] as { Event: { System: { Channel: string; EventID: unknown } } }).Event;
    assert.equal(ev.System.Channel, 'MSExchange Management');
  }
  assert.equal(recs.filter((x) => JSON.stringify(x).includes('Install-TransportAgent')).length, 2);
  assert.equal(recs.filter((x) => JSON.stringify(x).includes('Enable-TransportAgent')).length, 2);
});

test('evtx dump --format xml is one well-formed document of <Event> elements', { skip: SKIP_NO_CORPORA }, () => {
  const r = cli('evtx', 'dump', '--format', 'xml', T1505);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^<\?xml version="1.0" encoding="utf-8"\?>\n<Events>\n/);
  assert.match(r.stdout, /<\/Events>\n$/);
  assert.equal((r.stdout.match(/<Event[ >]/g) ?? []).length, 4);
  assert.equal((r.stdout.match(/<\/Event>/g) ?? []).length, 4);
  assert.match(r.stdout, /Install-TransportAgent/);
});

test('evtx dump of several files names each record\'s file; threads do not change the output or its order', { skip: SKIP_NO_CORPORA }, () => {
  const files = [join(SAMPLES, 'security.evtx'), T1505, join(SAMPLES, 'system.evtx')];
  const one = cli('evtx', 'dump', '--threads', '0', ...files);
  const two = cli('evtx', 'dump', '--threads', '2', ...files);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(two.status, 0, two.stderr);
  assert.equal(one.stdout, two.stdout);
  const recs = lines(one.stdout);
  assert.ok(recs.length > 2000);
  assert.deepEqual([...new Set(recs.map((x) => x['file']))], files);
});

test('evtx dump reports a corrupt chunk with file, chunk and offset, and decodes the rest', { skip: SKIP_NO_CORPORA }, () => {
  const f = join(SAMPLES, 'sample_with_a_bad_chunk_magic.evtx');
  const r = cli('evtx', 'dump', f);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  assert.ok(lines(r.stdout).length >= 270);
  assert.match(r.stderr, /sample_with_a_bad_chunk_magic\.evtx: chunk \d+, offset \d+: error: chunk-magic/);
  assert.match(r.stderr, /\d+ records from 1 of 1 files; [1-9]\d* problems/);
});

test('evtx info: header facts, chunk table, record count', { skip: SKIP_NO_CORPORA }, () => {
  const r = cli('evtx', 'info', '--format', 'json', T1505);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { header: { majorVersion: number; minorVersion: number }; chunks: { records: number }[]; records: number; problems: unknown[] };
  assert.equal(info.header.majorVersion, 3);
  assert.equal(info.records, 4);
  assert.equal(info.chunks.reduce((a, c) => a + c.records, 0), 4);
  const t = cli('evtx', 'info', '--format', 'table', T1505);
  assert.match(t.stdout, /records\s+4 decoded/);
});

test('evtx commands: a file that is not EVTX, a missing file, a bad option', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-evtx-'));
  const notEvtx = join(dir, 'fake.evtx');
  writeFileSync(notEvtx, 'this is not an event log');
  for (const args of [['evtx', 'dump', notEvtx], ['evtx', 'dump', join(dir, 'missing.evtx')], ['evtx', 'dump', '--threads', 'x', notEvtx], ['evtx', 'frob']]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, STACK);
    assert.match(r.stderr, /tracehound: /);
  }
});

test('hunt reads EVTX by content: SigmaHQ transport-agent rules fire on the T1505.002 sample', { skip: SKIP_NO_CORPORA }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-evtx-'));
  const renamed = join(dir, 'evidence.bin');
  copyFileSync(T1505, renamed);
  const rules = join(CORPORA, 'sigma-rules/windows/builtin/msexchange');
  const r = cli('hunt', renamed, '--rules', rules, '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  const recs = lines(r.stdout) as { rule_id: string; source: { kind: string; record: number; file: string } }[];
  assert.equal(recs.filter((x) => x.rule_id === '4fe151c2-ecf9-4fae-95ae-b88ec9c2fca6').length, 2);
  assert.equal(recs.filter((x) => x.rule_id === 'c7d16cae-aaf3-42e5-9c1c-fb8553faa6fa').length, 2);
  for (const x of recs) {
    assert.equal(x.source.kind, 'evtx');
    assert.equal(x.source.file, renamed);
    assert.ok(Number.isInteger(x.source.record));
  }
  const bundled = cli('hunt', T1505, '--format', 'json');
  const findings = JSON.parse(bundled.stdout) as { title: string; count: number }[];
  assert.ok(findings.some((f) => /Failed Exchange Transport Agent Registration/.test(f.title) && f.count === 4), bundled.stdout);
});
