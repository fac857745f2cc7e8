// A tiny EVTX assembler for unit tests: writes chunk headers, records and BinXML token streams
// byte by byte, so each decoder feature can be exercised on inputs whose every byte is known.
import { crc32 } from '../../../src/sources/evtx/crc32.js';

export const T = {
  NULL: 0x00, STRING: 0x01, ANSI: 0x02, INT8: 0x03, UINT8: 0x04, INT16: 0x05, UINT16: 0x06, INT32: 0x07, UINT32: 0x08,
  INT64: 0x09, UINT64: 0x0a, REAL32: 0x0b, REAL64: 0x0c, BOOL: 0x0d, BINARY: 0x0e, GUID: 0x0f, SIZET: 0x10,
  FILETIME: 0x11, SYSTEMTIME: 0x12, SID: 0x13, HEXINT32: 0x14, HEXINT64: 0x15, EVTHANDLE: 0x20, BINXML: 0x21, ARRAY: 0x80,
} as const;

export function utf16(s: string, nul = false): Buffer {
  return Buffer.from(nul ? s + '\0' : s, 'utf16le');
}
export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}
export function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
export function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}
/** FILETIME ticks for an ISO date plus extra 100 ns ticks. */
export function filetime(iso: string, extraTicks = 0n): bigint {
  return (BigInt(Date.parse(iso)) + 11644473600000n) * 10000n + extraTicks;
}

export interface ElementOpts {
  attrs?: boolean;
  /** dependency identifier; default 0xffff; null = field absent (template-less records) */
  dep?: number | null;
}

/** Writes BinXML into a chunk buffer at absolute chunk offsets (names and templates refer to them). */
export class Bx {
  constructor(
    readonly chunk: ChunkWriter,
  ) {}
  get pos(): number {
    return this.chunk.pos;
  }
  raw(b: Buffer | number[]): this {
    this.chunk.write(Buffer.isBuffer(b) ? b : Buffer.from(b));
    return this;
  }
  fragmentHeader(): this {
    return this.raw([0x0f, 0x01, 0x01, 0x00]);
  }
  eof(): this {
    return this.raw([0x00]);
  }
  /** name reference: inline the first time a name is used in the chunk, by offset afterwards */
  nameRef(name: string): this {
    const known = this.chunk.names.get(name);
    if (known !== undefined) return this.raw(u32(known));
    const at = this.pos + 4;
    this.chunk.names.set(name, at);
    return this.raw(u32(at)).raw(u32(0)).raw(u16(0)).raw(u16(name.length)).raw(utf16(name, true));
  }
  open(name: string, o: ElementOpts = {}): this {
    this.raw([o.attrs ? 0x41 : 0x01]);
    if (o.dep !== null) this.raw(u16(o.dep ?? 0xffff));
    this.raw(u32(0)); // data size (not used by decoders)
    this.nameRef(name);
    if (o.attrs) this.raw(u32(0)); // attribute list size
    return this;
  }
  attr(name: string, more = false): this {
    return this.raw([more ? 0x46 : 0x06]).nameRef(name);
  }
  closeStart(): this {
    return this.raw([0x02]);
  }
  closeEmpty(): this {
    return this.raw([0x03]);
  }
  end(): this {
    return this.raw([0x04]);
  }
  text(s: string): this {
    return this.raw([0x05, 0x01]).raw(u16(s.length)).raw(utf16(s));
  }
  subst(index: number, type: number, optional = false): this {
    return this.raw([optional ? 0x0e : 0x0d]).raw(u16(index)).raw([type]);
  }
  charRef(code: number): this {
    return this.raw([0x08]).raw(u16(code));
  }
  entity(name: string): this {
    return this.raw([0x09]).nameRef(name);
  }
  cdata(s: string): this {
    return this.raw([0x07]).raw(u16(s.length)).raw(utf16(s));
  }
  pi(target: string, data: string): this {
    this.raw([0x0a]).nameRef(target);
    return this.raw([0x0b]).raw(u16(data.length)).raw(utf16(data));
  }
  /** `<name>{subst}</name>` */
  leaf(name: string, index: number, type: number, optional = true, dep?: number): this {
    return this.open(name, { dep: dep ?? 0xffff }).closeStart().subst(index, type, optional).end();
  }
  /**
   * Template instance. `def` writes the template body (fragment header, element, EOF are added
   * around it); pass a number instead to refer to a template defined earlier at that offset.
   */
  instance(def: ((b: Bx) => void) | number, values: [number, Buffer][]): number {
    this.raw([0x0c, 0x01]).raw(u32(0x1234));
    let defOff: number;
    if (typeof def === 'number') {
      defOff = def;
      this.raw(u32(defOff));
    } else {
      defOff = this.pos + 4;
      this.raw(u32(defOff));
      this.raw(u32(0)); // next template offset
      this.raw(Buffer.alloc(16, 0xab)); // GUID
      const sizeAt = this.pos;
      this.raw(u32(0));
      const start = this.pos;
      this.fragmentHeader();
      def(this);
      this.eof();
      this.chunk.buf.writeUInt32LE(this.pos - start, sizeAt);
    }
    this.raw(u32(values.length));
    for (const [t, v] of values) this.raw(u16(v.length)).raw([t, 0]);
    for (const [, v] of values) this.raw(v);
    return defOff;
  }
}

export interface RecordOpts {
  id?: number;
  time?: bigint;
  /** overwrite the size field */
  size?: number;
  /** overwrite the trailing size copy */
  sizeCopy?: number;
  magic?: number;
}

export class ChunkWriter {
  buf = Buffer.alloc(65536);
  pos = 512;
  names = new Map<string, number>();
  firstId = 0;
  lastId = 0;
  lastRecordOffset = 0;
  count = 0;

  write(b: Buffer): void {
    if (this.pos + b.length > this.buf.length) throw new Error('chunk overflow in test assembler');
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Appends a record whose BinXML is written by `body`; returns the record's chunk offset. */
  record(body: (b: Bx) => void, o: RecordOpts = {}): number {
    const start = this.pos;
    const id = o.id ?? this.lastId + 1;
    this.write(u32(o.magic ?? 0x2a2a));
    this.write(u32(0));
    this.write(u64(BigInt(id)));
    this.write(u64(o.time ?? filetime('2024-01-02T03:04:05.000Z', 1234567n)));
    body(new Bx(this));
    while ((this.pos - start + 4) % 8 !== 0) this.write(Buffer.from([0]));
    const size = this.pos - start + 4;
    this.write(u32(o.sizeCopy ?? size));
    this.buf.writeUInt32LE(o.size ?? size, start + 4);
    if (this.count === 0) this.firstId = id;
    this.lastId = id;
    this.lastRecordOffset = start;
    this.count++;
    return start;
  }

  /** Fills the chunk header (record numbers, offsets, CRCs) and returns the 64 KiB chunk. */
  finish(o: { freeSpace?: number; badHeaderCrc?: boolean; badDataCrc?: boolean; flags?: number } = {}): Buffer {
    const b = this.buf;
    b.write('ElfChnk\0', 0, 'latin1');
    b.writeBigUInt64LE(BigInt(this.firstId || 1), 8);
    b.writeBigUInt64LE(BigInt(this.lastId || 1), 16);
    b.writeBigUInt64LE(BigInt(this.firstId || 1), 24);
    b.writeBigUInt64LE(BigInt(this.lastId || 1), 32);
    b.writeUInt32LE(128, 40);
    b.writeUInt32LE(this.lastRecordOffset, 44);
    const free = o.freeSpace ?? this.pos;
    b.writeUInt32LE(free, 48);
    b.writeUInt32LE(o.flags ?? 0, 120);
    const dataCrc = crc32(b, 512, Math.min(Math.max(free, 512), 65536));
    b.writeUInt32LE(o.badDataCrc ? (dataCrc ^ 1) >>> 0 : dataCrc, 52);
    const headerCrc = crc32(b, 128, 512, crc32(b, 0, 120));
    b.writeUInt32LE(o.badHeaderCrc ? (headerCrc ^ 1) >>> 0 : headerCrc, 124);
    return b;
  }
}

/** A 4096-byte file header. */
export function fileHeader(o: { chunks?: number; flags?: number; major?: number; minor?: number; badCrc?: boolean; nextRecordId?: number } = {}): Buffer {
  const b = Buffer.alloc(4096);
  b.write('ElfFile\0', 0, 'latin1');
  b.writeBigUInt64LE(0n, 8);
  b.writeBigUInt64LE(BigInt(Math.max(0, (o.chunks ?? 1) - 1)), 16);
  b.writeBigUInt64LE(BigInt(o.nextRecordId ?? 1), 24);
  b.writeUInt32LE(128, 32);
  b.writeUInt16LE(o.minor ?? 1, 36);
  b.writeUInt16LE(o.major ?? 3, 38);
  b.writeUInt16LE(4096, 40);
  b.writeUInt16LE(o.chunks ?? 1, 42);
  b.writeUInt32LE(o.flags ?? 0, 120);
  const c = crc32(b, 0, 120);
  b.writeUInt32LE(o.badCrc ? (c ^ 0xff) >>> 0 : c, 124);
  return b;
}

/** A System-like template body used by several tests. Substitutions: 0 EventID u16, 1 Provider name string, 2 time filetime, 3 record id u64, 4 optional UserID sid. */
export function systemTemplate(b: Bx, eventData: (b: Bx) => void): void {
  b.open('Event', { attrs: true }).attr('xmlns').text('http://schemas.microsoft.com/win/2004/08/events/event').closeStart();
  b.open('System').closeStart();
  b.open('Provider', { attrs: true }).attr('Name').subst(1, T.STRING, true).closeEmpty();
  b.leaf('EventID', 0, T.UINT16);
  b.open('TimeCreated', { attrs: true }).attr('SystemTime').subst(2, T.FILETIME, true).closeEmpty();
  b.leaf('EventRecordID', 3, T.UINT64);
  b.open('Security', { attrs: true }).attr('UserID').subst(4, T.SID, true).closeEmpty();
  b.end(); // System
  eventData(b);
  b.end(); // Event
}
