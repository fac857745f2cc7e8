// The RT_VERSION resource: the resource directory (type 16 -> first name -> first language, PE/COFF
// ".rsrc section") and the VS_VERSIONINFO block it holds: VS_FIXEDFILEINFO and the StringFileInfo
// string tables. Every read is checked; malformed resources throw PeError with a file offset.
import { DIR, PeError, rvaToOffset, Span, type PeImage } from './pe.js';

export interface VersionInfo { fileVersion: string | null; productVersion: string | null; strings: Record<string, string> }

const RT_VERSION = 16;
/** More entries than this in one resource directory is refused. */
export const MAX_RESOURCE_ENTRIES = 4096;
const FIXED_SIGNATURE = 0xfeef04bd;

interface DirEntry { id: number | null; isDir: boolean; target: number; at: number }

/** The entries of the resource directory at `offset` (relative to the resource root). */
function directory(rsrc: Span, offset: number, what: string): DirEntry[] {
  const p = rsrc.start + offset;
  const named = rsrc.u16(p + 12, what), ids = rsrc.u16(p + 14, what);
  const n = named + ids;
  if (n > MAX_RESOURCE_ENTRIES) throw new PeError(`${what} has ${n} entries (more than ${MAX_RESOURCE_ENTRIES})`, p + 12);
  rsrc.need(p + 16, n * 8, `the entries of ${what}`);
  const out: DirEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = p + 16 + i * 8;
    const name = rsrc.u32(e, what), data = rsrc.u32(e + 4, what);
    out.push({ id: name & 0x80000000 ? null : name, isDir: (data & 0x80000000) !== 0, target: data & 0x7fffffff, at: e });
  }
  return out;
}

/** File offset and size of the RT_VERSION data, or null when the image has none. */
function findVersionData(pe: PeImage): { offset: number; size: number } | null {
  const dir = pe.dirs[DIR.resource];
  if (dir === undefined || dir.rva === 0 || dir.size === 0) return null;
  const root = rvaToOffset(pe, dir.rva);
  if (root === null) throw new PeError(`the resource directory: RVA 0x${dir.rva.toString(16)} is not in any section`, pe.peOffset);
  const rsrc = new Span(pe.bytes, root, Math.min(pe.bytes.length, root + dir.size), 'resource section');

  const top = directory(rsrc, 0, 'the resource root directory').find((e) => e.id === RT_VERSION);
  if (top === undefined) return null;
  // Type -> name -> language: three levels, each a directory the previous one points to.
  const visited = new Set<number>([0]);
  let entry = top;
  for (const level of ['the RT_VERSION name directory', 'the RT_VERSION language directory']) {
    if (!entry.isDir) throw new PeError(`${level} is a data entry, not a directory`, entry.at);
    if (visited.has(entry.target)) throw new PeError(`the resource tree has a cycle: ${level} points back at offset ${entry.target}`, entry.at);
    visited.add(entry.target);
    const next = directory(rsrc, entry.target, level)[0];
    if (next === undefined) return null;
    entry = next;
  }
  if (entry.isDir) throw new PeError('the resource tree is deeper than 3 levels under RT_VERSION', entry.at);

  const d = rsrc.start + entry.target;
  const rva = rsrc.u32(d, 'the RT_VERSION data entry');
  const size = rsrc.u32(d + 4, 'the RT_VERSION data entry');
  const offset = rvaToOffset(pe, rva);
  if (offset === null) throw new PeError(`the RT_VERSION data: RVA 0x${rva.toString(16)} is not in any section`, d);
  if (offset + size > pe.bytes.length) throw new PeError(`truncated: the RT_VERSION data needs ${size} bytes at offset ${offset}`, offset);
  return { offset, size };
}

interface Block { key: string; type: number; valueLength: number; valueOffset: number; childrenOffset: number; end: number }

/** One version block: wLength, wValueLength, wType, szKey, padding, Value, padding, Children. */
function block(data: Span, p: number, parentEnd: number, valueIsText: boolean): Block {
  const length = data.u16(p, 'a version block length');
  if (length < 6 || p + length > parentEnd) {
    throw new PeError(`version block at offset ${p} has length ${length}, outside its parent (which ends at ${parentEnd})`, p);
  }
  const end = p + length;
  const valueLength = data.u16(p + 2, 'a version block');
  const type = data.u16(p + 4, 'a version block');
  let key = '';
  let q = p + 6;
  for (;;) {
    if (q + 2 > end) throw new PeError(`version block key at offset ${p + 6} has no terminator inside its block`, p + 6);
    const c = data.u16(q, 'a version block key');
    q += 2;
    if (c === 0) break;
    key += String.fromCharCode(c);
  }
  const align = (o: number) => data.start + ((o - data.start + 3) & ~3);
  const valueOffset = Math.min(align(q), end);
  const valueBytes = valueIsText ? valueLength * 2 : valueLength;
  return { key, type, valueLength, valueOffset, childrenOffset: Math.min(align(valueOffset + valueBytes), end), end };
}

/** The blocks from `from` to `end`; a zero length ends the list (some writers pad with zeros). */
function children(data: Span, from: number, end: number, valueIsText: boolean): Block[] {
  const out: Block[] = [];
  let p = from;
  while (p + 6 <= end) {
    if (data.u16(p, 'a version block length') === 0) break;
    const b = block(data, p, end, valueIsText);
    out.push(b);
    p = data.start + ((b.end - data.start + 3) & ~3);
  }
  return out;
}

function utf16z(data: Span, from: number, end: number): string {
  let s = '';
  for (let q = from; q + 2 <= end; q += 2) {
    const c = data.u16(q, 'a version string');
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export function readVersionInfo(pe: PeImage): VersionInfo | null {
  const where = findVersionData(pe);
  if (where === null) return null;
  const data = new Span(pe.bytes, where.offset, where.offset + where.size, 'RT_VERSION data');
  const root = block(data, data.start, data.end, false);
  if (root.key !== 'VS_VERSION_INFO') throw new PeError(`the version resource's key is ${JSON.stringify(root.key)}, not VS_VERSION_INFO`, data.start + 6);

  let fileVersion: string | null = null, productVersion: string | null = null;
  if (root.valueLength >= 52) {
    const f = root.valueOffset;
    data.need(f, 52, 'VS_FIXEDFILEINFO');
    if (data.u32(f, 'VS_FIXEDFILEINFO') !== FIXED_SIGNATURE) throw new PeError(`VS_FIXEDFILEINFO at offset ${f} lacks its 0xFEEF04BD signature`, f);
    const ver = (o: number) => {
      const ms = data.u32(o, 'VS_FIXEDFILEINFO'), ls = data.u32(o + 4, 'VS_FIXEDFILEINFO');
      return `${ms >>> 16}.${ms & 0xffff}.${ls >>> 16}.${ls & 0xffff}`;
    };
    fileVersion = ver(f + 8);
    productVersion = ver(f + 16);
  }

  const strings: Record<string, string> = {};
  for (const info of children(data, root.childrenOffset, root.end, false)) {
    if (info.key !== 'StringFileInfo') continue; // VarFileInfo holds only the translation list
    for (const table of children(data, info.childrenOffset, info.end, true)) {
      for (const s of children(data, table.childrenOffset, table.end, true)) {
        // wValueLength counts characters by the format, bytes by some writers: read up to the NUL.
        const value = s.valueLength === 0 ? '' : utf16z(data, s.valueOffset, s.end);
        // defineProperty: a key such as "__proto__" must stay an ordinary entry
        if (!Object.hasOwn(strings, s.key)) Object.defineProperty(strings, s.key, { value, enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return { fileVersion, productVersion, strings };
}
