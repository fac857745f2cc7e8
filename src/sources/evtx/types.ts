// The EVTX reader's public shapes. The decoder works on one 64 KiB chunk at a time (pure, so chunks
// can be decoded in worker threads); files are read chunk by chunk with bounded memory.
import type { FieldValue } from '../../events/model.js';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;

export interface EvtxFileHeader {
  firstChunk: number;
  lastChunk: number;
  nextRecordId: number;
  headerSize: number;
  minorVersion: number;
  majorVersion: number;
  blockSize: number;
  /** chunk count the header claims (dirty files may have more chunks in use) */
  chunkCount: number;
  flags: number;
  dirty: boolean;
  full: boolean;
  noCrc: boolean;
  crcStored: number;
  crcComputed: number;
  crcOk: boolean;
}

export type EvtxProblemKind =
  | 'file-header'       // bad magic, bad CRC, impossible values
  | 'chunk-magic'       // a chunk that is not ElfChnk (or all zeroes) -> skipped
  | 'chunk-header-crc'  // chunk header checksum mismatch (data still decoded where consistent)
  | 'chunk-data-crc'    // event records checksum mismatch
  | 'chunk-header'      // impossible offsets in the chunk header
  | 'record'            // bad record magic/size/size copy -> record skipped
  | 'binxml'            // malformed BinXML inside a record -> record skipped (or partially rendered)
  | 'truncated';        // file ends inside a chunk

export interface EvtxProblem {
  kind: EvtxProblemKind;
  /** absolute byte offset in the file */
  offset: number;
  chunk?: number;
  record?: number;
  message: string;
  /**
   * How bad it is (absent means 'error'): 'info' for facts that are not corruption (an unused,
   * all-zero chunk), 'warning' when the data was still decoded (CRC mismatch, record size copy
   * mismatch on a record that decoded), 'error' when something was skipped.
   */
  severity?: 'info' | 'warning' | 'error';
}

export interface EvtxRecord {
  recordId: number;
  /** record header FILETIME as ISO 8601 UTC with microseconds (2022-10-11T19:26:52.045655Z) */
  timestamp: string;
  /** absolute byte offset of the record in the file */
  offset: number;
  chunk: number;
  /** the evtx-to-JSON shape: {"Event":{"#attributes":{...},"System":{...},"EventData":{...}}} */
  event: { [k: string]: FieldValue };
  /** the XML rendering, only when asked for */
  xml?: string;
}

export interface ChunkInfo {
  index: number;
  offset: number;
  firstRecordNumber: number;
  lastRecordNumber: number;
  firstRecordId: number;
  lastRecordId: number;
  lastRecordOffset: number;
  freeSpaceOffset: number;
  headerCrcOk: boolean;
  dataCrcOk: boolean;
  /** records decoded from this chunk */
  records: number;
  /** chunk header flags (0x4: no CRC32) */
  flags?: number;
  /** where the record walk stopped (chunk-relative) */
  walkEnd?: number;
}

export interface ChunkResult {
  info: ChunkInfo | null;
  records: EvtxRecord[];
  problems: EvtxProblem[];
  /** the chunk is all zeroes (pre-allocated, never written): info is null, no records */
  unused?: boolean;
}

export interface DecodeOptions {
  /** also render each record as XML */
  xml?: boolean;
  /** header flag 0x4: checksums are not written, so do not report mismatches */
  noCrc?: boolean;
  /**
   * Trim trailing whitespace from string substitution values, as the evtx-rs versions that wrote
   * SigmaHQ's regression JSON did. Off by default: Windows, libevtx and current evtx-rs keep it
   * (Sysmon command lines often end with a space).
   */
  trimStrings?: boolean;
}

/** "chunk 3, offset 200704, record 17: error: record: message" (without the file name). */
export function describeProblem(p: EvtxProblem): string {
  const where = [p.chunk !== undefined ? `chunk ${p.chunk}` : '', `offset ${p.offset}`, p.record !== undefined ? `record ${p.record}` : ''].filter(Boolean).join(', ');
  return `${where}: ${p.severity ?? 'error'}: ${p.kind}: ${p.message}`;
}
