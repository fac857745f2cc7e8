import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { CsvSplitter, readCsvRecords, type CsvItem } from '../../src/sources/csv/reader.js';

async function read(text: string | Buffer): Promise<CsvItem[]> {
  const f = join(mkdtempSync(join(tmpdir(), 'th-csv-')), 'x.csv');
  writeFileSync(f, text);
  const out: CsvItem[] = [];
  for await (const it of readCsvRecords(f)) out.push(it);
  return out;
}

test('header, quoted fields, doubled quotes, commas and newlines inside quotes, CRLF, BOM', async () => {
  const items = await read('\ufeffA,B,C\r\n1,"x, y","he said ""hi"""\r\n2,"line1\nline2",\r\n');
  assert.deepEqual(items[0], { kind: 'header', columns: ['A', 'B', 'C'], line: 1 });
  assert.deepEqual(items[1], { kind: 'record', value: { A: '1', B: 'x, y', C: 'he said "hi"' }, line: 2 });
  assert.deepEqual(items[2], { kind: 'record', value: { A: '2', B: 'line1\nline2', C: '' }, line: 3 });
  assert.equal(items.length, 3);
});

test('a row with the wrong number of cells is reported with its line; the next rows are read', async () => {
  const items = await read('A,B\n1,2\n3\n4,5\n');
  assert.deepEqual(items.map((i) => i.kind), ['header', 'record', 'error', 'record']);
  assert.equal(items[2]!.line, 3);
  assert.match((items[2] as { message: string }).message, /1 cells, the header has 2/);
});

test('an unclosed quote at the end of the file and invalid UTF-8 are reported', async () => {
  const open = await read('A,B\n1,"never closed\n');
  assert.ok(open.some((i) => i.kind === 'error' && /not closed/.test(i.message)));
  const bad = await read(Buffer.concat([Buffer.from('A,B\n1,2\n3,'), Buffer.from([0xff]), Buffer.from('\n')]));
  assert.ok(bad.some((i) => i.kind === 'error' && /UTF-8/.test(i.message)));
  assert.ok(bad.some((i) => i.kind === 'record'));
});

test('split anywhere, the same rows', () => {
  const text = 'A,B\n"a,""b""",c\n"multi\nline",d\n';
  const whole = new CsvSplitter();
  whole.push(text); whole.end();
  const one = new CsvSplitter();
  for (const c of text) one.push(c);
  one.end();
  assert.deepEqual(one.take(), whole.take());
});
