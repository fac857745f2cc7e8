// BinXML value types: decoding from chunk bytes and formatting for the JSON and XML outputs.
//
// Every reader takes (buf, off, size) where [off, off+size) has already been bounds-checked by the
// caller against the chunk (or the value is rejected before it gets here); readers never read
// outside that window. Fixed-width types whose window is too small decode to null.
//
// JSON forms follow the evtx-rs JSON rendering: integers and booleans are JSON numbers/booleans
// (64-bit integers outside the safe range become decimal strings), everything else is a string:
// GUID "54849625-5478-4994-A5BA-3E3B0328C30D", HexInt "0x4424d", FILETIME/SYSTEMTIME
// "2016-07-08T18:12:51.681640Z" (microseconds), binary as uppercase hex, arrays comma-joined.
// XML forms follow Event Viewer: GUIDs in braces, timestamps with 7 fractional digits.

export const VT_NULL = 0x00;
export const VT_STRING = 0x01;
export const VT_ANSI = 0x02;
export const VT_INT8 = 0x03;
export const VT_UINT8 = 0x04;
export const VT_INT16 = 0x05;
export const VT_UINT16 = 0x06;
export const VT_INT32 = 0x07;
export const VT_UINT32 = 0x08;
export const VT_INT64 = 0x09;
export const VT_UINT64 = 0x0a;
export const VT_REAL32 = 0x0b;
export const VT_REAL64 = 0x0c;
export const VT_BOOL = 0x0d;
export const VT_BINARY = 0x0e;
export const VT_GUID = 0x0f;
export const VT_SIZET = 0x10;
export const VT_FILETIME = 0x11;
export const VT_SYSTEMTIME = 0x12;
export const VT_SID = 0x13;
export const VT_HEXINT32 = 0x14;
export const VT_HEXINT64 = 0x15;
export const VT_EVTHANDLE = 0x20;
export const VT_BINXML = 0x21;
export const VT_EVTXML = 0x23;
export const VT_ARRAY = 0x80;

export type JsonScalar = string | number | boolean | null;

/** Types that render as JSON numbers/booleans when they are an element's or attribute's only content. */
export function isNumericType(t: number): boolean {
  return (t >= VT_INT8 && t <= VT_UINT64) || t === VT_BOOL;
}

// ---------------------------------------------------------------------------------------------
// little-endian readers (caller guarantees bounds)

export function rdU16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
export function rdU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
export function rdI32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

const HEX2: string[] = [];
const HEX2L: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX2.push(i.toString(16).toUpperCase().padStart(2, '0'));
  HEX2L.push(i.toString(16).padStart(2, '0'));
}
const TWO: string[] = [];
for (let i = 0; i < 100; i++) TWO.push(i < 10 ? '0' + i : String(i));

const TWO32 = 4294967296;

/** Unsigned 64-bit as a number when exact (< 2^53), else a decimal string. */
export function u64Json(lo: number, hi: number): number | string {
  if (hi < 0x200000) return hi * TWO32 + lo;
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
/** Signed 64-bit as a number when exact, else a decimal string. */
export function i64Json(lo: number, hi: number): number | string {
  if (hi < 0x200000) return hi * TWO32 + lo;
  if (hi >= 0xffe00000) return (hi - TWO32) * TWO32 + lo; // -(2^53) <= v < 0
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function hex32(v: number): string {
  return '0x' + v.toString(16);
}
function hex64(lo: number, hi: number): string {
  if (hi === 0) return '0x' + lo.toString(16);
  return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

/** GUID (mixed-endian) as uppercase text without braces. */
export function guidText(b: Uint8Array, o: number): string {
  return (
    HEX2[b[o + 3]!]! + HEX2[b[o + 2]!]! + HEX2[b[o + 1]!]! + HEX2[b[o]!]! + '-' +
    HEX2[b[o + 5]!]! + HEX2[b[o + 4]!]! + '-' +
    HEX2[b[o + 7]!]! + HEX2[b[o + 6]!]! + '-' +
    HEX2[b[o + 8]!]! + HEX2[b[o + 9]!]! + '-' +
    HEX2[b[o + 10]!]! + HEX2[b[o + 11]!]! + HEX2[b[o + 12]!]! + HEX2[b[o + 13]!]! + HEX2[b[o + 14]!]! + HEX2[b[o + 15]!]!
  );
}

export function binaryHex(b: Uint8Array, o: number, size: number): string {
  if (size <= 0) return '';
  if (size <= 64) {
    let s = '';
    for (let i = 0; i < size; i++) s += HEX2[b[o + i]!]!;
    return s;
  }
  const parts = new Array<string>(size);
  for (let i = 0; i < size; i++) parts[i] = HEX2[b[o + i]!]!;
  return parts.join('');
}

/** SID: revision, sub-authority count, 48-bit big-endian authority, u32 sub-authorities. Only what fits in `size` is read. */
export function sidText(b: Uint8Array, o: number, size: number): string | null {
  if (size < 8) return null;
  const rev = b[o]!;
  let n = b[o + 1]!;
  const fit = (size - 8) >>> 2;
  if (n > fit) n = fit;
  const authHi = (b[o + 2]! << 8) | b[o + 3]!;
  const authLo = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
  let s = 'S-' + rev + '-';
  // Windows prints authorities >= 2^32 in hex.
  s += authHi === 0 ? String(authLo) : '0x' + HEX2[authHi >> 8]! + HEX2[authHi & 0xff]! + authLo.toString(16).toUpperCase().padStart(8, '0');
  for (let i = 0; i < n; i++) s += '-' + rdU32(b, o + 8 + i * 4);
  return s;
}

/** Byte length of the SID at o (8 + 4*count), or -1 when it does not fit in `avail`. */
export function sidLength(b: Uint8Array, o: number, avail: number): number {
  if (avail < 8) return -1;
  const len = 8 + 4 * b[o + 1]!;
  return len <= avail ? len : -1;
}

// ---------------------------------------------------------------------------------------------
// timestamps

// FILETIME epoch (1601-01-01) to Unix epoch, in seconds.
const EPOCH_DIFF_S = 11644473600;

let lastDays = NaN;
let lastDatePrefix = '';

function datePrefix(days: number): string {
  if (days === lastDays) return lastDatePrefix;
  // civil-from-days (proleptic Gregorian), days since 1970-01-01
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  let y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y += 1;
  const ys = y >= 0 && y < 10000 ? String(y).padStart(4, '0') : String(y);
  lastDays = days;
  lastDatePrefix = ys + '-' + TWO[m]! + '-' + TWO[d]! + 'T';
  return lastDatePrefix;
}

function fracDigits(frac100ns: number, digits: number): string {
  // frac100ns in [0, 1e7)
  if (digits === 7) return String(frac100ns).padStart(7, '0');
  return String(Math.floor(frac100ns / 10)).padStart(6, '0');
}

/** FILETIME (100 ns ticks since 1601) as ISO 8601 UTC with 6 (JSON) or 7 (XML) fractional digits. */
export function filetimeIso(lo: number, hi: number, digits = 6): string {
  let secs: number;
  let frac: number;
  if (hi < 1800000000) {
    // total = hi*2^32 + lo = hi*429*1e7 + (hi*4967296 + lo); the remainder term stays below 2^53.
    const r = hi * 4967296 + lo;
    const q = Math.floor(r / 10000000);
    secs = hi * 429 + q;
    frac = r - q * 10000000;
  } else {
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    secs = Number(t / 10000000n);
    frac = Number(t % 10000000n);
  }
  const unix = secs - EPOCH_DIFF_S;
  const days = Math.floor(unix / 86400);
  const sod = unix - days * 86400;
  const h = Math.floor(sod / 3600);
  const mi = Math.floor((sod % 3600) / 60);
  const s = sod % 60;
  return datePrefix(days) + TWO[h]! + ':' + TWO[mi]! + ':' + TWO[s]! + '.' + fracDigits(frac, digits) + 'Z';
}

/** SYSTEMTIME (8 u16: year, month, weekday, day, hour, minute, second, milliseconds). */
export function systemtimeIso(b: Uint8Array, o: number, digits = 6): string {
  const y = rdU16(b, o);
  const mo = rdU16(b, o + 2);
  const d = rdU16(b, o + 6);
  const h = rdU16(b, o + 8);
  const mi = rdU16(b, o + 10);
  const s = rdU16(b, o + 12);
  const ms = rdU16(b, o + 14);
  const p2 = (v: number): string => (v < 100 ? TWO[v]! : String(v));
  const frac = String(ms).padStart(3, '0') + (digits === 7 ? '0000' : '000');
  return String(y).padStart(4, '0') + '-' + p2(mo) + '-' + p2(d) + 'T' + p2(h) + ':' + p2(mi) + ':' + p2(s) + '.' + frac + 'Z';
}

// ---------------------------------------------------------------------------------------------
// strings

// Buffer.prototype.ucs2Slice is what toString('utf16le') calls after its argument checks; using it
// directly is about 1.5x faster on the short strings that dominate event logs.
type Ucs2 = { ucs2Slice?: (start: number, end: number) => string };
const HAVE_UCS2SLICE = typeof (Buffer.prototype as unknown as Ucs2).ucs2Slice === 'function';

/** UTF-16LE text of buf[off, off+size) (caller checks bounds), cut at the first NUL. */
export function utf16Text(buf: Buffer, off: number, size: number): string {
  let end = off + (size & ~1);
  // Substitution strings usually include their NUL terminator: drop it before decoding.
  if (end - off >= 2 && buf[end - 1] === 0 && buf[end - 2] === 0) end -= 2;
  if (end <= off) return '';
  const s = HAVE_UCS2SLICE ? (buf as unknown as Required<Ucs2>).ucs2Slice(off, end) : buf.toString('utf16le', off, end);
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/** Unicode White_Space (as Rust's char::is_whitespace). */
function isWhite(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** The string without trailing Unicode whitespace. */
export function trimEndWhitespace(s: string): string {
  let e = s.length;
  while (e > 0 && isWhite(s.charCodeAt(e - 1))) e--;
  return e === s.length ? s : s.slice(0, e);
}

// Windows-1252 for 0x80-0x9f (the rest of the code page equals Latin-1). Node's TextDecoder
// treats "windows-1252" as Latin-1, so the table is applied here.
const CP1252_80 = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

/** ANSI string (Windows-1252), NUL bytes dropped (as evtx-rs does). */
export function ansiText(buf: Uint8Array, off: number, size: number): string {
  const end = off + size;
  let s = '';
  let chunk: number[] = [];
  for (let i = off; i < end; i++) {
    const c = buf[i]!;
    if (c === 0) continue;
    chunk.push(c >= 0x80 && c < 0xa0 ? CP1252_80[c - 0x80]! : c);
    if (chunk.length >= 4096) {
      s += String.fromCharCode.apply(null, chunk);
      chunk = [];
    }
  }
  return chunk.length ? s + String.fromCharCode.apply(null, chunk) : s;
}

// ---------------------------------------------------------------------------------------------
// reals

export function real32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}
export function real64Text(v: number): string {
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// value decoding

/** Fixed width of a scalar type, 0 for variable-size types. */
export function fixedWidth(t: number): number {
  switch (t) {
    case VT_INT8: case VT_UINT8: return 1;
    case VT_INT16: case VT_UINT16: return 2;
    case VT_INT32: case VT_UINT32: case VT_REAL32: case VT_BOOL: case VT_HEXINT32: return 4;
    case VT_INT64: case VT_UINT64: case VT_REAL64: case VT_FILETIME: case VT_HEXINT64: return 8;
    case VT_GUID: case VT_SYSTEMTIME: return 16;
    default: return 0;
  }
}

/**
 * Decodes one scalar value of type `t` stored at [off, off+size) for the JSON output.
 * Returns null for the null type, for EvtHandle, and for windows too small for the type.
 */
export function valueJson(buf: Buffer, t: number, off: number, size: number): JsonScalar {
  switch (t) {
    case VT_STRING:
      return utf16Text(buf, off, size);
    case VT_ANSI:
      return ansiText(buf, off, size);
    case VT_INT8:
      return size >= 1 ? (buf[off]! << 24) >> 24 : null;
    case VT_UINT8:
      return size >= 1 ? buf[off]! : null;
    case VT_INT16:
      return size >= 2 ? (rdU16(buf, off) << 16) >> 16 : null;
    case VT_UINT16:
      return size >= 2 ? rdU16(buf, off) : null;
    case VT_INT32:
      return size >= 4 ? rdI32(buf, off) : null;
    case VT_UINT32:
      return size >= 4 ? rdU32(buf, off) : null;
    case VT_INT64:
      return size >= 8 ? i64Json(rdU32(buf, off), rdU32(buf, off + 4)) : null;
    case VT_UINT64:
      return size >= 8 ? u64Json(rdU32(buf, off), rdU32(buf, off + 4)) : null;
    case VT_REAL32:
      return size >= 4 ? real32Text(buf.readFloatLE(off)) : null;
    case VT_REAL64:
      return size >= 8 ? real64Text(buf.readDoubleLE(off)) : null;
    case VT_BOOL:
      // Stored as a 32-bit integer; Windows writes 0/1 but any non-zero value means true.
      if (size >= 4) return rdI32(buf, off) !== 0;
      if (size >= 1) {
        for (let i = 0; i < size; i++) if (buf[off + i] !== 0) return true;
        return false;
      }
      return null;
    case VT_BINARY:
      return binaryHex(buf, off, size);
    case VT_GUID:
      return size >= 16 ? guidText(buf, off) : null;
    case VT_SIZET:
      if (size >= 8) return hex64(rdU32(buf, off), rdU32(buf, off + 4));
      if (size >= 4) return hex32(rdU32(buf, off));
      return null;
    case VT_FILETIME:
      return size >= 8 ? filetimeIso(rdU32(buf, off), rdU32(buf, off + 4), 6) : null;
    case VT_SYSTEMTIME:
      return size >= 16 ? systemtimeIso(buf, off, 6) : null;
    case VT_SID:
      return sidText(buf, off, size);
    case VT_HEXINT32:
      return size >= 4 ? hex32(rdU32(buf, off)) : null;
    case VT_HEXINT64:
      return size >= 8 ? hex64(rdU32(buf, off), rdU32(buf, off + 4)) : null;
    default:
      if ((t & VT_ARRAY) !== 0) return arrayText(buf, t & 0x7f, off, size, false);
      return null;
  }
}

/** Text of a value for the XML output (Event Viewer conventions). */
export function valueXml(buf: Buffer, t: number, off: number, size: number): string {
  switch (t) {
    case VT_GUID:
      return size >= 16 ? '{' + guidText(buf, off) + '}' : '';
    case VT_FILETIME:
      return size >= 8 ? filetimeIso(rdU32(buf, off), rdU32(buf, off + 4), 7) : '';
    case VT_SYSTEMTIME:
      return size >= 16 ? systemtimeIso(buf, off, 7) : '';
    default: {
      if ((t & VT_ARRAY) !== 0) return arrayText(buf, t & 0x7f, off, size, true);
      const v = valueJson(buf, t, off, size);
      return v === null ? '' : typeof v === 'string' ? v : String(v);
    }
  }
}

/** Arrays render as their items' texts joined with ",". */
function arrayText(buf: Buffer, base: number, off: number, size: number, xml: boolean): string {
  const end = off + size;
  const items: string[] = [];
  if (base === VT_STRING) {
    let p = off;
    while (p + 1 < end) {
      let q = p;
      while (q + 1 < end && (buf[q] !== 0 || buf[q + 1] !== 0)) q += 2;
      items.push(q > p ? buf.toString('utf16le', p, q) : '');
      p = q + 2;
    }
    return items.join(',');
  }
  if (base === VT_ANSI) {
    let p = off;
    while (p < end) {
      let q = p;
      while (q < end && buf[q] !== 0) q++;
      items.push(q > p ? ansiText(buf, p, q - p) : '');
      p = q + 1;
    }
    return items.join(',');
  }
  if (base === VT_SID) {
    let p = off;
    while (p < end) {
      const len = sidLength(buf, p, end - p);
      if (len < 0) break;
      items.push(sidText(buf, p, len) ?? '');
      p += len;
    }
    return items.join(',');
  }
  if (base === VT_BINARY) return binaryHex(buf, off, size);
  let w = fixedWidth(base);
  if (base === VT_SIZET) w = size % 8 === 0 ? 8 : 4;
  if (w === 0) return '';
  for (let p = off; p + w <= end; p += w) {
    items.push(xml ? valueXml(buf, base, p, w) : jsonText(valueJson(buf, base, p, w)));
  }
  return items.join(',');
}

/**
 * Items of an array value of base type `base` at [off, off+size): a flat list of
 * (offset, size) pairs, or null when the items cannot be delimited (binary arrays).
 * String items exclude their NUL terminator.
 */
export function arrayItems(buf: Uint8Array, base: number, off: number, size: number): number[] | null {
  const end = off + size;
  const out: number[] = [];
  if (base === VT_STRING) {
    let p = off;
    while (p + 1 < end) {
      let q = p;
      while (q + 1 < end && (buf[q] !== 0 || buf[q + 1] !== 0)) q += 2;
      out.push(p, q - p);
      p = q + 2;
    }
    return out;
  }
  if (base === VT_ANSI) {
    let p = off;
    while (p < end) {
      let q = p;
      while (q < end && buf[q] !== 0) q++;
      out.push(p, q - p);
      p = q + 1;
    }
    return out;
  }
  if (base === VT_SID) {
    let p = off;
    while (p < end) {
      const len = sidLength(buf, p, end - p);
      if (len < 0) break;
      out.push(p, len);
      p += len;
    }
    return out;
  }
  let w = fixedWidth(base);
  if (base === VT_SIZET) w = size % 8 === 0 ? 8 : 4;
  if (w === 0) return null;
  for (let p = off; p + w <= end; p += w) out.push(p, w);
  return out;
}

export function jsonText(v: JsonScalar): string {
  return v === null ? '' : typeof v === 'string' ? v : String(v);
}

/**
 * Is this substitution value "empty" in the sense of an optional substitution (0x0e), which then
 * produces nothing: null type, zero size, or a string whose first character is NUL.
 */
export function isEmptyValue(buf: Buffer, t: number, off: number, size: number): boolean {
  if (t === VT_NULL || size === 0) return true;
  if (t === VT_STRING) return size < 2 || (buf[off] === 0 && buf[off + 1] === 0);
  if (t === VT_ANSI) {
    for (let i = 0; i < size; i++) if (buf[off + i] !== 0) return false;
    return true;
  }
  if (t === VT_EVTHANDLE) return true;
  return false;
}
