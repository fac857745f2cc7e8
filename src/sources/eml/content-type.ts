// What an attachment really is, from its bytes: the type its magic number says, and for the
// formats with an end marker (JPEG EOI, PNG IEND, GIF trailer, PDF %%EOF, ZIP end of central
// directory) how many bytes follow the end. Pure; walks the structure where one exists (JPEG
// segments, PNG chunks, GIF blocks) so that an end marker inside the data is not taken for the end.

export type RealType = 'jpeg' | 'png' | 'gif' | 'pdf' | 'zip' | 'ooxml' | 'ole' | 'pe' | 'rar' | '7z' | 'gzip' | 'text';

export interface ContentFacts {
  /** the type the bytes say, or null when no known magic matches */
  type: RealType | null;
  /** bytes after the format's end marker (null for formats without one, or when the end was not found) */
  trailingBytes: number | null;
  /** the end marker was not found: the file is cut short or damaged */
  truncated: boolean;
}

const has = (b: Uint8Array, at: number, sig: number[]) => sig.every((x, i) => b[at + i] === x);
const be16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const be32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const le16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const le32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** JPEGs a phone writes (Multi-Picture Format) hold further JPEGs after the first EOI; this many are followed. */
const MAX_JPEG_FRAMES = 8;

/** Offset just past the EOI of the JPEG at `start`, or -1. */
function jpegEnd(b: Uint8Array, start: number): number {
  let p = start + 2;
  while (p + 2 <= b.length) {
    if (b[p] !== 0xff) return -1;
    const m = b[p + 1]!;
    if (m === 0xff) { p++; continue; } // fill byte
    if (m === 0xd9) return p + 2;
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { p += 2; continue; } // no length
    if (p + 4 > b.length) return -1;
    const len = be16(b, p + 2);
    if (len < 2) return -1;
    p += 2 + len;
    if (m === 0xda) {
      // Entropy-coded data: runs to the next marker that is neither a stuffed 0x00 nor a restart.
      while (p + 1 < b.length && !(b[p] === 0xff && b[p + 1] !== 0x00 && !(b[p + 1]! >= 0xd0 && b[p + 1]! <= 0xd7))) p++;
    }
  }
  return -1;
}

function jpeg(b: Uint8Array): number {
  let end = jpegEnd(b, 0);
  for (let n = 1; end > 0 && n < MAX_JPEG_FRAMES && has(b, end, [0xff, 0xd8, 0xff]); n++) {
    const next = jpegEnd(b, end);
    if (next < 0) break;
    end = next;
  }
  return end;
}

function png(b: Uint8Array): number {
  let p = 8;
  while (p + 12 <= b.length) {
    const len = be32(b, p);
    const type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    const next = p + 12 + len;
    if (next > b.length) return -1;
    if (type === 'IEND') return next;
    p = next;
  }
  return -1;
}

/** Skips GIF data sub-blocks from `p`; the offset after the terminator, or -1. */
function subBlocks(b: Uint8Array, p: number): number {
  while (p < b.length) {
    const n = b[p]!;
    p += 1 + n;
    if (n === 0) return p;
  }
  return -1;
}

function gif(b: Uint8Array): number {
  if (b.length < 13) return -1;
  let p = 13;
  const flags = b[10]!;
  if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
  while (p < b.length) {
    const c = b[p]!;
    if (c === 0x3b) return p + 1;
    if (c === 0x21) { p = subBlocks(b, p + 2); }
    else if (c === 0x2c) {
      if (p + 10 > b.length) return -1;
      const f = b[p + 9]!;
      p += 10;
      if (f & 0x80) p += 3 * (1 << ((f & 7) + 1));
      p = subBlocks(b, p + 1); // after the LZW minimum code size
    } else return -1;
    if (p < 0) return -1;
  }
  return -1;
}

/** After the last %%EOF and its end of line (incremental updates add sections that end with their own %%EOF). */
function pdf(b: Uint8Array): number {
  const at = Buffer.from(b.buffer, b.byteOffset, b.length).lastIndexOf('%%EOF');
  if (at < 0) return -1;
  let p = at + 5;
  if (b[p] === 0x0d) p++;
  if (b[p] === 0x0a) p++;
  return p;
}

/** After the end-of-central-directory record and its comment. */
function zip(b: Uint8Array): number {
  const from = Math.max(0, b.length - 22 - 0xffff - 1024);
  for (let p = b.length - 22; p >= from; p--) {
    if (has(b, p, [0x50, 0x4b, 0x05, 0x06])) return Math.min(b.length, p + 22 + le16(b, p + 20));
  }
  return -1;
}

function isPe(b: Uint8Array): boolean {
  if (!has(b, 0, [0x4d, 0x5a]) || b.length < 0x40) return false;
  const e = le32(b, 0x3c);
  return e + 4 <= b.length && has(b, e, [0x50, 0x45, 0, 0]);
}

/** Text: no NUL and almost all printable (UTF-8 allowed) in the first 4 KiB. */
function isText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n === 0) return false;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b) bad++;
  }
  return bad * 50 < n;
}

/** Padding some writers leave after the end (line ends, spaces, zeros, 0xFF fill) is not data. */
function padding(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) { const c = b[i]!; if (c !== 0 && c !== 0x0a && c !== 0x0d && c !== 0x20 && c !== 0x09 && c !== 0xff) return false; }
  return true;
}

function withEnd(type: RealType, b: Uint8Array, end: number): ContentFacts {
  if (end < 0) return { type, trailingBytes: null, truncated: true };
  return { type, trailingBytes: padding(b, end) ? 0 : b.length - end, truncated: false };
}

export function inspectContent(b: Uint8Array): ContentFacts {
  if (has(b, 0, [0xff, 0xd8, 0xff])) return withEnd('jpeg', b, jpeg(b));
  if (has(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return withEnd('png', b, png(b));
  if (has(b, 0, [0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return withEnd('gif', b, gif(b));
  // PDF readers accept the header anywhere in the first KiB.
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 1024));
  if (head.indexOf('%PDF-') >= 0) return withEnd('pdf', b, pdf(b));
  if (has(b, 0, [0x50, 0x4b, 0x03, 0x04]) || has(b, 0, [0x50, 0x4b, 0x05, 0x06])) {
    const ooxml = head.indexOf('[Content_Types].xml') >= 0 || Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 65536)).indexOf('[Content_Types].xml') >= 0;
    return withEnd(ooxml ? 'ooxml' : 'zip', b, zip(b));
  }
  const none = (type: RealType): ContentFacts => ({ type, trailingBytes: null, truncated: false });
  if (has(b, 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return none('ole');
  if (isPe(b)) return none('pe');
  if (has(b, 0, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return none('rar');
  if (has(b, 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return none('7z');
  if (has(b, 0, [0x1f, 0x8b])) return none('gzip');
  if (isText(b)) return none('text');
  return { type: null, trailingBytes: null, truncated: false };
}
