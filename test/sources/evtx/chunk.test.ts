// Unit tests of the file header, the chunk walk and its problems, and the streaming reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeChunk } from '../../../src/sources/evtx/chunk.js';
import { parseFileHeader } from '../../../src/sources/evtx/file-header.js';
import { evtxInfo, isHeaderItem, readEvtx, readEvtxSync, type EvtxItem } from '../../../src/sources/evtx/reader.js';
import type { ChunkResult } from '../../../src/sources/evtx/types.js';
import { ChunkWriter, T, fileHeader, u32 } from './assemble.js';

function simpleChunk(n: number, firstId = 1): ChunkWriter {
  const w = new ChunkWriter();
  for (let i = 0; i < n; i++) {
    w.record((b) => {
      b.fragmentHeader();
      b.instance((d) => d.open('Event').closeStart().subst(0, T.UINT32).end(), [[T.UINT32, u32(1000 + i)]]);
      b.eof();
    }, { id: firstId + i });
  }
  return w;
}

test('file header: versions, flags, CRC (mismatch reported, not fatal)', () => {
  const ok = parseFileHeader(fileHeader({ chunks: 3, flags: 0x1, minor: 2 }));
  assert.ok('header' in ok);
  assert.equal(ok.header.chunkCount, 3);
  assert.equal(ok.header.majorVersion, 3);
  assert.equal(ok.header.minorVersion, 2);
  assert.equal(ok.header.dirty, true);
  assert.equal(ok.header.full, false);
  assert.equal(ok.header.crcOk, true);
  assert.deepEqual(ok.warnings, []);

  const bad = parseFileHeader(fileHeader({ badCrc: true }));
  assert.ok('header' in bad);
  assert.equal(bad.header.crcOk, false);
  assert.match(bad.warnings[0]!, /CRC32 mismatch/);

  const noCrc = parseFileHeader(fileHeader({ badCrc: true, flags: 0x4 }));
  assert.ok('header' in noCrc);
  assert.equal(noCrc.header.noCrc, true);
  assert.deepEqual(noCrc.warnings, []);

  const weird = parseFileHeader(fileHeader({ flags: 0x1b970000, major: 2 }));
  assert.ok('header' in weird);
  assert.equal(weird.warnings.length, 2);

  const magic = parseFileHeader(Buffer.alloc(4096));
  assert.ok('problem' in magic);
  assert.ok('problem' in parseFileHeader(Buffer.from('ElfFile\0')));
});

test('chunk: header facts, records, CRCs', () => {
  const w = simpleChunk(3, 10);
  const r = decodeChunk(w.finish(), 2, 4096 + 2 * 65536);
  assert.deepEqual(r.problems, []);
  assert.equal(r.records.length, 3);
  assert.deepEqual(r.records.map((x) => x.event), [{ Event: 1000 }, { Event: 1001 }, { Event: 1002 }]);
  assert.deepEqual(r.records.map((x) => x.recordId), [10, 11, 12]);
  assert.equal(r.records[0]!.chunk, 2);
  assert.equal(r.records[0]!.offset, 4096 + 2 * 65536 + 512);
  const info = r.info!;
  assert.equal(info.index, 2);
  assert.equal(info.firstRecordId, 10);
  assert.equal(info.lastRecordId, 12);
  assert.equal(info.records, 3);
  assert.equal(info.headerCrcOk, true);
  assert.equal(info.dataCrcOk, true);
  assert.equal(info.freeSpaceOffset, w.pos);
});

test('chunk: CRC mismatches are reported and the records still decoded (unless noCrc)', () => {
  const r = decodeChunk(simpleChunk(2).finish({ badHeaderCrc: true, badDataCrc: true }), 0, 4096);
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.severity]), [['chunk-header-crc', 'warning'], ['chunk-data-crc', 'warning']]);
  assert.equal(r.info!.headerCrcOk, false);
  assert.equal(r.info!.dataCrcOk, false);
  const quiet = decodeChunk(simpleChunk(2).finish({ badHeaderCrc: true, badDataCrc: true }), 0, 4096, { noCrc: true });
  assert.deepEqual(quiet.problems, []);
});

test('chunk: bad magic -> one chunk-magic problem; all-zero chunk -> unused (info)', () => {
  const bad = simpleChunk(1).finish();
  bad.write('XXXXXXXX', 0, 'latin1');
  const r = decodeChunk(bad, 5, 1000);
  assert.equal(r.info, null);
  assert.equal(r.records.length, 0);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.kind, 'chunk-magic');
  assert.equal(r.problems[0]!.offset, 1000);
  assert.equal(r.problems[0]!.chunk, 5);
  assert.equal(r.problems[0]!.severity, undefined);

  const z = decodeChunk(Buffer.alloc(65536), 3, 7);
  assert.equal(z.info, null);
  assert.equal(z.unused, true);
  assert.equal(z.problems.length, 1);
  assert.equal(z.problems[0]!.kind, 'chunk-magic');
  assert.equal(z.problems[0]!.severity, 'info');
});

test('records: after a bad magic or an impossible size the walk goes on at the next record signature; size copy mismatch is decoded', () => {
  // size copy wrong on the 2nd record: reported as a warning, still decoded, walk continues
  {
    const w = new ChunkWriter();
    w.record((b) => b.fragmentHeader().open('A').closeEmpty().eof());
    w.record((b) => b.fragmentHeader().open('B').closeEmpty().eof(), { sizeCopy: 0 });
    w.record((b) => b.fragmentHeader().open('C').closeEmpty().eof());
    const r = decodeChunk(w.finish(), 0, 0);
    assert.deepEqual(r.records.map((x) => Object.keys(x.event)[0]), ['A', 'B', 'C']);
    assert.deepEqual(r.problems.map((p) => [p.kind, p.severity, p.record]), [['record', 'warning', 2]]);
  }
  // size 0: reported with what was skipped; the next record is read
  {
    const w = new ChunkWriter();
    w.record((b) => b.fragmentHeader().open('A').closeEmpty().eof());
    const bAt = w.pos;
    w.record((b) => b.fragmentHeader().open('B').closeEmpty().eof(), { size: 0 });
    const cAt = w.pos;
    w.record((b) => b.fragmentHeader().open('C').closeEmpty().eof());
    const r = decodeChunk(w.finish(), 0, 4096);
    assert.deepEqual(r.records.map((x) => Object.keys(x.event)[0]), ['A', 'C']);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.kind, 'record');
    assert.equal(r.problems[0]!.message, `impossible record size 0 at chunk offset ${bAt}; skipped ${cAt - bAt} bytes to the next record signature at chunk offset ${cAt}`);
    assert.equal(r.problems[0]!.record, 2);
    assert.equal(r.problems[0]!.offset, 4096 + bAt);
  }
  // the last record bad: nothing to resynchronise on
  {
    const w = new ChunkWriter();
    w.record((b) => b.fragmentHeader().open('A').closeEmpty().eof());
    w.record((b) => b.fragmentHeader().open('B').closeEmpty().eof(), { size: 1 });
    const r = decodeChunk(w.finish(), 0, 4096);
    assert.equal(r.records.length, 1);
    assert.match(r.problems[0]!.message, /impossible record size 1 at chunk offset \d+; rest of the chunk skipped \(no later record signature\)/);
  }
  // size past the chunk end
  {
    const w = new ChunkWriter();
    w.record((b) => b.fragmentHeader().open('A').closeEmpty().eof(), { size: 70000 });
    const r = decodeChunk(w.finish(), 0, 4096);
    assert.equal(r.records.length, 0);
    assert.match(r.problems[0]!.message, /impossible record size 70000/);
  }
  // bad magic
  {
    const w = new ChunkWriter();
    w.record((b) => b.fragmentHeader().open('A').closeEmpty().eof());
    w.record((b) => b.fragmentHeader().open('B').closeEmpty().eof(), { magic: 0x12345678 });
    w.record((b) => b.fragmentHeader().open('C').closeEmpty().eof());
    const r = decodeChunk(w.finish(), 0, 4096);
    assert.deepEqual(r.records.map((x) => Object.keys(x.event)[0]), ['A', 'C']);
    assert.match(r.problems[0]!.message, /bad record magic at chunk offset \d+; skipped \d+ bytes to the next record signature/);
  }
});

test('dirty chunks: walk to the free-space offset, not to the header\'s last record', () => {
  const w = simpleChunk(4);
  const chunk = w.finish();
  chunk.writeBigUInt64LE(2n, 32); // header claims the last record id is 2
  chunk.writeBigUInt64LE(2n, 16);
  const r = decodeChunk(chunk, 0, 4096, { noCrc: true });
  assert.equal(r.records.length, 4);

  // free space beyond the written records (zeroes): reported once as a warning
  const w2 = simpleChunk(2);
  const c2 = w2.finish({ freeSpace: w2.pos + 1000 });
  const r2 = decodeChunk(c2, 0, 4096);
  assert.equal(r2.records.length, 2);
  assert.deepEqual(r2.problems.map((p) => [p.kind, p.severity]), [['record', 'warning']]);

  // impossible free-space offset: walk while records are valid
  const w3 = simpleChunk(3);
  const c3 = w3.finish({ freeSpace: 0x7fffffff });
  const r3 = decodeChunk(c3, 0, 4096);
  assert.equal(r3.records.length, 3);
  assert.deepEqual(r3.problems.map((p) => p.kind), ['chunk-header']);
});

test('truncated chunk: decodes what is present and reports it', () => {
  const full = simpleChunk(3).finish();
  const cut = full.subarray(0, 2000);
  const r = decodeChunk(cut, 0, 4096, { noCrc: true });
  assert.ok(r.records.length >= 1);
  assert.ok(r.problems.some((p) => p.kind === 'truncated'));
  const tiny = decodeChunk(full.subarray(0, 100), 0, 4096);
  assert.equal(tiny.info, null);
  assert.equal(tiny.problems[0]!.kind, 'truncated');
});

test('decodeChunk never throws on garbage', () => {
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const base = simpleChunk(20).finish();
  for (let i = 0; i < 300; i++) {
    const c = Buffer.from(base);
    const flips = 1 + Math.floor(rnd() * 200);
    for (let k = 0; k < flips; k++) c[Math.floor(rnd() * c.length)] = Math.floor(rnd() * 256);
    const r = decodeChunk(c, 0, 4096, { xml: i % 2 === 0 });
    for (const rec of r.records) JSON.stringify(rec.event);
  }
  const random = Buffer.alloc(65536);
  for (let i = 0; i < random.length; i++) random[i] = Math.floor(rnd() * 256);
  random.write('ElfChnk\0', 0, 'latin1');
  decodeChunk(random, 0, 0);
});

function tempFile(parts: Buffer[]): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'evtx-test-'));
  const path = join(dir, 'x.evtx');
  writeFileSync(path, Buffer.concat(parts));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('reader: header item, chunks counted from the file size, truncated last chunk', async () => {
  const c0 = Buffer.from(simpleChunk(2, 1).finish());
  const c2 = Buffer.from(simpleChunk(3, 3).finish());
  const { path, cleanup } = tempFile([fileHeader({ chunks: 1 }), c0, Buffer.alloc(65536), c2, c2.subarray(0, 30000)]);
  try {
    for (const batchChunks of [1, 16]) {
      const items: EvtxItem[] = [];
      for await (const it of readEvtx(path, { batchChunks })) items.push(it);
      const syncItems = [...readEvtxSync(path, { batchChunks })];
      assert.deepEqual(syncItems, items);
      const head = items[0]!;
      assert.ok(isHeaderItem(head));
      assert.equal(head.header!.chunkCount, 1);
      assert.equal(head.chunksInFile, 4);
      const chunks = items.slice(1).map((i) => (i as { chunk: ChunkResult }).chunk);
      assert.equal(chunks.length, 4);
      assert.deepEqual(chunks.map((c) => c.records.length), [2, 0, 3, 3]);
      assert.equal(chunks[1]!.unused, true);
      assert.ok(chunks[3]!.problems.some((p) => p.kind === 'truncated' && p.chunk === 3));
      assert.equal(chunks[2]!.records[0]!.offset, 4096 + 2 * 65536 + 512);
    }
    const info = await evtxInfo(path);
    assert.equal(info.records, 8);
    assert.equal(info.chunksInFile, 4);
    assert.equal(info.chunksValid, 3);
    assert.equal(info.chunksUnused, 1);
    assert.equal(info.chunks.length, 3);
    assert.equal(info.firstRecordId, 1);
    assert.equal(info.lastRecordId, 5);
    assert.ok(info.problems.some((p) => p.severity === 'info' && /unused/.test(p.message)));
  } finally {
    cleanup();
  }
});

test('reader: not an EVTX file -> header problem, no chunks', async () => {
  const { path, cleanup } = tempFile([Buffer.alloc(5000, 0x41)]);
  try {
    const items: EvtxItem[] = [];
    for await (const it of readEvtx(path)) items.push(it);
    assert.equal(items.length, 1);
    const head = items[0]!;
    assert.ok(isHeaderItem(head));
    assert.equal(head.header, null);
    assert.equal(head.problems[0]!.kind, 'file-header');
  } finally {
    cleanup();
  }
});
