// Property test: random nesting, sizes and characters thrown at every reader. Each must finish in
// bounded time without throwing, read every good record and report every bad one with its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonSplitter } from '../../src/sources/json/reader.js';
import { csvRecordsOfText } from '../../src/sources/csv/reader.js';
import { WinXmlSplitter } from '../../src/sources/winxml/splitter.js';
import { decodeChunk } from '../../src/sources/evtx/chunk.js';
import { toEvent } from '../../src/events/normalize.js';
import { ChunkWriter } from '../sources/evtx/assemble.js';

const RUNS = 150;
const hostileChar = fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', '\n', '\r', '\u0000', '\x1b', '\u202e', '\ud800', '<', '>', '&', 'a', ' ', '\ufeff');
const junk = fc.array(hostileChar, { maxLength: 300 }).map((a) => a.join(''));
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'Channel', 'EventID', 'Computer', '#text', '#attributes', 'Data'), fc.string({ maxLength: 8 }));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', maxDepth: 12 }, fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v;

/** Split `s` at the given cut points and push the pieces. */
function pieces(s: string, cuts: number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (s.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const c of at) { out.push(s.slice(last, c)); last = c; }
  out.push(s.slice(last));
  return out;
}

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `${what} took ${ms.toFixed(0)} ms`);
  return r;
}

test('JSON lines: good records interleaved with junk lines: every good one read, every junk line reported with its line', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }).map((o) => ({ o })), junk.map((j) => ({ j }))), { minLength: 1, maxLength: 25 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat({ max: 4000 }),
    (lines, cuts, max) => {
      const first = { start: 1 };
      const all = [first, ...lines.map((l) => ('o' in l ? l.o : l.j.replace(/[\r\n]/g, ' ')))];
      const text = all.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
      const s = new JsonSplitter({ maxChars: Math.max(64, max) });
      const items = timed('json', () => [...pieces(text, cuts).flatMap((p) => s.push(p)), ...s.end()]);
      const limit = Math.max(64, max);
      text.split('\n').slice(0, -1).forEach((line, i) => {
        const here = items.filter((it) => it.line === i + 1);
        if (!line.trim()) return assert.equal(here.length, 0);
        let ok = true;
        try { JSON.parse(line); } catch { ok = false; }
        if (ok && line.length <= limit) assert.deepEqual(here.map((h) => h.kind), ['record'], `line ${i + 1}`);
        else assert.deepEqual(here.map((h) => h.kind), ['error'], `line ${i + 1}: ${line.slice(0, 80)}`);
      });
    }), { numRuns: RUNS });
});

test('JSON documents, CSV and Windows XML: junk never throws, hangs or loses the place', () => {
  fc.assert(fc.property(junk, fc.array(fc.nat(), { maxLength: 6 }), (j, cuts) => {
    const s = new JsonSplitter({ maxChars: 200 });
    const js = timed('json', () => [...pieces(j, cuts).flatMap((p) => s.push(p)), ...s.end()]);
    for (const it of js) assert.ok(it.line >= 1 && (it.kind === 'record' || it.message.length > 0));
    const csv = timed('csv', () => [...csvRecordsOfText(j)]);
    for (const it of csv) if (it.kind === 'error') assert.ok(it.line >= 1 && it.message);
    const x = new WinXmlSplitter({ maxEventChars: 200 });
    const xs = timed('winxml', () => [...pieces(`<Events>${j}<Event><System><Channel>S</Channel></System></Event>`, cuts).flatMap((p) => x.push(p)), ...x.end()]);
    for (const it of xs) {
      if (it.kind === 'error') assert.ok(it.line >= 1 && it.message);
      else assert.ok(toEvent(it.value, { file: 'x.xml', kind: 'xml', line: it.line }));
    }
  }), { numRuns: RUNS });
});

test('normalisation: any nesting of any keys gives an event whose fields have no prototype', () => {
  fc.assert(fc.property(value, value, value, (system, data, flat) => {
    for (const rec of [{ Event: { System: system, EventData: data, UserData: data } }, flat, { winlog: { event_data: data, channel: system } }]) {
      const ev = timed('toEvent', () => toEvent(rec, { file: 'x.json', kind: 'json', line: 1 }));
      if (ev) assert.equal(Object.getPrototypeOf(ev.fields), null);
    }
  }), { numRuns: RUNS });
});

test('EVTX chunks: random damage to the records never throws or hangs, and every damage is reported', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 20 }), (hits) => {
    const w = new ChunkWriter();
    for (let i = 0; i < 6; i++) w.record((b) => b.fragmentHeader().open(`R${i}`).closeEmpty().eof());
    const chunk = w.finish();
    const end = w.pos;
    for (const [at, byte] of hits) chunk[512 + (at % (end - 512))] = byte;
    const r = timed('evtx', () => decodeChunk(chunk, 0, 4096, { noCrc: true }));
    assert.ok(r.records.length <= 6);
    if (r.records.length < 6) assert.ok(r.problems.some((p) => (p.severity ?? 'error') === 'error'), 'a lost record is reported');
  }), { numRuns: RUNS });
});
