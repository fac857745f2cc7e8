// Zip archives read in place: the central directory, then each member inflated as a stream with
// limits against zip bombs (size, ratio, member count) and names checked for path tricks. Members
// are never written under their own names: a reader gets a temporary file it deletes after use.
import { closeSync, createReadStream, createWriteStream, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createInflateRaw } from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const ZIP_LIMITS = {
  members: 100_000,
  memberBytes: 4 * 1024 ** 3,
  totalBytes: 16 * 1024 ** 3,
  /** uncompressed / compressed above this, for members over 1 MiB, is treated as a bomb */
  ratio: 200,
};

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** why the name is unsafe (absolute, `..`, drive letter), if it is */
  unsafeName?: string;
}

export type ZipDirectory = { members: ZipMember[]; problems: { offset: number; message: string }[] };

const EOCD = 0x06054b50, CEN = 0x02014b50, LOC = 0x04034b50, EOCD64_LOC = 0x07064b50, EOCD64 = 0x06064b50;

/** `PK\3\4` (a first member) or `PK\5\6` (an empty archive). */
export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06));
}

function unsafe(name: string): string | undefined {
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/') || /^[A-Za-z]:/.test(n)) return 'absolute path';
  if (n.split('/').includes('..')) return "path climbs out with '..'";
  if (n.includes('\0')) return 'NUL in the name';
  return undefined;
}

/** Read the central directory (zip64 aware). Throws with a clear message when there is none. */
export function readZipDirectory(path: string): ZipDirectory {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const tailLen = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail, 0, tailLen, size - tailLen);
    let e = -1;
    for (let i = tailLen - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) { e = i; break; }
    if (e < 0) throw new Error('no zip end-of-central-directory record (truncated or not a zip)');
    let count = tail.readUInt16LE(e + 10);
    let cdSize = tail.readUInt32LE(e + 12);
    let cdOffset = tail.readUInt32LE(e + 16);
    if (e >= 20 && tail.readUInt32LE(e - 20) === EOCD64_LOC) {
      const b = Buffer.alloc(56);
      const at = Number(tail.readBigUInt64LE(e - 20 + 8));
      readSync(fd, b, 0, 56, at);
      if (b.readUInt32LE(0) === EOCD64) {
        count = Number(b.readBigUInt64LE(32));
        cdSize = Number(b.readBigUInt64LE(40));
        cdOffset = Number(b.readBigUInt64LE(48));
      }
    }
    if (count > ZIP_LIMITS.members) throw new Error(`zip declares ${count} members, over the limit of ${ZIP_LIMITS.members}`);
    if (cdOffset + cdSize > size || cdSize > 512 * 1024 * 1024) throw new Error(`central directory (offset ${cdOffset}, ${cdSize} bytes) lies outside the file`);
    const cd = Buffer.alloc(cdSize);
    readSync(fd, cd, 0, cdSize, cdOffset);
    const out: ZipDirectory = { members: [], problems: [] };
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CEN) { out.problems.push({ offset: cdOffset + p, message: `central directory entry ${i} is damaged; the rest is not read` }); break; }
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20), usize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
      // zip64 extra field: the 64-bit values replace the ones set to 0xffffffff, in order.
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd && x + 4 <= cd.length) {
        const id = cd.readUInt16LE(x), len = cd.readUInt16LE(x + 2);
        if (id === 1) {
          let q = x + 4;
          if (usize === 0xffffffff && q + 8 <= x + 4 + len) { usize = Number(cd.readBigUInt64LE(q)); q += 8; }
          if (compressedSize === 0xffffffff && q + 8 <= x + 4 + len) { compressedSize = Number(cd.readBigUInt64LE(q)); q += 8; }
          if (localOffset === 0xffffffff && q + 8 <= x + 4 + len) localOffset = Number(cd.readBigUInt64LE(q));
        }
        x += 4 + len;
      }
      p += 46 + nameLen + extraLen + commentLen;
      if (name.endsWith('/')) continue; // a folder
      const m: ZipMember = { name, method, compressedSize, size: usize, localOffset };
      const why = unsafe(name);
      if (why) m.unsafeName = why;
      out.members.push(m);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

class Limit extends Transform {
  private n = 0;
  constructor(private max: number, private what: string) { super(); }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.n += chunk.length;
    if (this.n > this.max) cb(new Error(`${this.what} (more than ${this.max} bytes); not read`));
    else cb(null, chunk);
  }
}

/**
 * Inflate one member into a temporary file and hand its path to `use`; the file is removed after.
 * The output is capped at the declared size and at the limits, whatever the data claims.
 */
export async function withMember<T>(zipPath: string, m: ZipMember, use: (tmpPath: string) => Promise<T>): Promise<T> {
  if (m.method !== 0 && m.method !== 8) throw new Error(`compression method ${m.method} is not supported (only stored and deflate)`);
  if (m.size > ZIP_LIMITS.memberBytes) throw new Error(`member declares ${m.size} bytes, over the ${ZIP_LIMITS.memberBytes}-byte limit`);
  if (m.size > 1024 * 1024 && m.compressedSize > 0 && m.size / m.compressedSize > ZIP_LIMITS.ratio) throw new Error(`compression ratio ${Math.round(m.size / m.compressedSize)}:1 looks like a zip bomb; not read`);
  const fd = openSync(zipPath, 'r');
  let dataStart: number;
  try {
    const loc = Buffer.alloc(30);
    readSync(fd, loc, 0, 30, m.localOffset);
    if (loc.readUInt32LE(0) !== LOC) throw new Error(`no local header at offset ${m.localOffset}`);
    dataStart = m.localOffset + 30 + loc.readUInt16LE(26) + loc.readUInt16LE(28);
  } finally {
    closeSync(fd);
  }
  const dir = mkdtempSync(join(tmpdir(), 'th-zip-'));
  const tmp = join(dir, 'member');
  try {
    const cap = new Limit(m.size, 'member inflates past its declared size');
    if (m.compressedSize === 0) await pipeline(Readable.from([]), createWriteStream(tmp));
    else {
      const src = createReadStream(zipPath, { start: dataStart, end: dataStart + m.compressedSize - 1 });
      if (m.method === 8) await pipeline(src, createInflateRaw(), cap, createWriteStream(tmp));
      else await pipeline(src, cap, createWriteStream(tmp));
    }
    return await use(tmp);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
