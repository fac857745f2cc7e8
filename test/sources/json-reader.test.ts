// JSON evidence reader: JSON lines, one array, concatenated documents, and every way a file can be broken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { readJsonRecords, JsonSplitter, type JsonItem } from '../../src/sources/json/reader.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

let seq = 0;
function file(content: string | Buffer): string {
  const p = join(tmp, `in-${++seq}.json`);
  fs.writeFileSync(p, content);
  return p;
}

async function readAll(path: string): Promise<JsonItem[]> {
  const out: JsonItem[] = [];
  for await (const it of readJsonRecords(path)) out.push(it);
  return out;
}

const records = (items: JsonItem[]) => items.filter((i) => i.kind === 'record').map((i) => ({ value: i.value, line: i.line }));
const errors = (items: JsonItem[]) => items.filter((i): i is Extract<JsonItem, { kind: 'error' }> => i.kind === 'error');

function splitAll(text: string): JsonItem[] {
  const s = new JsonSplitter();
  return [...s.push(text), ...s.end()];
}

function splitByChar(text: string): JsonItem[] {
  const s = new JsonSplitter();
  const out: JsonItem[] = [];
  for (const ch of text) out.push(...s.push(ch));
  out.push(...s.end());
  return out;
}

test('JSON lines: one record per line, 1-based line numbers', async () => {
  const items = await readAll(file('{"host":"mx1","n":1}\n{"host":"mx2","n":2}\n{"host":"mx3","n":3}\n'));
  assert.deepEqual(records(items), [
    { value: { host: 'mx1', n: 1 }, line: 1 },
    { value: { host: 'mx2', n: 2 }, line: 2 },
    { value: { host: 'mx3', n: 3 }, line: 3 },
  ]);
  assert.equal(errors(items).length, 0);
});

test('JSON lines: the last line needs no newline', async () => {
  const items = await readAll(file('{"a":1}\n{"a":2}'));
  assert.deepEqual(records(items), [{ value: { a: 1 }, line: 1 }, { value: { a: 2 }, line: 2 }]);
});

test('JSON lines: blank lines are skipped but still counted', async () => {
  const items = await readAll(file('\n{"a":1}\n\n   \n{"a":2}\n\n'));
  assert.deepEqual(records(items), [{ value: { a: 1 }, line: 2 }, { value: { a: 2 }, line: 5 }]);
  assert.equal(errors(items).length, 0);
});

test('JSON lines with CRLF line endings', async () => {
  const items = await readAll(file('{"a":"x"}\r\n{"a":"y"}\r\n\r\n{"a":"z"}\r\n'));
  assert.deepEqual(records(items), [
    { value: { a: 'x' }, line: 1 },
    { value: { a: 'y' }, line: 2 },
    { value: { a: 'z' }, line: 4 },
  ]);
  assert.equal(errors(items).length, 0);
});

test('a UTF-8 byte order mark is not part of the first record', async () => {
  const items = await readAll(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"user":"Zoë"}\n{"user":"Åsa"}\n')])));
  assert.deepEqual(records(items), [{ value: { user: 'Zoë' }, line: 1 }, { value: { user: 'Åsa' }, line: 2 }]);
  assert.equal(errors(items).length, 0);
});

test('one JSON array of objects', async () => {
  const items = await readAll(file('[\n  {"id": 1},\n  {"id": 2},\n  {"id": 3}\n]\n'));
  assert.deepEqual(records(items).map((r) => r.value), [{ id: 1 }, { id: 2 }, { id: 3 }]);
  assert.deepEqual(records(items).map((r) => r.line), [2, 3, 4]);
  assert.equal(errors(items).length, 0);
});

test('one JSON array on a single line', async () => {
  const items = await readAll(file('[{"id":1},{"id":2}]'));
  assert.deepEqual(records(items).map((r) => r.value), [{ id: 1 }, { id: 2 }]);
  assert.equal(errors(items).length, 0);
});

test('an empty array yields nothing and no error', async () => {
  assert.deepEqual(await readAll(file('[]\n')), []);
});

test('an array that is never closed is reported', async () => {
  const items = await readAll(file('[\n {"id":1},\n {"id":2}\n'));
  assert.deepEqual(records(items).map((r) => r.value), [{ id: 1 }, { id: 2 }]);
  assert.equal(errors(items).length, 1);
  assert.match(errors(items)[0]!.message, /not closed/);
});

test('concatenated pretty-printed documents (SigmaHQ regression style)', async () => {
  const doc = (n: number) => JSON.stringify({ Event: { System: { EventID: n, Channel: 'Security' }, EventData: { Note: `doc ${n}` } } }, null, 2);
  const text = [doc(1), doc(2), doc(3)].join('\n') + '\n';
  const items = await readAll(file(text));
  assert.deepEqual(records(items).map((r) => (r.value as { Event: { System: { EventID: number } } }).Event.System.EventID), [1, 2, 3]);
  // each document starts on the line of its opening brace
  const lines = text.split('\n');
  for (const r of records(items)) assert.equal(lines[r.line - 1], '{');
  assert.equal(errors(items).length, 0);
});

test('documents written back to back without a separator', async () => {
  const items = await readAll(file('{"a":1}{"a":2} {"a":3}'));
  assert.deepEqual(records(items).map((r) => r.value), [{ a: 1 }, { a: 2 }, { a: 3 }]);
  assert.equal(errors(items).length, 0);
});

test('a broken line in JSON lines is one error naming its line; later lines are still read', async () => {
  const items = await readAll(file('{"a":1}\n{"a":2}\n{"a": 3, "b": \n{"a":4}\n{"a":5}\n'));
  assert.deepEqual(records(items), [
    { value: { a: 1 }, line: 1 },
    { value: { a: 2 }, line: 2 },
    { value: { a: 4 }, line: 4 },
    { value: { a: 5 }, line: 5 },
  ]);
  const errs = errors(items);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.line, 3);
});

test('a broken line with an unterminated string does not swallow the next line', async () => {
  const items = await readAll(file('{"a":1}\n{"cmd":"C:\\\\x}\n{"a":3}\n'));
  assert.deepEqual(records(items).map((r) => r.line), [1, 3]);
  assert.deepEqual(errors(items).map((e) => e.line), [2]);
});

test('a broken FIRST line of JSON lines does not swallow the rest of the file', async () => {
  // A truncated first record (log rotation, a cut copy): the following records must survive.
  const items = await readAll(file('{"EventID":4688,"NewProcessName":"C:\\\\Windows\n{"a":2}\n{"a":3}\n'));
  assert.deepEqual(records(items), [{ value: { a: 2 }, line: 2 }, { value: { a: 3 }, line: 3 }]);
  assert.deepEqual(errors(items).map((e) => e.line), [1]);
});

test('an unterminated document at end of file is one error at the line it starts', async () => {
  const items = await readAll(file('{\n  "a": 1\n}\n{\n  "a": 2,\n  "b": [1, 2\n'));
  assert.deepEqual(records(items), [{ value: { a: 1 }, line: 1 }]);
  const errs = errors(items);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.line, 4);
  assert.match(errs[0]!.message, /unterminated/);
});

test('an unterminated single document is an error, not a crash', async () => {
  const items = await readAll(file('{\n  "Event": {\n    "System": {\n'));
  assert.equal(records(items).length, 0);
  assert.equal(errors(items).length, 1);
  assert.equal(errors(items)[0]!.line, 1);
});

test('strings holding braces, brackets and escaped quotes do not confuse the splitter', async () => {
  const tricky = [
    { cmd: 'powershell -c "if ($x) { [int]$y = 1 }"' },
    { s: '}}}]]] {{{[[[' },
    { s: 'quote \\" then } and \\\\" end' },
    { s: 'ends with backslash \\' },
    { nested: { list: ['{', '}', '[', ']', '"'] } },
  ];
  // as JSON lines
  const jl = await readAll(file(tricky.map((o) => JSON.stringify(o)).join('\n') + '\n'));
  assert.deepEqual(records(jl).map((r) => r.value), tricky);
  assert.equal(errors(jl).length, 0);
  // as pretty-printed concatenated documents
  const cc = await readAll(file(tricky.map((o) => JSON.stringify(o, null, 2)).join('\n')));
  assert.deepEqual(records(cc).map((r) => r.value), tricky);
  assert.equal(errors(cc).length, 0);
  // as an array
  const arr = await readAll(file(JSON.stringify(tricky, null, 1)));
  assert.deepEqual(records(arr).map((r) => r.value), tricky);
  assert.equal(errors(arr).length, 0);
});

test('chunk boundaries: one character at a time gives the same items as one push', () => {
  const inputs = [
    '{"a":1}\n{"a":2}\r\n\n{"s":"}{\\"]["}\n',
    '{"a":1}\n{"a": \n{"a":3}\n',
    '{"a":1\n{"a":2}\n',
    '[\n {"x": "[}"},\n {"x": 2}\n]\n',
    '{\n  "a": {"b": [1, 2, {"c": "}"}]}\n}\n{\n  "a": 2\n}\n',
    '{"a":1}{"a":2}',
    '{\n  "a": 1\n}\n{\n  "a": ',
    '\ufeff{"bom":true}\n',
  ];
  for (const text of inputs) {
    const whole = splitAll(text);
    assert.ok(whole.length > 0, `no items for ${JSON.stringify(text)}`);
    assert.deepEqual(splitByChar(text), whole, `different items for ${JSON.stringify(text)}`);
  }
});

test('chunk boundaries: a long JSON-lines stream split at every 7th character', () => {
  const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ i, s: `v{${i}}"[${'x'.repeat(i % 13)}]` }));
  const text = lines.join('\n') + '\n';
  const s = new JsonSplitter();
  const out: JsonItem[] = [];
  for (let i = 0; i < text.length; i += 7) out.push(...s.push(text.slice(i, i + 7)));
  out.push(...s.end());
  assert.equal(out.length, 200);
  assert.deepEqual(out, splitAll(text));
  assert.deepEqual(out[199], { kind: 'record', value: JSON.parse(lines[199]!), line: 200, jsonl: true });
});

test('invalid UTF-8: an error naming the line, records before it are kept, no crash', async () => {
  const bytes = Buffer.concat([
    Buffer.from('{"a":1}\n{"a":2}\n{"a":"'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('"}\n{"a":4}\n'),
  ]);
  const items = await readAll(file(bytes));
  assert.deepEqual(records(items), [{ value: { a: 1 }, line: 1 }, { value: { a: 2 }, line: 2 }]);
  const errs = errors(items);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.line, 3);
  assert.match(errs[0]!.message, /UTF-8/);
  assert.match(errs[0]!.message, /offset 22\b/);
});

test('invalid UTF-8 after a character split across the 1 MiB read boundary', async () => {
  // A two-byte character straddles the first read chunk; a bad byte comes later in the second chunk.
  const line = '{"pad":"' + 'p'.repeat(100) + '"}\n';
  let text = '';
  let n = 0;
  while (text.length < (1 << 20) - 300) { text += line; n++; }
  const head = Buffer.from(text);
  const prefix = Buffer.from('{"x":"');
  const fill = (1 << 20) - head.length - prefix.length - 1; // 'é' (c3 a9) starts on the last byte of the chunk
  const bytes = Buffer.concat([head, prefix, Buffer.from('b'.repeat(fill)), Buffer.from('é"}\n{"ok":1}\n{"bad":"'), Buffer.from([0xc0]), Buffer.from('"}\n{"after":1}\n')]);
  assert.equal(bytes[(1 << 20) - 1], 0xc3);
  const items = await readAll(file(bytes));
  const recs = records(items);
  assert.equal(recs.length, n + 2);
  assert.deepEqual(recs.at(-2), { value: { x: 'b'.repeat(fill) + 'é' }, line: n + 1 });
  assert.deepEqual(recs.at(-1), { value: { ok: 1 }, line: n + 2 });
  const errs = errors(items);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.line, n + 3);
  assert.ok(errs[0]!.message.includes(`offset ${bytes.indexOf(0xc0)}`), errs[0]!.message);
});

test('a truncated multi-byte character at the very end of the file is reported', async () => {
  const items = await readAll(file(Buffer.concat([Buffer.from('{"a":1}\n{"a":2}\n'), Buffer.from([0xe2, 0x82])])));
  assert.deepEqual(records(items).map((r) => r.line), [1, 2]);
  assert.equal(errors(items).length, 1);
  assert.match(errors(items)[0]!.message, /UTF-8/);
});

test('an empty file and a whitespace-only file yield nothing', async () => {
  assert.deepEqual(await readAll(file('')), []);
  assert.deepEqual(await readAll(file('\n\r\n  \n')), []);
});

test('SigmaHQ regression rendering with several documents: one record per top-level document', { skip: SKIP_NO_CORPORA }, async () => {
  const p = join(CORPORA, 'sigma-regression', 'regression_data', 'rules', 'windows', 'file', 'file_event',
    'file_event_win_cred_dump_tools_dropped_files', '8fbf3271-1ef6-4e94-8210-03c2317947f6.json');
  const text = fs.readFileSync(p, 'utf8');
  // Independent count: every top-level document opens with a '{' in column 1 (nested ones are indented).
  const expected = text.split('\n').filter((l) => l.replace(/\r$/, '') === '{').length;
  assert.ok(expected > 1, `${p}: expected a multi-document file`);
  const items = await readAll(p);
  assert.equal(errors(items).length, 0, JSON.stringify(errors(items)));
  const recs = records(items);
  assert.equal(recs.length, expected);
  for (const r of recs) {
    assert.equal(text.split('\n')[r.line - 1]!.trim(), '{', `record line ${r.line} is not a document start`);
    assert.ok((r.value as { Event?: unknown }).Event, 'every document is an Event');
  }
});

test('records say whether the file is JSON lines', () => {
  const lines = new JsonSplitter();
  const a = [...lines.push('{"a":1}\n{"a":2}\n'), ...lines.end()];
  assert.deepEqual(a.map((x) => x.kind === 'record' && x.jsonl), [true, true]);
  const docs = new JsonSplitter();
  const b = [...docs.push('{\n  "a": 1\n}\n{\n  "a": 2\n}\n'), ...docs.end()];
  assert.deepEqual(b.map((x) => x.kind === 'record' && x.jsonl), [false, false]);
  const arr = new JsonSplitter();
  const c = [...arr.push('[{"a":1},\n{"a":2}]\n'), ...arr.end()];
  assert.deepEqual(c.map((x) => x.kind === 'record' && x.jsonl), [false, false]);
});
