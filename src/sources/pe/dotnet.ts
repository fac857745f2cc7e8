// .NET metadata reader (ECMA-335 partition II, sections 24 and 22): CLI header, metadata root,
// stream headers, the #~ table stream, and the tables that say what an assembly is, what it
// references, which types it defines (with their base chains) and which native entry points it
// imports. Every read is checked against its stream; malformed metadata throws PeError.
import { createHash } from 'node:crypto';
import { DIR, PeError, rvaToOffset, Span, type PeImage } from './pe.js';

export interface AssemblyIdentity { name: string; version: string; culture: string; publicKeyToken: string | null }

export interface DotNetType {
  namespace: string;
  name: string;
  fullName: string;
  flags: number;
  isPublic: boolean;
  isAbstract: boolean;
  /** full name of the direct base type, or null (System.Object's own, interfaces, <Module>) */
  extends: string | null;
  /** the base chain from the direct base upwards while bases are defined in this assembly, ending with the first external base (a TypeRef) */
  chain: string[];
  /** resolution scope (assembly name) of the external base that ends the chain, null when the chain ends inside the assembly */
  externalBaseScope: string | null;
}

export type AgentFactoryBase = 'SmtpReceiveAgentFactory' | 'RoutingAgentFactory' | 'DeliveryAgentFactory';

export const AGENT_FACTORY_BASES: Record<string, AgentFactoryBase> = {
  'Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgentFactory': 'SmtpReceiveAgentFactory',
  'Microsoft.Exchange.Data.Transport.Routing.RoutingAgentFactory': 'RoutingAgentFactory',
  'Microsoft.Exchange.Data.Transport.Delivery.DeliveryAgentFactory': 'DeliveryAgentFactory',
};

export interface DotNetInfo {
  runtimeVersion: string;
  module: string | null;
  assembly: AssemblyIdentity | null;
  references: AssemblyIdentity[];
  types: DotNetType[];
  typeRefs: { namespace: string; name: string; fullName: string; scope: string | null }[];
  moduleRefs: string[];
  pinvokes: { module: string; entry: string }[];
  /** types whose chain reaches one of AGENT_FACTORY_BASES (directly or through in-assembly intermediates) */
  agentFactories: { type: string; base: AgentFactoryBase; isAbstract: boolean }[];
  /** references to assemblies named Microsoft.Exchange.* */
  exchangeReferences: AssemblyIdentity[];
}

export const MAX_TABLE_ROWS = 1_000_000;
export const MAX_HEAP_STRING = 1024;
const MAX_STREAMS = 32;
const MAX_NESTING = 64;
/** In-assembly base chains deeper than this are refused (it also bounds the work per type). */
const MAX_CHAIN = 64;

// Table numbers (II.22).
export const T = {
  Module: 0x00, TypeRef: 0x01, TypeDef: 0x02, FieldPtr: 0x03, Field: 0x04, MethodPtr: 0x05, MethodDef: 0x06,
  ParamPtr: 0x07, Param: 0x08, InterfaceImpl: 0x09, MemberRef: 0x0a, Constant: 0x0b, CustomAttribute: 0x0c,
  FieldMarshal: 0x0d, DeclSecurity: 0x0e, ClassLayout: 0x0f, FieldLayout: 0x10, StandAloneSig: 0x11,
  EventMap: 0x12, EventPtr: 0x13, Event: 0x14, PropertyMap: 0x15, PropertyPtr: 0x16, Property: 0x17,
  MethodSemantics: 0x18, MethodImpl: 0x19, ModuleRef: 0x1a, TypeSpec: 0x1b, ImplMap: 0x1c, FieldRVA: 0x1d,
  EncLog: 0x1e, EncMap: 0x1f, Assembly: 0x20, AssemblyProcessor: 0x21, AssemblyOS: 0x22, AssemblyRef: 0x23,
  AssemblyRefProcessor: 0x24, AssemblyRefOS: 0x25, File: 0x26, ExportedType: 0x27, ManifestResource: 0x28,
  NestedClass: 0x29, GenericParam: 0x2a, MethodSpec: 0x2b, GenericParamConstraint: 0x2c,
} as const;
const TABLE_COUNT = 0x2d;

// Coded index kinds (II.24.2.6): the tables each tag selects, in tag order; -1 marks an unused tag.
const CODED = {
  TypeDefOrRef: [T.TypeDef, T.TypeRef, T.TypeSpec],
  HasConstant: [T.Field, T.Param, T.Property],
  HasCustomAttribute: [T.MethodDef, T.Field, T.TypeRef, T.TypeDef, T.Param, T.InterfaceImpl, T.MemberRef, T.Module,
    T.DeclSecurity, T.Property, T.Event, T.StandAloneSig, T.ModuleRef, T.TypeSpec, T.Assembly, T.AssemblyRef, T.File,
    T.ExportedType, T.ManifestResource, T.GenericParam, T.GenericParamConstraint, T.MethodSpec],
  HasFieldMarshal: [T.Field, T.Param],
  HasDeclSecurity: [T.TypeDef, T.MethodDef, T.Assembly],
  MemberRefParent: [T.TypeDef, T.TypeRef, T.ModuleRef, T.MethodDef, T.TypeSpec],
  HasSemantics: [T.Event, T.Property],
  MethodDefOrRef: [T.MethodDef, T.MemberRef],
  MemberForwarded: [T.Field, T.MethodDef],
  Implementation: [T.File, T.AssemblyRef, T.ExportedType],
  CustomAttributeType: [-1, -1, T.MethodDef, T.MemberRef, -1],
  ResolutionScope: [T.Module, T.ModuleRef, T.AssemblyRef, T.TypeRef],
  TypeOrMethodDef: [T.TypeDef, T.MethodDef],
} as const;
type CodedKind = keyof typeof CODED;

/** A column: fixed width in bytes, a heap index, a simple index into a table, or a coded index. */
type Col = 1 | 2 | 4 | 'str' | 'guid' | 'blob' | { table: number } | { coded: CodedKind };
const str = 'str', guid = 'guid', blob = 'blob';
const idx = (table: number): Col => ({ table });
const coded = (kind: CodedKind): Col => ({ coded: kind });

// Column layouts of every table 0x00..0x2C (II.22.2 - II.22.39).
const SCHEMA: Col[][] = [
  /* Module */ [2, str, guid, guid, guid],
  /* TypeRef */ [coded('ResolutionScope'), str, str],
  /* TypeDef */ [4, str, str, coded('TypeDefOrRef'), idx(T.Field), idx(T.MethodDef)],
  /* FieldPtr */ [idx(T.Field)],
  /* Field */ [2, str, blob],
  /* MethodPtr */ [idx(T.MethodDef)],
  /* MethodDef */ [4, 2, 2, str, blob, idx(T.Param)],
  /* ParamPtr */ [idx(T.Param)],
  /* Param */ [2, 2, str],
  /* InterfaceImpl */ [idx(T.TypeDef), coded('TypeDefOrRef')],
  /* MemberRef */ [coded('MemberRefParent'), str, blob],
  /* Constant */ [2, coded('HasConstant'), blob], // a type byte and a padding byte
  /* CustomAttribute */ [coded('HasCustomAttribute'), coded('CustomAttributeType'), blob],
  /* FieldMarshal */ [coded('HasFieldMarshal'), blob],
  /* DeclSecurity */ [2, coded('HasDeclSecurity'), blob],
  /* ClassLayout */ [2, 4, idx(T.TypeDef)],
  /* FieldLayout */ [4, idx(T.Field)],
  /* StandAloneSig */ [blob],
  /* EventMap */ [idx(T.TypeDef), idx(T.Event)],
  /* EventPtr */ [idx(T.Event)],
  /* Event */ [2, str, coded('TypeDefOrRef')],
  /* PropertyMap */ [idx(T.TypeDef), idx(T.Property)],
  /* PropertyPtr */ [idx(T.Property)],
  /* Property */ [2, str, blob],
  /* MethodSemantics */ [2, idx(T.MethodDef), coded('HasSemantics')],
  /* MethodImpl */ [idx(T.TypeDef), coded('MethodDefOrRef'), coded('MethodDefOrRef')],
  /* ModuleRef */ [str],
  /* TypeSpec */ [blob],
  /* ImplMap */ [2, coded('MemberForwarded'), str, idx(T.ModuleRef)],
  /* FieldRVA */ [4, idx(T.Field)],
  /* EncLog */ [4, 4],
  /* EncMap */ [4],
  /* Assembly */ [4, 2, 2, 2, 2, 4, blob, str, str],
  /* AssemblyProcessor */ [4],
  /* AssemblyOS */ [4, 4, 4],
  /* AssemblyRef */ [2, 2, 2, 2, 4, blob, str, str, blob],
  /* AssemblyRefProcessor */ [4, idx(T.AssemblyRef)],
  /* AssemblyRefOS */ [4, 4, 4, idx(T.AssemblyRef)],
  /* File */ [4, str, blob],
  /* ExportedType */ [4, 4, str, str, coded('Implementation')],
  /* ManifestResource */ [4, 4, str, coded('Implementation')],
  /* NestedClass */ [idx(T.TypeDef), idx(T.TypeDef)],
  /* GenericParam */ [2, 2, coded('TypeOrMethodDef'), str],
  /* MethodSpec */ [coded('MethodDefOrRef'), blob],
  /* GenericParamConstraint */ [idx(T.GenericParam), coded('TypeDefOrRef')],
];

/** File offset of an RVA range, or PeError naming the directory it came from. */
function rvaSpan(pe: PeImage, rva: number, size: number, what: string, at: number): Span {
  const off = rvaToOffset(pe, rva);
  if (off === null) throw new PeError(`${what}: RVA 0x${rva.toString(16)} is not in any section`, at);
  const file = new Span(pe.bytes, 0, pe.bytes.length, 'file');
  return file.sub(off, size, what);
}

interface Table { rows: number; offset: number; rowSize: number; columnOffsets: number[]; widths: number[]; rowCountOffset: number }

/** Where the metadata lives in the file. */
export interface MetadataLayout {
  /** file offset of the metadata root ('BSJB') */
  metadataOffset: number;
  runtimeVersion: string;
  /** file offset of the #~ (or #-) stream */
  tableStreamOffset: number;
  /** present tables by number: row count (and the file offset of that count), first row, row size and column offsets within a row */
  tables: Map<number, { rows: number; rowCountOffset: number; offset: number; rowSize: number; columnOffsets: number[] }>;
}

export class Metadata {
  readonly tables: (Table | undefined)[] = [];
  strings: Span | null = null;
  blobs: Span | null = null;
  /** the #US (user string) heap: the string literals of the code */
  userStrings: Span | null = null;
  /** the CLI header's Resources directory (where embedded manifest resources lie), as RVA and size */
  resources: { rva: number; size: number; at: number } = { rva: 0, size: 0, at: 0 };
  runtimeVersion = '';
  metadataOffset = 0;
  tableStreamOffset = 0;
  private ts: Span;

  constructor(readonly pe: PeImage, cli: { rva: number; size: number }, cliDirOffset: number) {
    this.ts = new Span(pe.bytes, 0, 0, '#~ stream');
    const header = rvaSpan(pe, cli.rva, 72, 'the CLI header', cliDirOffset);
    const mdRva = header.u32(header.start + 8, 'the metadata directory RVA');
    const mdSize = header.u32(header.start + 12, 'the metadata directory size');
    this.resources = { rva: header.u32(header.start + 24, 'the resources RVA'), size: header.u32(header.start + 28, 'the resources size'), at: header.start + 24 };
    if (mdSize < 32) throw new PeError(`the metadata directory is ${mdSize} bytes, too small for a metadata root`, header.start + 12);
    const md = rvaSpan(pe, mdRva, mdSize, 'the metadata', header.start + 8);
    this.metadataOffset = md.start;
    this.readRoot(md);
  }

  private readRoot(md: Span): void {
    let p = md.start;
    if (md.u32(p, 'the metadata signature') !== 0x424a5342) throw new PeError(`no metadata signature (BSJB) at offset ${p}`, p);
    const verLen = md.u32(p + 12, 'the metadata version length');
    if (verLen > 256) throw new PeError(`metadata version string of ${verLen} bytes (more than 256)`, p + 12);
    md.need(p + 16, verLen, 'the metadata version string');
    let v = '';
    for (let i = 0; i < verLen && md.bytes[p + 16 + i] !== 0; i++) v += String.fromCharCode(md.bytes[p + 16 + i]!);
    this.runtimeVersion = v;
    p += 16 + ((verLen + 3) & ~3);
    const nStreams = md.u16(p + 2, 'the stream count');
    if (nStreams > MAX_STREAMS) throw new PeError(`${nStreams} metadata streams (more than ${MAX_STREAMS})`, p + 2);
    p += 4;
    let tables: Span | null = null;
    for (let i = 0; i < nStreams; i++) {
      const off = md.u32(p, 'a stream header offset');
      const size = md.u32(p + 4, 'a stream header size');
      let name = '';
      let q = p + 8;
      for (;;) {
        const c = md.u8(q++, 'a stream name');
        if (c === 0) break;
        if (name.length >= 32) throw new PeError('a stream name longer than 32 characters', p + 8);
        name += String.fromCharCode(c);
      }
      const at = p;
      p = p + 8 + ((q - (p + 8) + 3) & ~3);
      if (off > md.end - md.start || size > md.end - md.start - off) {
        throw new PeError(`stream ${name} (offset ${off}, ${size} bytes) lies outside the ${md.end - md.start}-byte metadata`, at);
      }
      const s = new Span(md.bytes, md.start + off, md.start + off + size, `${name} stream`);
      // The first stream of a name wins, as in the CLR.
      if ((name === '#~' || name === '#-') && tables === null) tables = s;
      else if (name === '#Strings' && this.strings === null) this.strings = s;
      else if (name === '#Blob' && this.blobs === null) this.blobs = s;
      else if (name === '#US' && this.userStrings === null) this.userStrings = s;
    }
    if (tables === null) throw new PeError('the metadata has no #~ table stream', md.start);
    this.readTables(tables);
  }

  private readTables(ts: Span): void {
    this.ts = ts;
    this.tableStreamOffset = ts.start;
    const heapSizes = ts.u8(ts.start + 6, 'the heap sizes');
    const validLo = ts.u32(ts.start + 8, 'the valid tables mask');
    const validHi = ts.u32(ts.start + 12, 'the valid tables mask');
    const rows: number[] = new Array<number>(TABLE_COUNT).fill(0);
    const rowCountAt: number[] = new Array<number>(TABLE_COUNT).fill(-1);
    let p = ts.start + 24;
    for (let t = 0; t < 64; t++) {
      const present = t < 32 ? (validLo >>> t) & 1 : (validHi >>> (t - 32)) & 1;
      if (!present) continue;
      if (t >= TABLE_COUNT) throw new PeError(`the valid mask names table 0x${t.toString(16)}, which ECMA-335 does not define`, ts.start + 8);
      const n = ts.u32(p, 'a table row count');
      if (n > MAX_TABLE_ROWS) throw new PeError(`table 0x${t.toString(16)} claims ${n} rows (more than ${MAX_TABLE_ROWS})`, p);
      rows[t] = n;
      rowCountAt[t] = p;
      p += 4;
    }
    if (heapSizes & 0x40) p += 4; // CLR extension: an extra 4-byte value follows the row counts
    const strW = heapSizes & 0x01 ? 4 : 2, guidW = heapSizes & 0x02 ? 4 : 2, blobW = heapSizes & 0x04 ? 4 : 2;
    const width = (c: Col): number => {
      if (typeof c === 'number') return c;
      if (c === 'str') return strW;
      if (c === 'guid') return guidW;
      if (c === 'blob') return blobW;
      if ('table' in c) return rows[c.table]! < 0x10000 ? 2 : 4;
      const targets = CODED[c.coded];
      const bits = Math.ceil(Math.log2(targets.length));
      const most = Math.max(...targets.map((t) => (t < 0 ? 0 : rows[t]!)));
      return most < 2 ** (16 - bits) ? 2 : 4;
    };
    for (let t = 0; t < TABLE_COUNT; t++) {
      if (rowCountAt[t]! < 0) continue;
      const widths = SCHEMA[t]!.map(width);
      const columnOffsets: number[] = [];
      let rowSize = 0;
      for (const w of widths) { columnOffsets.push(rowSize); rowSize += w; }
      const bytes = rows[t]! * rowSize;
      if (p + bytes > ts.end) {
        throw new PeError(`table 0x${t.toString(16)} (${rows[t]} rows of ${rowSize} bytes at offset ${p}) runs past the end of the #~ stream at ${ts.end}`, rowCountAt[t]!);
      }
      this.tables[t] = { rows: rows[t]!, offset: p, rowSize, columnOffsets, widths, rowCountOffset: rowCountAt[t]! };
      p += bytes;
    }
  }

  rows(t: number): number { return this.tables[t]?.rows ?? 0; }

  /** Column `col` of row `row` (1-based) of table `t`. */
  cell(t: number, row: number, col: number): number {
    const tab = this.tables[t];
    if (tab === undefined || row < 1 || row > tab.rows) throw new PeError(`row ${row} of table 0x${t.toString(16)} does not exist`, this.tableStreamOffset);
    const off = this.cellOffset(t, row, col);
    return tab.widths[col] === 1 ? this.ts.u8(off, 'a table cell') : tab.widths[col] === 2 ? this.ts.u16(off, 'a table cell') : this.ts.u32(off, 'a table cell');
  }

  cellOffset(t: number, row: number, col: number): number {
    const tab = this.tables[t]!;
    return tab.offset + (row - 1) * tab.rowSize + tab.columnOffsets[col]!;
  }

  /** Splits a coded index into its table and 1-based row (0 for a null index). */
  decode(kind: CodedKind, value: number, at: number): { table: number; row: number } {
    const targets = CODED[kind];
    const bits = Math.ceil(Math.log2(targets.length));
    const tag = value & ((1 << bits) - 1);
    const table = targets[tag] ?? -1;
    if (table < 0) throw new PeError(`${kind} coded index has the unused tag ${tag}`, at);
    const row = value >>> bits;
    if (row > this.rows(table)) throw new PeError(`${kind} coded index points at row ${row} of table 0x${table.toString(16)}, which has ${this.rows(table)}`, at);
    return { table, row };
  }

  string(index: number, at: number): string {
    if (index === 0) return '';
    const h = this.strings;
    if (h === null) throw new PeError(`string index ${index} with no #Strings heap`, at);
    if (index >= h.end - h.start) throw new PeError(`string index ${index} is beyond the ${h.end - h.start}-byte #Strings heap`, at);
    const from = h.start + index;
    const limit = Math.min(h.end, from + MAX_HEAP_STRING + 1);
    let end = from;
    while (end < limit && h.bytes[end] !== 0) end++;
    if (end === limit) throw new PeError(`heap string at offset ${from} has no terminator within ${Math.min(MAX_HEAP_STRING, limit - from)} bytes`, from);
    return Buffer.from(h.bytes.buffer, h.bytes.byteOffset + from, end - from).toString('utf8');
  }

  blob(index: number, at: number): Uint8Array {
    const b = this.blobSpan(index, at);
    return b.bytes.subarray(b.start, b.end);
  }

  /** A blob as a span of file offsets. */
  blobSpan(index: number, at: number): Span {
    if (index === 0) return new Span(this.pe.bytes, 0, 0, 'empty blob');
    const h = this.blobs;
    if (h === null) throw new PeError(`blob index ${index} with no #Blob heap`, at);
    if (index >= h.end - h.start) throw new PeError(`blob index ${index} is beyond the ${h.end - h.start}-byte #Blob heap`, at);
    const p = h.start + index;
    const { value: len, size } = compressed(h, p, 'a blob length');
    return h.sub(p + size, len, 'a blob');
  }
}

/** ECMA-335 II.23.2 compressed unsigned integer: its value and how many bytes it took. */
export function compressed(s: Span, p: number, what: string): { value: number; size: number } {
  const b0 = s.u8(p, what);
  if ((b0 & 0x80) === 0) return { value: b0, size: 1 };
  if ((b0 & 0xc0) === 0x80) return { value: ((b0 & 0x3f) << 8) | s.u8(p + 1, what), size: 2 };
  if ((b0 & 0xe0) === 0xc0) {
    return { value: (((b0 & 0x1f) << 24) | (s.u8(p + 1, what) << 16) | (s.u8(p + 2, what) << 8) | s.u8(p + 3, what)) >>> 0, size: 4 };
  }
  throw new PeError(`${what}: invalid compressed integer lead byte 0x${b0.toString(16)}`, p);
}

export function openMetadata(pe: PeImage): Metadata | null {
  const cli = pe.dirs[DIR.clr];
  if (cli === undefined || cli.rva === 0 || cli.size === 0) return null;
  const dirOffset = pe.securityDirOffset >= 0 ? pe.securityDirOffset + (DIR.clr - DIR.security) * 8 : pe.peOffset;
  return new Metadata(pe, cli, dirOffset);
}

/** The metadata's location and table layout, or null without a CLR header (for diagnostics and tests). */
export function metadataLayout(pe: PeImage): MetadataLayout | null {
  const md = openMetadata(pe);
  if (md === null) return null;
  const tables = new Map<number, { rows: number; rowCountOffset: number; offset: number; rowSize: number; columnOffsets: number[] }>();
  md.tables.forEach((t, i) => {
    if (t !== undefined) tables.set(i, { rows: t.rows, rowCountOffset: t.rowCountOffset, offset: t.offset, rowSize: t.rowSize, columnOffsets: t.columnOffsets });
  });
  return { metadataOffset: md.metadataOffset, runtimeVersion: md.runtimeVersion, tableStreamOffset: md.tableStreamOffset, tables };
}

const dotted = (ns: string, name: string) => (ns === '' ? name : `${ns}.${name}`);
/** Generic type names carry an arity suffix (`Name`1`); the factory bases are matched without it. */
const withoutArity = (fullName: string) => fullName.replace(/`\d+$/, '');

function publicKeyToken(key: Uint8Array): string | null {
  if (key.length === 0) return null;
  const hash = createHash('sha1').update(key).digest();
  return Buffer.from(hash.subarray(hash.length - 8)).reverse().toString('hex');
}

export function readDotNet(pe: PeImage): DotNetInfo | null {
  const md = openMetadata(pe);
  if (md === null) return null;

  const module = md.rows(T.Module) > 0 ? md.string(md.cell(T.Module, 1, 1), md.cellOffset(T.Module, 1, 1)) : null;

  let assembly: AssemblyIdentity | null = null;
  if (md.rows(T.Assembly) > 0) {
    const c = (col: number) => md.cell(T.Assembly, 1, col);
    const at = (col: number) => md.cellOffset(T.Assembly, 1, col);
    assembly = {
      name: md.string(c(7), at(7)),
      version: `${c(1)}.${c(2)}.${c(3)}.${c(4)}`,
      culture: md.string(c(8), at(8)),
      publicKeyToken: publicKeyToken(md.blob(c(6), at(6))),
    };
  }

  const references: AssemblyIdentity[] = [];
  for (let r = 1; r <= md.rows(T.AssemblyRef); r++) {
    const c = (col: number) => md.cell(T.AssemblyRef, r, col);
    const at = (col: number) => md.cellOffset(T.AssemblyRef, r, col);
    const key = md.blob(c(5), at(5));
    // Flag 0x0001: the blob is the full public key rather than its token.
    const token = c(4) & 0x0001 ? publicKeyToken(key) : key.length === 0 ? null : Buffer.from(key).toString('hex');
    references.push({ name: md.string(c(6), at(6)), version: `${c(0)}.${c(1)}.${c(2)}.${c(3)}`, culture: md.string(c(7), at(7)), publicKeyToken: token });
  }

  const moduleRefs: string[] = [];
  for (let r = 1; r <= md.rows(T.ModuleRef); r++) moduleRefs.push(md.string(md.cell(T.ModuleRef, r, 0), md.cellOffset(T.ModuleRef, r, 0)));

  const pinvokes: { module: string; entry: string }[] = [];
  for (let r = 1; r <= md.rows(T.ImplMap); r++) {
    const entry = md.string(md.cell(T.ImplMap, r, 2), md.cellOffset(T.ImplMap, r, 2));
    const scope = md.cell(T.ImplMap, r, 3);
    if (scope < 1 || scope > moduleRefs.length) throw new PeError(`ImplMap row ${r} names ModuleRef ${scope}, which does not exist`, md.cellOffset(T.ImplMap, r, 3));
    pinvokes.push({ module: moduleRefs[scope - 1]!, entry });
  }

  // TypeRefs: a scope that is another TypeRef makes a nested reference (Outer/Inner).
  const nTypeRefs = md.rows(T.TypeRef);
  const refName: (string | undefined)[] = new Array(nTypeRefs + 1);
  const refScope: (string | null | undefined)[] = new Array(nTypeRefs + 1);
  const resolveRef = (row: number, depth: number): void => {
    if (refName[row] !== undefined) return;
    const at = md.cellOffset(T.TypeRef, row, 0);
    if (depth > MAX_NESTING) throw new PeError(`TypeRef ${row}: resolution scopes nest more than ${MAX_NESTING} deep (a cycle?)`, at);
    const name = md.string(md.cell(T.TypeRef, row, 1), md.cellOffset(T.TypeRef, row, 1));
    const ns = md.string(md.cell(T.TypeRef, row, 2), md.cellOffset(T.TypeRef, row, 2));
    const scope = md.decode('ResolutionScope', md.cell(T.TypeRef, row, 0), at);
    if (scope.table === T.TypeRef && scope.row !== 0) {
      resolveRef(scope.row, depth + 1);
      refName[row] = `${refName[scope.row]}/${dotted(ns, name)}`;
      refScope[row] = refScope[scope.row];
      return;
    }
    refName[row] = dotted(ns, name);
    if (scope.row === 0) refScope[row] = null;
    else if (scope.table === T.AssemblyRef) refScope[row] = references[scope.row - 1]!.name;
    else if (scope.table === T.ModuleRef) refScope[row] = moduleRefs[scope.row - 1]!;
    else refScope[row] = assembly?.name ?? module; // this module
  };
  const typeRefs: DotNetInfo['typeRefs'] = [];
  for (let r = 1; r <= nTypeRefs; r++) {
    resolveRef(r, 0);
    typeRefs.push({
      namespace: md.string(md.cell(T.TypeRef, r, 2), md.cellOffset(T.TypeRef, r, 2)),
      name: md.string(md.cell(T.TypeRef, r, 1), md.cellOffset(T.TypeRef, r, 1)),
      fullName: refName[r]!, scope: refScope[r]!,
    });
  }

  // TypeDefs and their enclosing types.
  const nTypes = md.rows(T.TypeDef);
  const enclosing = new Map<number, number>();
  for (let r = 1; r <= md.rows(T.NestedClass); r++) {
    const inner = md.cell(T.NestedClass, r, 0), outer = md.cell(T.NestedClass, r, 1);
    if (inner < 1 || inner > nTypes || outer < 1 || outer > nTypes) {
      throw new PeError(`NestedClass row ${r} names TypeDef ${inner} in ${outer}, beyond the ${nTypes} TypeDefs`, md.cellOffset(T.NestedClass, r, 0));
    }
    enclosing.set(inner, outer);
  }
  const defNs: string[] = [], defName: string[] = [];
  for (let r = 1; r <= nTypes; r++) {
    defName[r] = md.string(md.cell(T.TypeDef, r, 1), md.cellOffset(T.TypeDef, r, 1));
    defNs[r] = md.string(md.cell(T.TypeDef, r, 2), md.cellOffset(T.TypeDef, r, 2));
  }
  const defFull: string[] = [];
  const fullNameOf = (row: number): string => {
    const known = defFull[row];
    if (known !== undefined) return known;
    const parts: string[] = [];
    let r: number | undefined = row;
    const seen = new Set<number>();
    while (r !== undefined) {
      if (seen.has(r) || seen.size > MAX_NESTING) throw new PeError(`TypeDef ${row}: its enclosing types form a cycle or nest too deep`, md.cellOffset(T.TypeDef, row, 0));
      seen.add(r);
      parts.unshift(dotted(defNs[r]!, defName[r]!));
      r = enclosing.get(r);
    }
    return (defFull[row] = parts.join('/'));
  };

  // A base given as a TypeSpec is a generic instantiation (II.23.2.12): GENERICINST CLASS|VALUETYPE TypeDefOrRefEncoded ...
  const typeSpecBase = (row: number, at: number): { table: number; row: number } => {
    const s = md.blobSpan(md.cell(T.TypeSpec, row, 0), md.cellOffset(T.TypeSpec, row, 0));
    if (s.u8(s.start, 'a TypeSpec signature') !== 0x15) throw new PeError(`TypeSpec ${row} used as a base type is not a generic instantiation`, s.start);
    const kind = s.u8(s.start + 1, 'a TypeSpec signature');
    if (kind !== 0x12 && kind !== 0x11) throw new PeError(`TypeSpec ${row} instantiates element type 0x${kind.toString(16)}, not a class`, s.start + 1);
    const { value } = compressed(s, s.start + 2, 'a TypeSpec signature');
    const target = md.decode('TypeDefOrRef', value, at);
    if (target.table === T.TypeSpec || target.row === 0) throw new PeError(`TypeSpec ${row} instantiates neither a TypeDef nor a TypeRef`, at);
    return target;
  };
  const baseOf = (row: number): { table: number; row: number } | null => {
    const at = md.cellOffset(T.TypeDef, row, 3);
    let b = md.decode('TypeDefOrRef', md.cell(T.TypeDef, row, 3), at);
    if (b.row === 0) return null;
    if (b.table === T.TypeSpec) b = typeSpecBase(b.row, at);
    return b;
  };

  const types: DotNetType[] = [];
  const agentFactories: DotNetInfo['agentFactories'] = [];
  for (let r = 1; r <= nTypes; r++) {
    const flags = md.cell(T.TypeDef, r, 0);
    const chain: string[] = [];
    let externalBaseScope: string | null = null;
    let endsExternal = false;
    const seen = new Set<number>([r]);
    for (let b = baseOf(r); b !== null;) {
      if (b.table === T.TypeRef) {
        chain.push(refName[b.row]!);
        externalBaseScope = refScope[b.row]!;
        endsExternal = true;
        break;
      }
      if (seen.has(b.row)) {
        throw new PeError(`TypeDef ${fullNameOf(r)}: its base chain is cyclic (${[fullNameOf(r), ...chain, fullNameOf(b.row)].join(' -> ')})`, md.cellOffset(T.TypeDef, r, 3));
      }
      seen.add(b.row);
      if (chain.length >= MAX_CHAIN) throw new PeError(`TypeDef ${fullNameOf(r)}: its base chain is longer than ${MAX_CHAIN} types`, md.cellOffset(T.TypeDef, r, 3));
      chain.push(fullNameOf(b.row));
      b = baseOf(b.row);
    }
    const visibility = flags & 0x7;
    const isAbstract = (flags & 0x80) !== 0;
    const fullName = fullNameOf(r);
    types.push({
      namespace: defNs[r]!, name: defName[r]!, fullName, flags,
      isPublic: visibility === 1 || visibility === 2, isAbstract,
      extends: chain[0] ?? null, chain, externalBaseScope,
    });
    const last = chain[chain.length - 1];
    const base = endsExternal && last !== undefined ? AGENT_FACTORY_BASES[withoutArity(last)] : undefined;
    if (base !== undefined) agentFactories.push({ type: fullName, base, isAbstract });
  }

  return {
    runtimeVersion: md.runtimeVersion, module, assembly, references, types, typeRefs, moduleRefs, pinvokes, agentFactories,
    exchangeReferences: references.filter((a) => a.name.toLowerCase().startsWith('microsoft.exchange.')),
  };
}
