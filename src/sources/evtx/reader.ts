// Streaming EVTX file reader: the 4096-byte file header, then the 64 KiB chunks, read with
// positioned fs reads into one reusable buffer (memory stays bounded whatever the file size; the
// whole file is never read). The chunks are the ones the file really has (counted from the file
// size; the header's chunk count can be wrong, e.g. on dirty or recovered files). A last chunk cut
// short by the end of the file is decoded as far as it goes and reported as 'truncated'.
import { stat } from 'node:fs/promises';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ChunkInfo, ChunkResult, DecodeOptions, EvtxFileHeader, EvtxProblem, EvtxRecord } from './types.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE } from './types.js';
import { parseFileHeader } from './file-header.js';
import { decodeChunk, hasChunkMagic } from './chunk.js';

export interface ReadOptions extends DecodeOptions {
  /** chunks per fs read (default 16, i.e. 1 MiB) */
  batchChunks?: number;
}

export interface EvtxHeaderItem {
  header: EvtxFileHeader | null;
  problems: EvtxProblem[];
  fileSize: number;
  /** chunks present in the file (from its size; a partial last chunk counts) */
  chunksInFile: number;
}

export type EvtxItem = EvtxHeaderItem | { chunk: ChunkResult };

export function isHeaderItem(item: EvtxItem): item is EvtxHeaderItem {
  return 'fileSize' in item;
}

// Read buffers are reused across files (a generator takes one from the free list and gives it
// back when it finishes, so interleaved readers never share a buffer).
const freeBuffers: Buffer[] = [];
function takeBuffer(size: number): Buffer {
  for (let i = freeBuffers.length - 1; i >= 0; i--) {
    if (freeBuffers[i]!.length >= size) return freeBuffers.splice(i, 1)[0]!;
  }
  return Buffer.allocUnsafe(size);
}
function giveBuffer(b: Buffer): void {
  if (freeBuffers.length < 4) freeBuffers.push(b);
}

function headerItem(head: Uint8Array, fileSize: number): EvtxHeaderItem {
  const problems: EvtxProblem[] = [];
  const chunksInFile = fileSize > FILE_HEADER_SIZE ? Math.ceil((fileSize - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0;
  if (fileSize < FILE_HEADER_SIZE) {
    problems.push({ kind: 'truncated', offset: fileSize, message: `file is shorter than the ${FILE_HEADER_SIZE}-byte file header (${fileSize} bytes)` });
  }
  const parsed = parseFileHeader(head);
  if ('problem' in parsed) {
    problems.push({ kind: 'file-header', offset: 0, message: parsed.problem });
    return { header: null, problems, fileSize, chunksInFile };
  }
  for (const w of parsed.warnings) problems.push({ kind: 'file-header', offset: 0, message: w, severity: 'warning' });
  return { header: parsed.header, problems, fileSize, chunksInFile };
}

function chunkOptions(opts: ReadOptions, header: EvtxFileHeader | null): DecodeOptions {
  const o: DecodeOptions = {};
  if (opts.xml) o.xml = true;
  if (opts.noCrc || header?.noCrc) o.noCrc = true;
  if (opts.trimStrings) o.trimStrings = true;
  return o;
}

export interface RawChunk { index: number; offset: number; bytes: Uint8Array }

/**
 * An EVTX file opened for reading: its header item, then its raw chunks read in batches of
 * `batchChunks` (one reused buffer, unless `copy` asks for a fresh buffer per chunk, e.g. to hand
 * chunks to worker threads). Chunks stop early when neither the file header nor the first chunk
 * has a valid magic (not an EVTX file).
 */
export function openEvtx(path: string, opts: { batchChunks?: number } = {}) {
  const fd = openSync(path, 'r');
  let closed = false;
  const close = () => { if (!closed) { closed = true; closeSync(fd); } };
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    const hn = readSync(fd, head, 0, FILE_HEADER_SIZE, 0);
    const header = headerItem(head.subarray(0, hn), size);
    const batch = Math.max(1, Math.min(256, opts.batchChunks ?? 16));
    function* chunks(copy = false): Generator<RawChunk> {
      const buf = takeBuffer(Math.min(batch * CHUNK_SIZE, Math.max(CHUNK_SIZE, size - FILE_HEADER_SIZE)));
      try {
        let index = 0;
        for (let pos = FILE_HEADER_SIZE; pos < size; ) {
          const want = Math.min(buf.length, size - pos);
          let got = 0;
          while (got < want) {
            const n = readSync(fd, buf, got, want - got, pos + got);
            if (n === 0) break;
            got += n;
          }
          if (got === 0) break;
          for (let o = 0; o < got; o += CHUNK_SIZE, index++) {
            const c = buf.subarray(o, Math.min(o + CHUNK_SIZE, got));
            if (index === 0 && header.header === null && !hasChunkMagic(c)) return;
            yield { index, offset: pos + o, bytes: copy ? Uint8Array.prototype.slice.call(c) : c };
          }
          pos += got;
        }
      } finally {
        giveBuffer(buf);
      }
    }
    return { header, chunks, close, options: (o: ReadOptions) => chunkOptions(o, header.header) };
  } catch (e) {
    close();
    throw e;
  }
}

/** Reads an EVTX file: yields the header item first, then one decoded item per chunk. */
export function* readEvtxSync(path: string, opts: ReadOptions = {}): Generator<EvtxItem> {
  const f = openEvtx(path, opts);
  try {
    yield f.header;
    const copts = f.options(opts);
    for (const c of f.chunks()) yield { chunk: decodeChunk(c.bytes, c.index, c.offset, copts) };
  } finally {
    f.close();
  }
}

/** The same items as readEvtxSync, for async iteration. */
export async function* readEvtx(path: string, opts: ReadOptions = {}): AsyncGenerator<EvtxItem> {
  yield* readEvtxSync(path, opts);
}

/** Convenience: the records of a file, in file order, plus every problem found. */
export async function* readEvtxRecords(
  path: string,
  opts: ReadOptions = {},
  onProblem?: (p: EvtxProblem) => void,
): AsyncGenerator<EvtxRecord> {
  for await (const item of readEvtx(path, opts)) {
    if ('chunk' in item) {
      if (onProblem) for (const p of item.chunk.problems) onProblem(p);
      for (const r of item.chunk.records) yield r;
    } else if (onProblem) for (const p of item.problems) onProblem(p);
  }
}

export interface EvtxInfo {
  path: string;
  fileSize: number;
  header: EvtxFileHeader | null;
  /** chunks present in the file (from its size) */
  chunksInFile: number;
  /** chunks with a valid header */
  chunksValid: number;
  /** all-zero chunks (pre-allocated, never written) */
  chunksUnused: number;
  /** chunks with a bad magic that are not all zeroes */
  chunksBad: number;
  /** the valid chunks */
  chunks: ChunkInfo[];
  /** records decoded */
  records: number;
  /** records the chunk headers claim (sum of last - first + 1 record numbers over valid chunks) */
  recordsClaimed: number;
  firstRecordId: number | null;
  lastRecordId: number | null;
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  /** problems, with runs of unused chunks collapsed into one entry */
  problems: EvtxProblem[];
}

/** Header facts, chunk table, record counts and problems of a file (decodes every record). */
export async function evtxInfo(path: string, opts: ReadOptions = {}): Promise<EvtxInfo> {
  const st = await stat(path);
  const info: EvtxInfo = {
    path,
    fileSize: st.size,
    header: null,
    chunksInFile: 0,
    chunksValid: 0,
    chunksUnused: 0,
    chunksBad: 0,
    chunks: [],
    records: 0,
    recordsClaimed: 0,
    firstRecordId: null,
    lastRecordId: null,
    firstTimestamp: null,
    lastTimestamp: null,
    problems: [],
  };
  let unusedRun: { first: number; last: number; offset: number } | null = null;
  const flushRun = (): void => {
    if (!unusedRun) return;
    const { first, last, offset } = unusedRun;
    info.problems.push({
      kind: 'chunk-magic',
      offset,
      chunk: first,
      severity: 'info',
      message: first === last ? `chunk ${first} is unused (all zeroes)` : `chunks ${first}-${last} are unused (all zeroes)`,
    });
    unusedRun = null;
  };
  const o: ReadOptions = { ...opts };
  delete o.xml;
  for await (const item of readEvtx(path, o)) {
    if (!('chunk' in item)) {
      info.header = item.header;
      info.chunksInFile = item.chunksInFile;
      info.problems.push(...item.problems);
      continue;
    }
    const c = item.chunk;
    if (c.unused) {
      const idx = c.problems[0]?.chunk ?? 0;
      const off = c.problems[0]?.offset ?? 0;
      info.chunksUnused++;
      if (unusedRun && unusedRun.last === idx - 1) unusedRun.last = idx;
      else {
        flushRun();
        unusedRun = { first: idx, last: idx, offset: off };
      }
      continue;
    }
    flushRun();
    info.problems.push(...c.problems);
    if (!c.info) {
      info.chunksBad++;
      continue;
    }
    info.chunksValid++;
    info.chunks.push(c.info);
    const claimed = c.info.lastRecordNumber - c.info.firstRecordNumber + 1;
    if (claimed > 0 && claimed < 1e6) info.recordsClaimed += claimed;
    for (const r of c.records) {
      info.records++;
      if (info.firstRecordId === null || r.recordId < info.firstRecordId) info.firstRecordId = r.recordId;
      if (info.lastRecordId === null || r.recordId > info.lastRecordId) info.lastRecordId = r.recordId;
      if (info.firstTimestamp === null || r.timestamp < info.firstTimestamp) info.firstTimestamp = r.timestamp;
      if (info.lastTimestamp === null || r.timestamp > info.lastTimestamp) info.lastTimestamp = r.timestamp;
    }
  }
  flushRun();
  return info;
}
