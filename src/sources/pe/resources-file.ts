// The .NET binary .resources format (what System.Resources.ResourceWriter writes and
// ResourceReader reads): a manager header (magic 0xBEEFCACE), a reader header with the resource
// and type counts and the type names, hashes and name positions, a name section (UTF-16 names
// with data offsets) and a data section of type-coded values. The names and the string values are
// returned; anything malformed stops the reading with an error naming the offset.

export const RESOURCES_MAGIC = 0xbeefcace;
const MAX_RESOURCES = 100_000;
const MAX_TYPES = 1000;

export class ResourcesFormatError extends Error {
  constructor(message: string, readonly offset: number) { super(message); }
}

export interface ResourcesEntry { name: string; /** the string value, or null for values of other types */ value: string | null }

class Reader {
  constructor(readonly b: Uint8Array, public p = 0) {}
  need(n: number, what: string): void {
    if (this.p < 0 || this.p + n > this.b.length) throw new ResourcesFormatError(`${what} needs ${n} bytes at offset ${this.p}, beyond the ${this.b.length}-byte resource`, this.p);
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.b[this.p]! | (this.b[this.p + 1]! << 8) | (this.b[this.p + 2]! << 16) | (this.b[this.p + 3]! << 24);
    this.p += 4;
    return v;
  }
  /** BinaryWriter's 7-bit encoded integer. */
  int7(what: string): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1, what);
      const c = this.b[this.p++]!;
      v |= (c & 0x7f) << shift;
      if ((c & 0x80) === 0) return v >>> 0;
    }
    throw new ResourcesFormatError(`${what}: a 7-bit encoded integer longer than 5 bytes`, this.p - 5);
  }
  text(enc: 'utf8' | 'utf16le', max: number, what: string): string {
    const at = this.p;
    const n = this.int7(what);
    if (n > max) throw new ResourcesFormatError(`${what} of ${n} bytes at offset ${at} (more than ${max})`, at);
    this.need(n, what);
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.p, n).toString(enc);
    this.p += n;
    return s;
  }
}

export function isResourcesFile(b: Uint8Array): boolean {
  return b.length >= 4 && (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0 === RESOURCES_MAGIC;
}

/** The entries of a .resources file, at most `max` of them, each string cut to `maxChars`. */
export function readResourcesFile(b: Uint8Array, max: number, maxChars: number): ResourcesEntry[] {
  const r = new Reader(b);
  if ((r.i32('the magic') >>> 0) !== RESOURCES_MAGIC) throw new ResourcesFormatError('not a .resources file (no 0xBEEFCACE magic)', 0);
  r.i32('the manager header version');
  const skip = r.i32('the manager header length');
  r.need(skip, 'the manager header');
  r.p += skip;
  r.i32('the reader version');
  const count = r.i32('the resource count');
  if (count < 0 || count > MAX_RESOURCES) throw new ResourcesFormatError(`${count} resources (more than ${MAX_RESOURCES})`, r.p - 4);
  const types = r.i32('the type count');
  if (types < 0 || types > MAX_TYPES) throw new ResourcesFormatError(`${types} resource types (more than ${MAX_TYPES})`, r.p - 4);
  for (let i = 0; i < types; i++) r.text('utf8', 1024, 'a type name');
  // Aligned to 8 bytes with the letters of 'PAD'.
  while (r.p % 8 !== 0 && r.p < b.length && (b[r.p] === 0x50 || b[r.p] === 0x41 || b[r.p] === 0x44)) r.p++;
  r.p += 8 * count; // name hashes, then name positions
  r.need(0, 'the name hashes and positions');
  const dataSection = r.i32('the data section offset');
  const names = r.p;
  const out: ResourcesEntry[] = [];
  for (let i = 0; i < Math.min(count, max); i++) {
    const name = r.text('utf16le', 2 * maxChars + 2, 'a resource name');
    const dataOffset = r.i32('a data offset');
    const d = new Reader(b, dataSection + dataOffset);
    if (d.p < names || d.p >= b.length) throw new ResourcesFormatError(`resource '${name}': data offset ${dataOffset} lies outside the data section`, r.p - 4);
    const type = d.int7('a type code');
    // Type code 1 is a string (ResourceTypeCode.String); other codes are numbers, dates, byte streams and serialised objects.
    const value = type === 1 ? d.text('utf8', 16 * 1024 * 1024, `the value of '${name}'`).slice(0, maxChars) : null;
    out.push({ name: name.slice(0, maxChars), value });
  }
  return out;
}
