// Hostile evidence, one fixture per case with its expected outcome (fixtures are generated here):
// prototype keys, UserData names that clash with System fields, escape sequences in CSV output,
// damaged EVTX records, oversized lines. Each gives a per-item error or the right result, fast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toEvent } from '../../src/events/normalize.js';
import { eventRow } from '../../src/export/event-table.js';
import { csvRecordsOfText } from '../../src/sources/csv/reader.js';
import { readJsonRecords, JsonSplitter } from '../../src/sources/json/reader.js';
import { WinXmlSplitter } from '../../src/sources/winxml/splitter.js';
import { decodeChunk } from '../../src/sources/evtx/chunk.js';
import { csvRow } from '../../src/report/csv.js';
import { timelineCsv } from '../../src/report/timeline.js';
import { tempDir } from '../cases/helpers.js';
import { ChunkWriter } from '../sources/evtx/assemble.js';

const ref = { file: 'x.json', kind: 'json' as const, line: 1 };

test('hostile: __proto__ and constructor in System/EventData are ordinary fields, inherited by nothing', () => {
  const rec = JSON.parse(`{"Event":{"System":{"Channel":"Security","EventID":4624,"Computer":"REAL-HOST",
    "__proto__":{"Computer":"ATTACKER","Channel":"Microsoft-Windows-Sysmon/Operational"}},
    "EventData":{"__proto__":"p","constructor":"c","toString":"t"}}}`);
  const ev = toEvent(rec, ref)!;
  assert.equal(ev.host, 'REAL-HOST');
  assert.equal(ev.logsource.service, 'security');
  assert.equal(Object.getPrototypeOf(ev.fields), null);
  assert.ok(Object.keys(ev.fields).includes('__proto__'), 'the key shows in the fields');
  assert.equal(ev.fields['Image'], undefined, 'nothing inherited');
  assert.equal(ev.fields['EventData.__proto__'], 'p', 'clashes with the System key: kept under its path');
  assert.equal(ev.fields['constructor'], 'c');
  assert.equal(ev.fields['toString'], 't');
  const row = eventRow(ev, 1);
  assert.match(JSON.stringify(row), /"__proto__"/, 'export shows the key');
  // a flat record whose only host is inherited has none
  const flat = toEvent(JSON.parse('{"__proto__":{"Computer":"ATTACKER"},"EventID":1}'), ref)!;
  assert.equal(flat.host, undefined);
  assert.ok(Object.keys(flat.fields).includes('__proto__'));
  // CSV and Windows XML
  const csv = [...csvRecordsOfText('__proto__,Computer\nATTACKER,HOST\n')].find((i) => i.kind === 'record')!;
  assert.ok(csv.kind === 'record' && Object.keys(csv.value).includes('__proto__'));
  assert.equal(toEvent(csv.kind === 'record' ? csv.value : null, ref)!.host, 'HOST');
  const xml = new WinXmlSplitter().push(`<Event><System><Channel>Security</Channel><Computer>REAL</Computer></System><EventData><Data Name="__proto__">x</Data></EventData></Event>`);
  const x = xml.find((i) => i.kind === 'record')!;
  const xe = toEvent(x.kind === 'record' ? x.value : null, ref)!;
  assert.equal(xe.fields['__proto__'], 'x');
  assert.equal(xe.host, 'REAL');
});

test('hostile: UserData never replaces System fields (Eventlog 104); the UserData value keeps its path', () => {
  const rec = { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Eventlog' } }, EventID: 104, Channel: 'System', Computer: 'DC01' },
    UserData: { LogFileCleared: { SubjectUserName: 'bob', Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 4647 } } } };
  const ev = toEvent(rec, ref)!;
  assert.equal(ev.fields['Channel'], 'System');
  assert.equal(ev.fields['EventID'], 104);
  assert.equal(ev.logsource.service, 'system', 'not classified as a Sysmon event');
  assert.equal(ev.fields['UserData.LogFileCleared.Channel'], 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(ev.fields['UserData.LogFileCleared.EventID'], 4647);
  assert.equal(ev.fields['SubjectUserName'], 'bob', 'names that do not clash stay plain');
});

test('hostile: CSV and timeline cells carry no raw ESC, C1 or bidi characters', () => {
  const evil = '\x1b]0;pwned\x07\x1b[2J\u202eexe.txt\u009b31m\r\nnext';
  const out = csvRow([evil, '=1+1', 'plain']) + timelineCsv(['message'], [{ time: 0, cells: [evil] }]);
  assert.doesNotMatch(out.replace(/\r\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  assert.match(out, /\\x1b\]0;pwned\\x07\\x1b\[2J\\u202eexe\.txt\\x9b31m\\r\\nnext/);
  assert.match(out, /,'=1\+1,/, 'formulas still prefixed');
});

test('hostile: an impossible record size in an EVTX chunk hides nothing after it', () => {
  const w = new ChunkWriter();
  for (let i = 0; i < 5; i++) w.record((b) => b.fragmentHeader().open(`R${i}`).closeEmpty().eof(), i === 1 ? { size: 0xffffff } : {});
  const r = decodeChunk(w.finish(), 0, 4096);
  assert.deepEqual(r.records.map((x) => Object.keys(x.event)[0]), ['R0', 'R2', 'R3', 'R4']);
  assert.match(r.problems[0]!.message, /impossible record size 16777215 at chunk offset \d+; skipped \d+ bytes to the next record signature/);
});

test('hostile: a JSON line over the cap is reported with its line and size; the lines after it are read', () => {
  const items = [
    ...new JsonSplitter({ maxChars: 1000 }).push('{"a":"' + 'x'.repeat(5000) + '"}\n{"n":1}\n{"n":2}\n'),
  ];
  assert.deepEqual(items.map((i) => (i.kind === 'record' ? i.line : `${i.line}: ${i.message}`)), ['1: record of 5008 characters is larger than 1000; skipped', 2, 3]);
  // in pieces, and a pretty-printed document over the cap in a stream of documents
  const s = new JsonSplitter({ maxChars: 1000 });
  const doc = '{\n "a": "' + 'y'.repeat(3000) + '"\n}\n{\n "n": 3\n}\n';
  const got = [...doc.match(/[\s\S]{1,700}/g)!.flatMap((p) => s.push(p)), ...s.end()];
  assert.deepEqual(got.map((i) => (i.kind === 'record' ? `${i.line}: ${JSON.stringify(i.value)}` : `${i.line}: ${i.message}`)),
    ['1: record of 3012 characters is larger than 1000; skipped', '4: {"n":3}']);
});

test('hostile: a 65 MiB first line then 1,000 events: 1,000 read, one error, memory near the cap', async () => {
  const f = join(tempDir(), 'big.jsonl');
  writeFileSync(f, '{"pad":"' + 'x'.repeat(65 * 1024 * 1024) + '"}\n');
  appendFileSync(f, Array.from({ length: 1000 }, (_, i) => JSON.stringify({ EventID: i }) + '\n').join(''));
  const base = process.memoryUsage().rss;
  let peak = base;
  const t0 = performance.now();
  let n = 0;
  const errors: string[] = [];
  for await (const it of readJsonRecords(f)) {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (it.kind === 'record') n++; else errors.push(`${it.line}: ${it.message}`);
  }
  assert.equal(n, 1000);
  assert.deepEqual(errors, ['1: line of 68157450 characters is longer than 67108864; skipped']);
  assert.ok(peak - base < 400 * 2 ** 20, `memory grew by ${Math.round((peak - base) / 2 ** 20)} MB`);
  assert.ok(performance.now() - t0 < 20_000);
});
