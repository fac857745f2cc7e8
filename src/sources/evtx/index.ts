// EVTX (Windows XML Event Log) reader: public entry points.
//
//   readEvtx(path, opts)      async generator: { header item } then { chunk: ChunkResult } per chunk
//   readEvtxSync(path, opts)  the same, synchronous
//   readEvtxRecords(path)     async generator of EvtxRecord
//   evtxInfo(path)            header facts, chunk table, record counts, problems
//   decodeChunk(buf, ...)     one 64 KiB chunk, pure (usable from worker threads)
//   parseFileHeader(buf)      the 4096-byte file header
export * from './types.js';
export { parseFileHeader, hasFileMagic } from './file-header.js';
export { decodeChunk, hasChunkMagic } from './chunk.js';
export { readEvtx, readEvtxSync, readEvtxRecords, evtxInfo, isHeaderItem } from './reader.js';
export type { ReadOptions, EvtxItem, EvtxHeaderItem, EvtxInfo } from './reader.js';
export { crc32 } from './crc32.js';
