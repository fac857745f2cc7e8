// One 64 KiB chunk: header, checksums and the record walk. Pure (no I/O), never throws.
//
// Chunk header (512 bytes):
//   0 magic "ElfChnk\0" | 8 first record number u64 | 16 last record number u64
//  24 first record id u64 | 32 last record id u64 | 40 header size u32 (128)
//  44 last record offset u32 | 48 free-space offset u32 | 52 CRC32 of the record data [512, free)
//  56..119 reserved | 120 flags u32 | 124 CRC32 of bytes [0,120) + [128,512)
// 128 64 string-table offsets u32 | 384 32 template-table offsets u32 (hints only, not used)
//
// Record: magic "**\0\0" | size u32 | record id u64 | FILETIME u64 | BinXML | size copy u32.
//
// The walk trusts what the chunk holds rather than what the header claims: it starts at 512 and
// goes record by record up to the free-space offset (so records a dirty header does not count are
// still read, and the header's last record id is not used to stop). When the free-space offset is
// impossible, it walks the whole chunk while records are valid. A record whose trailing size copy
// is wrong is reported and still decoded (partly written records often decode). After a bad magic
// or an impossible size the walk resynchronises, as evtx-rs does: it looks for the next record
// signature ("**\0\0", a possible size whose trailing copy matches, an id in the header's range) in the same chunk, goes on
// from there and reports the bytes it skipped; only when there is none is the rest of the chunk
// skipped.
//
// An all-zero chunk is pre-allocated space that was never written, not corruption: it is returned
// with `unused: true`, info null and a single 'chunk-magic' problem of severity 'info'.
import type { ChunkInfo, ChunkResult, DecodeOptions, EvtxProblem, EvtxProblemKind, EvtxRecord } from './types.js';
import { CHUNK_SIZE } from './types.js';
import { crc32 } from './crc32.js';
import { BinXmlError, ChunkBinXml } from './binxml.js';
import { filetimeIso, rdU32 } from './values.js';

export const CHUNK_HEADER_SIZE = 512;
const CHUNK_MAGIC = [0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]; // "ElfChnk\0"
const RECORD_MAGIC = 0x00002a2a;
const RECORD_SIGNATURE = Buffer.from([0x2a, 0x2a, 0x00, 0x00]);
const MIN_RECORD_SIZE = 28;
export const CHUNK_FLAG_NO_CRC = 0x4;

function u64(b: Uint8Array, o: number): number {
  return rdU32(b, o) + rdU32(b, o + 4) * 4294967296;
}

const ZEROES = Buffer.alloc(CHUNK_SIZE);

function allZero(b: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return true;
  if (b[start] !== 0) return false;
  return Buffer.compare(b.subarray(start, end), ZEROES.subarray(0, end - start)) === 0;
}

export function hasChunkMagic(b: Uint8Array, o = 0): boolean {
  if (b.length < o + 8) return false;
  for (let i = 0; i < 8; i++) if (b[o + i] !== CHUNK_MAGIC[i]) return false;
  return true;
}

export function decodeChunk(chunk: Uint8Array, index: number, fileOffset: number, opts: DecodeOptions = {}): ChunkResult {
  const problems: EvtxProblem[] = [];
  const records: EvtxRecord[] = [];
  const problem = (kind: EvtxProblemKind, rel: number, message: string, record?: number, severity?: 'info' | 'warning' | 'error'): void => {
    const p: EvtxProblem = { kind, offset: fileOffset + rel, chunk: index, message };
    if (record !== undefined) p.record = record;
    if (severity !== undefined) p.severity = severity;
    problems.push(p);
  };
  try {
    const len = Math.min(chunk.length, CHUNK_SIZE);
    if (len < CHUNK_HEADER_SIZE || !hasChunkMagic(chunk)) {
      if (allZero(chunk, 0, len)) {
        problem('chunk-magic', 0, `chunk ${index} is unused (all zeroes); skipped`, undefined, 'info');
        return { info: null, records, problems, unused: true };
      }
      if (len < CHUNK_HEADER_SIZE && hasChunkMagic(chunk)) problem('truncated', 0, `chunk ${index} is shorter than its header (${len} bytes)`);
      else problem('chunk-magic', 0, `chunk ${index} has a bad magic (not "ElfChnk\\0"); skipped`);
      return { info: null, records, problems };
    }
    const b = chunk;
    const flags = rdU32(b, 120);
    const noCrc = opts.noCrc === true || (flags & CHUNK_FLAG_NO_CRC) !== 0;
    const freeSpace = rdU32(b, 48);
    const lastRecordOffset = rdU32(b, 44);
    const info: ChunkInfo = {
      index,
      offset: fileOffset,
      firstRecordNumber: u64(b, 8),
      lastRecordNumber: u64(b, 16),
      firstRecordId: u64(b, 24),
      lastRecordId: u64(b, 32),
      lastRecordOffset,
      freeSpaceOffset: freeSpace,
      headerCrcOk: true,
      dataCrcOk: true,
      records: 0,
      flags,
    };

    const headerCrc = crc32(b, 128, CHUNK_HEADER_SIZE, crc32(b, 0, 120));
    const headerCrcStored = rdU32(b, 124);
    info.headerCrcOk = headerCrc === headerCrcStored;
    if (!info.headerCrcOk && !noCrc) {
      problem('chunk-header-crc', 124, `chunk ${index} header CRC32 mismatch (stored 0x${hex(headerCrcStored)}, computed 0x${hex(headerCrc)})`, undefined, 'warning');
    }

    const freeOk = freeSpace >= CHUNK_HEADER_SIZE && freeSpace <= len;
    let limit = len;
    if (freeOk) {
      limit = freeSpace;
      const dataCrc = crc32(b, CHUNK_HEADER_SIZE, freeSpace);
      const dataCrcStored = rdU32(b, 52);
      info.dataCrcOk = dataCrc === dataCrcStored;
      if (!info.dataCrcOk && !noCrc) {
        problem('chunk-data-crc', 52, `chunk ${index} record data CRC32 mismatch (stored 0x${hex(dataCrcStored)}, computed 0x${hex(dataCrc)})`, undefined, 'warning');
      }
      if (freeSpace > CHUNK_HEADER_SIZE && (lastRecordOffset < CHUNK_HEADER_SIZE || lastRecordOffset + MIN_RECORD_SIZE > freeSpace)) {
        problem('chunk-header', 44, `chunk ${index} last record offset ${lastRecordOffset} is inconsistent with free-space offset ${freeSpace}`, undefined, 'warning');
      }
    } else {
      info.dataCrcOk = false;
      problem('chunk-header', 48, `chunk ${index} free-space offset ${freeSpace} is impossible; walking records while they are valid`);
    }
    if (len < CHUNK_SIZE) problem('truncated', len, `chunk ${index} is truncated (${len} of ${CHUNK_SIZE} bytes); decoding what is present`);

    const bx = new ChunkBinXml(b, opts.xml === true, opts.trimStrings === true);
    const xml = opts.xml === true;
    let p = CHUNK_HEADER_SIZE;
    /** Go on at the next plausible record after the bad one at `p`, or false (rest of the chunk skipped). */
    const resync = (what: string, record?: number): boolean => {
      const next = nextRecord(b, p + 1, limit, len, info.firstRecordId, info.lastRecordId);
      if (next < 0) { problem('record', p, `${what} at chunk offset ${p}; rest of the chunk skipped (no later record signature)`, record); return false; }
      problem('record', p, `${what} at chunk offset ${p}; skipped ${next - p} bytes to the next record signature at chunk offset ${next}`, record);
      p = next;
      return true;
    };
    let maxId = -1;
    while (p < limit) {
      if (p + MIN_RECORD_SIZE > len) {
        if (freeOk) problem('record', p, `truncated record header at chunk offset ${p}`);
        break;
      }
      if (rdU32(b, p) !== RECORD_MAGIC) {
        if (allZero(b, p, limit)) {
          if (freeOk) problem('record', p, `no record at chunk offset ${p}: zeroes up to the free-space offset ${limit} (unwritten space in a dirty chunk)`, undefined, 'warning');
          break;
        }
        // without a trustworthy free-space offset, the first bad magic is the end of the records
        if (freeOk && resync('bad record magic')) continue;
        break;
      }
      const size = rdU32(b, p + 4);
      const id = u64(b, p + 8);
      if (id > maxId && id <= info.lastRecordId) maxId = id;
      if (size < MIN_RECORD_SIZE || size > len - p) {
        if (resync(`impossible record size ${size}`, id)) continue;
        break;
      }
      const copy = rdU32(b, p + size - 4);
      const copyOk = copy === size;
      try {
        const r = bx.decodeRecord(p + 24, p + size - 4);
        const rec: EvtxRecord = {
          recordId: id,
          timestamp: filetimeIso(rdU32(b, p + 16), rdU32(b, p + 20), 6),
          offset: fileOffset + p,
          chunk: index,
          event: r.event,
        };
        if (xml && r.xml !== undefined) rec.xml = r.xml;
        records.push(rec);
        if (!copyOk) problem('record', p + size - 4, `record ${id}: size copy ${copy} differs from size ${size} (partly written record; decoded)`, id, 'warning');
        if (r.extraRoots > 0) problem('binxml', p, `record ${id}: ${r.extraRoots} extra root element(s) ignored`, id, 'warning');
      } catch (e) {
        const at = e instanceof BinXmlError && e.offset > p && e.offset < p + size ? e.offset : p;
        const msg = e instanceof Error ? e.message : String(e);
        problem(copyOk ? 'binxml' : 'record', at, `record ${id} skipped: ${msg}${copyOk ? '' : ` (size copy ${copy} differs from size ${size})`}`, id);
      }
      if (p + size > limit && freeOk) {
        problem('record', p, `record ${id} extends past the free-space offset ${limit}`, id, 'warning');
      }
      // A size its copy does not confirm may be the damaged field: a later record may start inside
      // the claimed span. Go on there; if the bytes before it do not end in this record's own size
      // copy, something between was lost and is reported.
      const inside = copyOk ? -1 : nextSignature(b, p + MIN_RECORD_SIZE, Math.min(p + size, limit), len, info.firstRecordId, info.lastRecordId);
      if (inside > 0) {
        if (rdU32(b, inside - 4) !== inside - p) problem('record', p, `record ${id}: size ${size} unconfirmed; skipped to the record signature at chunk offset ${inside}, bytes between lost`, id);
        p = inside;
      } else p += size;
    }
    // A damaged size can carry the walk past the chunk's last records into zeroes that look like
    // unwritten space; the header's id range says whether records were passed over.
    if (freeOk && info.firstRecordId <= info.lastRecordId && maxId >= 0 && maxId < info.lastRecordId
      && !problems.some((q) => (q.severity ?? 'error') === 'error')) {
      problem('record', p, `records ${maxId + 1} to ${info.lastRecordId} named by chunk ${index}'s header were not found (walk ended at chunk offset ${p})`);
    }
    info.walkEnd = p;
    info.records = records.length;
    return { info, records, problems };
  } catch (e) {
    problem('chunk-header', 0, `chunk ${index}: unexpected decoder failure: ${e instanceof Error ? e.message : String(e)}`);
    return { info: null, records, problems };
  }
}

/**
 * Offset of the first record in [from, limit) whose magic, size and trailing size copy agree and whose
 * id is in the chunk header's range (so stale records left in slack space are not taken), or -1.
 */
function nextRecord(b: Uint8Array, from: number, limit: number, len: number, firstId: number, lastId: number): number {
  const buf = Buffer.from(b.buffer, b.byteOffset, len);
  for (let q = buf.indexOf(RECORD_SIGNATURE, from); q >= 0 && q < limit; q = buf.indexOf(RECORD_SIGNATURE, q + 1)) {
    if (q + MIN_RECORD_SIZE > len) return -1;
    const size = rdU32(b, q + 4);
    if (size < MIN_RECORD_SIZE || size > len - q || rdU32(b, q + size - 4) !== size) continue;
    const id = u64(b, q + 8);
    if (firstId > lastId || (id >= firstId && id <= lastId)) return q;
  }
  return -1;
}

/** Offset of the first record magic in [from, to) followed by a possible size and an id in the chunk's range, or -1. */
function nextSignature(b: Uint8Array, from: number, to: number, len: number, firstId: number, lastId: number): number {
  const buf = Buffer.from(b.buffer, b.byteOffset, len);
  for (let q = buf.indexOf(RECORD_SIGNATURE, from); q >= 0 && q < to; q = buf.indexOf(RECORD_SIGNATURE, q + 1)) {
    if (q + MIN_RECORD_SIZE > len) return -1;
    const size = rdU32(b, q + 4);
    if (size < MIN_RECORD_SIZE || size > len - q) continue;
    const id = u64(b, q + 8);
    if (firstId > lastId || (id >= firstId && id <= lastId)) return q;
  }
  return -1;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
