// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by EVTX file and chunk headers.
// Node 20.15+ ships zlib.crc32 (native); older runtimes fall back to a table-driven implementation.
import * as zlib from 'node:zlib';

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native: NativeCrc | undefined = (zlib as unknown as { crc32?: NativeCrc }).crc32;

let table: Uint32Array | undefined;
function crcTable(): Uint32Array {
  if (table) return table;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  table = t;
  return t;
}

/** Table-driven CRC-32 of buf[start, end), continuing from `seed` (the CRC of the preceding bytes). */
export function crc32Table(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const t = crcTable();
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of buf[start, end), continuing from `seed`. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  if (start < 0) start = 0;
  if (end > buf.length) end = buf.length;
  if (end <= start) return seed >>> 0;
  if (native) return native(buf.subarray(start, end), seed) >>> 0;
  return crc32Table(buf, start, end, seed);
}

