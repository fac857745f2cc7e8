// The 4096-byte EVTX file header. Only the first 128 bytes carry data:
//   0 magic "ElfFile\0" | 8 first chunk number u64 | 16 last chunk number u64 | 24 next record id u64
//  32 header size u32 (128) | 36 minor version u16 | 38 major version u16 | 40 header block size u16 (4096)
//  42 chunk count u16 | 44..119 reserved | 120 flags u32 | 124 CRC32 of bytes 0..119
import type { EvtxFileHeader } from './types.js';
import { crc32 } from './crc32.js';

const MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00]; // "ElfFile\0"

export const FILE_FLAG_DIRTY = 0x1;
export const FILE_FLAG_FULL = 0x2;
export const FILE_FLAG_NO_CRC = 0x4;

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
/** u64 as a JS number (exact up to 2^53; larger values lose precision, which is fine for header facts). */
function u64(b: Uint8Array, o: number): number {
  return u32(b, o) + u32(b, o + 4) * 4294967296;
}

export function hasFileMagic(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  for (let i = 0; i < 8; i++) if (buf[i] !== MAGIC[i]) return false;
  return true;
}

/**
 * Parses the file header. Fatal only when the magic is wrong or the buffer is too short;
 * a CRC mismatch, an unknown version or impossible values are reported through `warnings`
 * (the header is still returned, because the chunks are what matter).
 */
export function parseFileHeader(buf: Uint8Array): { header: EvtxFileHeader; warnings: string[] } | { problem: string } {
  if (buf.length < 128) return { problem: `file too short for an EVTX header (${buf.length} bytes)` };
  if (!hasFileMagic(buf)) return { problem: 'bad file magic (expected "ElfFile\\0")' };
  const flags = u32(buf, 120);
  const crcStored = u32(buf, 124);
  const crcComputed = crc32(buf, 0, 120);
  const header: EvtxFileHeader = {
    firstChunk: u64(buf, 8),
    lastChunk: u64(buf, 16),
    nextRecordId: u64(buf, 24),
    headerSize: u32(buf, 32),
    minorVersion: u16(buf, 36),
    majorVersion: u16(buf, 38),
    blockSize: u16(buf, 40),
    chunkCount: u16(buf, 42),
    flags,
    dirty: (flags & FILE_FLAG_DIRTY) !== 0,
    full: (flags & FILE_FLAG_FULL) !== 0,
    noCrc: (flags & FILE_FLAG_NO_CRC) !== 0,
    crcStored,
    crcComputed,
    crcOk: crcStored === crcComputed,
  };
  const warnings: string[] = [];
  if (!header.crcOk && !header.noCrc) {
    warnings.push(`file header CRC32 mismatch (stored 0x${hex8(crcStored)}, computed 0x${hex8(crcComputed)})`);
  }
  if (header.majorVersion !== 3 || (header.minorVersion !== 1 && header.minorVersion !== 2)) {
    warnings.push(`unexpected format version ${header.majorVersion}.${header.minorVersion} (expected 3.1 or 3.2)`);
  }
  if ((flags & ~0x7) !== 0) warnings.push(`unknown file header flags 0x${flags.toString(16)}`);
  if (header.headerSize !== 128) warnings.push(`unexpected header size ${header.headerSize} (expected 128)`);
  if (header.blockSize !== 4096) warnings.push(`unexpected header block size ${header.blockSize} (expected 4096)`);
  return { header, warnings };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
