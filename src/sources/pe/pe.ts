// PE/COFF image reader: DOS stub, COFF header, optional header (PE32 and PE32+), data directories
// and section table, with every offset checked against the file. Enough for the version
// resource, the .NET metadata and Authenticode, which read their parts through `rvaToOffset`.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Agent DLLs are small; Exchange's own are a few MB. Larger files are not read. */
export const MAX_PE_BYTES = 128 * 1024 * 1024;
const MAX_SECTIONS = 96;

export class PeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

export interface DataDirectory { rva: number; size: number }

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
}

/** Data directory indexes used here (PE/COFF specification). */
export const DIR = { resource: 2, security: 4, clr: 14 } as const;

export interface PeImage {
  bytes: Uint8Array;
  /** file offset of the 'PE\0\0' signature */
  peOffset: number;
  machine: number;
  timeDateStamp: number;
  characteristics: number;
  isDll: boolean;
  /** PE32+ (64-bit optional header) */
  is64: boolean;
  sizeOfHeaders: number;
  /** file offset of the optional header's CheckSum field (excluded from the Authenticode hash) */
  checksumOffset: number;
  /** file offset of the security (certificate table) data directory entry, or -1 when there is none */
  securityDirOffset: number;
  dirs: DataDirectory[];
  sections: PeSection[];
}

/** Little-endian unsigned reads (unchecked: the caller has checked the bounds). */
export const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
export const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** A bounds-checked window [start, end) of the file. Offsets are file offsets. */
export class Span {
  constructor(readonly bytes: Uint8Array, readonly start: number, readonly end: number, readonly what: string) {}
  need(off: number, n: number, what: string): void {
    if (off < this.start || off + n > this.end) {
      throw new PeError(`truncated: ${what} needs ${n} bytes at offset ${off}, beyond the ${this.what} (offsets ${this.start}..${this.end})`, Math.max(0, Math.min(off, this.bytes.length)));
    }
  }
  u8(off: number, what: string): number { this.need(off, 1, what); return this.bytes[off]!; }
  u16(off: number, what: string): number { this.need(off, 2, what); return u16(this.bytes, off); }
  u32(off: number, what: string): number { this.need(off, 4, what); return u32(this.bytes, off); }
  sub(off: number, n: number, what: string): Span { this.need(off, n, what); return new Span(this.bytes, off, off + n, what); }
}

/** True when the bytes start like a PE image ('MZ', then 'PE\0\0' where e_lfanew points). */
export function looksLikePe(head: Uint8Array): boolean {
  if (head.length < 0x40 || head[0] !== 0x4d || head[1] !== 0x5a) return false;
  const lfanew = u32(head, 0x3c);
  if (lfanew + 4 > head.length) return lfanew < 0x10000; // the signature is beyond what was read
  return u32(head, lfanew) === 0x00004550;
}

export function parsePe(bytes: Uint8Array): PeImage {
  const need = (off: number, n: number, what: string) => {
    if (off < 0 || off + n > bytes.length) throw new PeError(`truncated: ${what} needs ${n} bytes at offset ${off}, the file has ${bytes.length}`, Math.min(off, bytes.length));
  };
  need(0, 0x40, 'the DOS header');
  if (bytes[0] !== 0x4d || bytes[1] !== 0x5a) throw new PeError('not a PE file (no MZ signature)', 0);
  const peOffset = u32(bytes, 0x3c);
  need(peOffset, 24, 'the PE signature and COFF header');
  if (u32(bytes, peOffset) !== 0x00004550) throw new PeError(`no PE signature at offset ${peOffset} (e_lfanew)`, peOffset);
  const coff = peOffset + 4;
  const machine = u16(bytes, coff);
  const nSections = u16(bytes, coff + 2);
  const timeDateStamp = u32(bytes, coff + 4);
  const optSize = u16(bytes, coff + 16);
  const characteristics = u16(bytes, coff + 18);
  if (nSections > MAX_SECTIONS) throw new PeError(`${nSections} sections (more than ${MAX_SECTIONS})`, coff + 2);
  const opt = coff + 20;
  need(opt, optSize, 'the optional header');
  if (optSize < 2) throw new PeError('no optional header (an object file, not an image)', opt);
  const magic = u16(bytes, opt);
  if (magic !== 0x10b && magic !== 0x20b) throw new PeError(`unknown optional header magic 0x${magic.toString(16)}`, opt);
  const is64 = magic === 0x20b;
  const fixed = is64 ? 112 : 96; // up to and including NumberOfRvaAndSizes
  if (optSize < fixed) throw new PeError(`optional header of ${optSize} bytes is shorter than the ${fixed} its magic requires`, opt);
  const sizeOfHeaders = u32(bytes, opt + 60);
  const checksumOffset = opt + 64;
  const nDirs = Math.min(u32(bytes, opt + fixed - 4), 16, Math.floor((optSize - fixed) / 8));
  const dirs: DataDirectory[] = [];
  for (let i = 0; i < nDirs; i++) dirs.push({ rva: u32(bytes, opt + fixed + i * 8), size: u32(bytes, opt + fixed + i * 8 + 4) });
  const securityDirOffset = nDirs > DIR.security ? opt + fixed + DIR.security * 8 : -1;
  const secTable = opt + optSize;
  need(secTable, nSections * 40, 'the section table');
  const sections: PeSection[] = [];
  for (let i = 0; i < nSections; i++) {
    const s = secTable + i * 40;
    let name = '';
    for (let k = 0; k < 8 && bytes[s + k] !== 0; k++) name += String.fromCharCode(bytes[s + k]!);
    sections.push({ name, virtualSize: u32(bytes, s + 8), virtualAddress: u32(bytes, s + 12), rawSize: u32(bytes, s + 16), rawOffset: u32(bytes, s + 20) });
  }
  return {
    bytes, peOffset, machine, timeDateStamp, characteristics, isDll: (characteristics & 0x2000) !== 0, is64,
    sizeOfHeaders, checksumOffset, securityDirOffset, dirs, sections,
  };
}

/** File offset of an RVA, or null when no section (nor the headers) holds it. */
export function rvaToOffset(pe: PeImage, rva: number): number | null {
  if (rva < pe.sizeOfHeaders && rva < pe.bytes.length) return rva;
  for (const s of pe.sections) {
    const span = Math.max(s.virtualSize, s.rawSize);
    if (rva >= s.virtualAddress && rva < s.virtualAddress + span) {
      const off = s.rawOffset + (rva - s.virtualAddress);
      return rva - s.virtualAddress < s.rawSize && off < pe.bytes.length ? off : null;
    }
  }
  return null;
}

/** The bytes of a data directory (or of any RVA range), bounds-checked. */
export function rvaSlice(pe: PeImage, rva: number, size: number, what: string): Uint8Array {
  const off = rvaToOffset(pe, rva);
  if (off === null) throw new PeError(`${what}: RVA 0x${rva.toString(16)} is not in any section`, 0);
  if (off + size > pe.bytes.length) throw new PeError(`truncated: ${what} needs ${size} bytes at offset ${off}`, off);
  return pe.bytes.subarray(off, off + size);
}

/** Reads a whole PE file (refusing files above MAX_PE_BYTES) and parses its headers. */
export function readPeFile(path: string): PeImage {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_PE_BYTES) throw new PeError(`file of ${size} bytes is larger than the ${MAX_PE_BYTES}-byte limit for PE files`, 0);
    const bytes = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, bytes, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return parsePe(bytes.subarray(0, got));
  } finally {
    closeSync(fd);
  }
}
