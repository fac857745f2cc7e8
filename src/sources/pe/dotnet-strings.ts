// The text an assembly carries: the user-string heap #US (its string literals, ECMA-335 II.24.2.4)
// and its manifest resources (ManifestResource table, II.22.24, with the data under the CLI
// header's Resources directory, II.25.3.3), whose printable strings are extracted. Bounded in
// count and size; damage is reported with its file offset and reading goes on where it can.
import { compressed, openMetadata, T, type Metadata } from './dotnet.js';
import { PeError, rvaToOffset, Span, type PeImage } from './pe.js';
import { isResourcesFile, readResourcesFile, ResourcesFormatError } from './resources-file.js';

export const STRING_LIMITS = {
  /** user strings kept */
  userStrings: 20_000,
  /** characters of user strings kept in all */
  userChars: 2 * 1024 * 1024,
  /** characters kept of one string (longer ones are cut) */
  stringChars: 2048,
  /** manifest resources read */
  resources: 256,
  /** bytes of one resource scanned for strings */
  resourceBytes: 4 * 1024 * 1024,
  /** bytes of all resources scanned */
  totalResourceBytes: 16 * 1024 * 1024,
  /** printable strings kept per resource */
  resourceStrings: 5_000,
  /** the shortest run of printable characters taken as a string in resource data */
  minRun: 5,
} as const;

export interface StringProblem { offset: number; message: string }

export interface ManifestResourceStrings {
  name: string;
  /** file offset of the resource data (after its length), or null when it is not in this file */
  offset: number | null;
  size: number;
  /** 'embedded' in this file, or where the row says it lives */
  location: 'embedded' | 'file' | 'assembly';
  strings: string[];
}

export interface DotNetStrings {
  userStrings: { offset: number; value: string }[];
  resources: ManifestResourceStrings[];
  /** the limits that were reached, in words */
  truncated: string[];
  problems: StringProblem[];
}

/** The assembly's user strings and resource strings, or null without .NET metadata. Throws PeError when the metadata itself cannot be opened. */
export function readDotNetStrings(pe: PeImage): DotNetStrings | null {
  const md = openMetadata(pe);
  if (md === null) return null;
  const out: DotNetStrings = { userStrings: [], resources: [], truncated: [], problems: [] };
  if (md.userStrings) readUserStrings(md.userStrings, out);
  readResources(md, pe, out);
  return out;
}

function readUserStrings(h: Span, out: DotNetStrings): void {
  const L = STRING_LIMITS;
  let chars = 0;
  let p = h.start + 1; // offset 0 holds the empty string (a single 0 byte)
  while (p < h.end) {
    let len: number, size: number;
    try { ({ value: len, size } = compressed(h, p, 'a #US entry length')); } catch (e) {
      out.problems.push({ offset: (e as PeError).offset ?? p, message: `#US: ${(e as Error).message}; the rest of the heap is not read` });
      return;
    }
    if (len === 0) { p += size; continue; } // padding
    const body = p + size;
    if (body + len > h.end) {
      out.problems.push({ offset: p, message: `#US: an entry of ${len} bytes at offset ${p} runs past the end of the heap at ${h.end}; the rest of the heap is not read` });
      return;
    }
    // 2n bytes of UTF-16LE and a final byte (1 when a character needs more than 8-bit handling).
    const n = (len - 1) >>> 1;
    if ((len & 1) === 0) out.problems.push({ offset: p, message: `#US: an entry of even length ${len} at offset ${p} (UTF-16 text and a final byte make an odd length)` });
    if (out.userStrings.length >= L.userStrings || chars >= L.userChars) {
      out.truncated.push(`#US: only the first ${out.userStrings.length} strings (${chars} characters) are kept`);
      return;
    }
    const keep = Math.min(n, L.stringChars);
    const value = Buffer.from(h.bytes.buffer, h.bytes.byteOffset + body, keep * 2).toString('utf16le');
    if (n > keep) out.truncated.push(`#US: the string at offset ${p} has ${n} characters; the first ${keep} are kept`);
    out.userStrings.push({ offset: p, value });
    chars += keep;
    p = body + len;
  }
}

function readResources(md: Metadata, pe: PeImage, out: DotNetStrings): void {
  const L = STRING_LIMITS;
  const rows = md.rows(T.ManifestResource);
  if (rows > L.resources) out.truncated.push(`${rows} manifest resources; the first ${L.resources} are read`);
  let scanned = 0;
  for (let r = 1; r <= Math.min(rows, L.resources); r++) {
    let name = '';
    try {
      name = md.string(md.cell(T.ManifestResource, r, 2), md.cellOffset(T.ManifestResource, r, 2));
      const dataOffset = md.cell(T.ManifestResource, r, 0);
      const implAt = md.cellOffset(T.ManifestResource, r, 3);
      const impl = md.decode('Implementation', md.cell(T.ManifestResource, r, 3), implAt);
      if (impl.row !== 0) {
        out.resources.push({ name, offset: null, size: 0, location: impl.table === T.File ? 'file' : 'assembly', strings: [] });
        continue;
      }
      const dir = md.resources;
      if (dir.rva === 0 || dir.size === 0) throw new PeError(`resource '${name}' is embedded, but the CLI header has no Resources directory`, dir.at);
      if (dataOffset + 4 > dir.size) throw new PeError(`resource '${name}' at offset ${dataOffset} lies outside the ${dir.size}-byte Resources directory`, md.cellOffset(T.ManifestResource, r, 0));
      const base = rvaToOffset(pe, dir.rva);
      if (base === null) throw new PeError(`the Resources directory (RVA 0x${dir.rva.toString(16)}) is not in any section`, dir.at);
      const file = new Span(pe.bytes, 0, pe.bytes.length, 'file');
      const area = file.sub(base, Math.min(dir.size, pe.bytes.length - base), 'the Resources directory');
      const at = base + dataOffset;
      const size = area.u32(at, `the length of resource '${name}'`);
      if (size > area.end - (at + 4)) throw new PeError(`resource '${name}' claims ${size} bytes at offset ${at + 4}, past the end of the Resources directory at ${area.end}`, at);
      const scan = Math.min(size, L.resourceBytes, Math.max(0, L.totalResourceBytes - scanned));
      if (scan < size) out.truncated.push(`resource '${name}': ${scan} of its ${size} bytes are scanned for strings`);
      scanned += scan;
      const data = pe.bytes.subarray(at + 4, at + 4 + scan);
      const strings = resourceStrings(data, at + 4, name, out);
      if (strings.length >= L.resourceStrings) out.truncated.push(`resource '${name}': only the first ${L.resourceStrings} strings are kept`);
      out.resources.push({ name, offset: at + 4, size, location: 'embedded', strings });
    } catch (e) {
      if (!(e instanceof PeError)) throw e;
      out.problems.push({ offset: e.offset, message: `ManifestResource row ${r}${name ? ` ('${name}')` : ''}: ${e.message}` });
    }
  }
}

/** A .resources file's names and string values; other data (or a damaged .resources file) by its printable strings. */
function resourceStrings(data: Uint8Array, offset: number, name: string, out: DotNetStrings): string[] {
  const L = STRING_LIMITS;
  if (isResourcesFile(data)) {
    try {
      return readResourcesFile(data, L.resourceStrings, L.stringChars).flatMap((e) => (e.value === null ? [e.name] : [e.name, e.value]));
    } catch (e) {
      if (!(e instanceof ResourcesFormatError)) throw e;
      out.problems.push({ offset: offset + e.offset, message: `resource '${name}': ${e.message}; its printable strings are taken instead` });
    }
  }
  return printableStrings(data, L.resourceStrings);
}

const printable = (c: number) => c >= 0x20 && c < 0x7f;

/**
 * Runs of printable ASCII, both as single bytes (UTF-8 text, the length-prefixed strings of a
 * .resources file) and as UTF-16LE (resource names, string tables), in the order they occur.
 */
export function printableStrings(b: Uint8Array, max: number): string[] {
  const L = STRING_LIMITS;
  const found: { at: number; s: string }[] = [];
  const take = (at: number, s: string) => { if (s.length >= L.minRun) found.push({ at, s: s.slice(0, L.stringChars) }); };
  let start = -1;
  for (let i = 0; i <= b.length && found.length < max; i++) {
    const ok = i < b.length && printable(b[i]!);
    if (ok && start < 0) start = i;
    else if (!ok && start >= 0) { take(start, Buffer.from(b.subarray(start, i)).toString('latin1')); start = -1; }
  }
  for (const phase of [0, 1]) {
    start = -1;
    for (let i = phase; i <= b.length && found.length < 2 * max; i += 2) {
      const ok = i + 1 < b.length && printable(b[i]!) && b[i + 1] === 0;
      if (ok && start < 0) start = i;
      else if (!ok && start >= 0) { take(start, Buffer.from(b.subarray(start, i)).toString('utf16le')); start = -1; }
    }
  }
  found.sort((x, y) => x.at - y.at);
  return found.slice(0, max).map((f) => f.s);
}
