// Seeded fuzzing of the EVTX decoder on mutated real files: bit flips, truncation, zeroed and
// swapped chunks, lying sizes and offsets, templates that point at themselves. The decoder must
// never throw, must finish each case (work per record is bounded), must not blow up its output,
// and must report what it skipped with an offset inside the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPORA, SKIP_NO_CORPORA } from '../../support/corpora.js';
import { decodeChunk } from '../../../src/sources/evtx/chunk.js';
import { parseFileHeader } from '../../../src/sources/evtx/file-header.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from '../../../src/sources/evtx/types.js';

const CASES = Number(process.env['EVTX_FUZZ_CASES'] ?? 10_000);
const SEED = Number(process.env['EVTX_FUZZ_SEED'] ?? 20261124);
/** A case this slow means the decoder loops; far above the few milliseconds a chunk takes. */
const HANG_MS = 5_000;
const MAX_OUTPUT_CHARS = 32 * 1024 * 1024;

// Small, varied inputs: templates, template-less records, CAPI2 nested BinXML, dirty files, size_t.
const FILES = [
  'evtx/evtx-rs-samples/samples/security.evtx',
  'evtx/evtx-rs-samples/samples/MSExchange_Management_wec.evtx',
  'evtx/evtx-rs-samples/samples/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx',
  'evtx/evtx-rs-samples/samples/Security_with_size_t.evtx',
  'evtx/evtx-rs-samples/samples/sample-with-irregular-bool-values.evtx',
  'evtx/evtx-to-mitre-attack/TA0003-Persistence/T1505-Server Software Component/ID6-Failed to install an Exchange transport agent.evtx',
  'evtx/chainsaw/tests/evtx/security_sample.evtx',
];

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (chunk: Buffer, r: () => number, all: Buffer[]) => string;
const int = (r: () => number, n: number) => Math.floor(r() * n);

const MUTATIONS: Mutation[] = [
  (c, r) => { const n = 1 + int(r, 16); for (let i = 0; i < n; i++) { const p = int(r, c.length); c[p]! ^= 1 << int(r, 8); } return `${n} bit flips`; },
  (c, r) => { const p = int(r, c.length); c.fill(0, p); return `zeroed from ${p}`; },
  (c, r) => { const p = 512 + int(r, c.length - 600); const len = 1 + int(r, 64); for (let i = p; i < p + len && i < c.length; i++) c[i] = int(r, 256); return `random bytes at ${p}`; },
  (c, r) => {
    // lying record size: overwrite the size (or size copy) of a record
    const p = c.indexOf(Buffer.from('**\0\0'), 512 + int(r, 4096));
    if (p < 0) return 'no record';
    const v = [0, 1, 23, 24, 0xffff, 0x10000, 0xffffffff, int(r, 0x20000)][int(r, 8)]!;
    c.writeUInt32LE(v >>> 0, p + 4);
    return `record size at ${p} = ${v}`;
  },
  (c, r) => {
    // lying chunk header offsets: last record offset / free space offset / string and template tables
    const field = [44, 48, 128 + 4 * int(r, 64), 384 + 4 * int(r, 32)][int(r, 4)]!;
    const v = [0, 1, 511, 512, 0xffff, 0x10000, 0xffffffff, int(r, 0x10000)][int(r, 8)]!;
    c.writeUInt32LE(v >>> 0, field);
    return `chunk header field ${field} = ${v}`;
  },
  (c, r) => {
    // self-referencing or looping template: point a template instance's definition offset at itself or earlier
    let p = -1;
    for (let tries = 0; tries < 20 && p < 0; tries++) {
      const q = c.indexOf(0x0c, 512 + int(r, c.length - 600));
      if (q > 0 && q + 10 < c.length) p = q;
    }
    if (p < 0) return 'no template token';
    const target = [p, p - 10, 512, 0, int(r, c.length)][int(r, 5)]!;
    c.writeUInt32LE(Math.max(0, target), p + 6);
    return `template def offset at ${p} -> ${target}`;
  },
  (c, r) => {
    // lying name offsets / string lengths: overwrite a u16 or u32 somewhere in record data
    const p = 512 + int(r, c.length - 520);
    if (r() < 0.5) c.writeUInt16LE(int(r, 0x10000), p); else c.writeUInt32LE(int(r, 0x100000000) >>> 0, p);
    return `overwrote integer at ${p}`;
  },
  (c, r, all) => { const o = all[int(r, all.length)]!; o.copy(c, 0, 0, Math.min(512, o.length)); return 'header of another chunk'; },
  (c, r) => { const len = int(r, c.length); c.fill(0, len); return `truncated to ${len}`; },
];

test(`EVTX decoder survives ${CASES} seeded mutations of real files`, { skip: SKIP_NO_CORPORA, timeout: 20 * 60_000 }, () => {
  const chunks: Buffer[] = [];
  const headers: Buffer[] = [];
  for (const f of FILES) {
    const b = readFileSync(join(CORPORA, f));
    headers.push(b.subarray(0, FILE_HEADER_SIZE));
    for (let o = FILE_HEADER_SIZE; o + CHUNK_SIZE <= b.length; o += CHUNK_SIZE) chunks.push(Buffer.from(b.subarray(o, o + CHUNK_SIZE)));
  }
  assert.ok(chunks.length >= 10, 'corpus chunks found');
  const r = rng(SEED);
  let problems = 0, records = 0;
  for (let i = 0; i < CASES; i++) {
    if (i % 50 === 0) {
      // file headers too
      const h = Buffer.from(headers[int(r, headers.length)]!);
      MUTATIONS[0]!(h, r, []);
      assert.doesNotThrow(() => parseFileHeader(h), `case ${i}: header`);
      assert.doesNotThrow(() => parseFileHeader(h.subarray(0, int(r, h.length))), `case ${i}: short header`);
    }
    const src = chunks[int(r, chunks.length)]!;
    const c = Buffer.from(src);
    const what = MUTATIONS[int(r, MUTATIONS.length)]!(c, r, chunks);
    const input = what.startsWith('truncated to ') ? c.subarray(0, Number(what.slice(13))) : c;
    const offset = FILE_HEADER_SIZE + CHUNK_SIZE * int(r, 100);
    const t0 = Date.now();
    let res;
    try {
      res = decodeChunk(input, 0, offset, { xml: i % 7 === 0 });
    } catch (e) {
      assert.fail(`case ${i} (seed ${SEED}, ${what}): decodeChunk threw ${(e as Error).stack}`);
    }
    const ms = Date.now() - t0;
    assert.ok(ms < HANG_MS, `case ${i} (${what}): took ${ms} ms`);
    let size = 0;
    for (const rec of res.records) size += JSON.stringify(rec.event).length + (rec.xml?.length ?? 0);
    assert.ok(size < MAX_OUTPUT_CHARS, `case ${i} (${what}): ${size} characters of output from one chunk`);
    for (const p of res.problems) {
      assert.ok(Number.isInteger(p.offset) && p.offset >= offset && p.offset <= offset + CHUNK_SIZE, `case ${i} (${what}): problem offset ${p.offset} outside the chunk: ${p.message}`);
      assert.ok(p.message.length > 0);
    }
    problems += res.problems.length;
    records += res.records.length;
  }
  console.log(`fuzz: ${CASES} cases, ${records} records decoded, ${problems} problems reported`);
  assert.ok(problems > CASES / 4, 'mutations should surface as reported problems');
});
