// Authenticode (embedded PE signatures): the WIN_CERTIFICATE table, the PKCS#7 SignedData with its
// SpcIndirectDataContent, the image hash, the signer's signature, timestamps and the certificate
// chain to caller-supplied roots. Written from the "Windows Authenticode Portable Executable
// Signature Format" and PE/COFF specifications; pkijs/asn1js parse, node:crypto verifies.
import { createHash, verify as cryptoVerify, constants, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DIR, PeError, u16, u32, type PeImage } from './pe.js';
import { packageRoot } from '../../util/package-root.js';

export type SignatureStatus = 'unsigned' | 'malformed' | 'hash-mismatch' | 'bad-signature' | 'untrusted' | 'trusted';

export interface CertSummary {
  subject: string;
  commonName: string | null;
  organization: string | null;
  issuer: string;
  /** hex */
  serial: string;
  /** thumbprint, hex lower */
  sha1: string;
  notBefore: string;
  /** ISO */
  notAfter: string;
}

export interface AuthenticodeResult {
  status: SignatureStatus;
  /** one human sentence: why this status */
  reason: string;
  digestAlgorithm: string | null;
  /** recomputed Authenticode image hash, hex */
  fileDigest: string | null;
  /** from SpcIndirectDataContent, hex */
  signedDigest: string | null;
  signer: CertSummary | null;
  /** signer first, up to the root used (when a chain was built); the partial path otherwise */
  chain: CertSummary[];
  /** from a verified timestamp (RFC 3161 or Authenticode countersignature), else the authenticated signingTime attribute; ISO */
  signingTime: string | null;
  /** more signatures present (nested signatures, WIN_CERTIFICATE entries) not evaluated */
  extraSignatures: number;
}

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  spcPeImageData: '1.3.6.1.4.1.311.2.1.15',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  counterSignature: '1.2.840.113549.1.9.6',
  rfc3161Timestamp: '1.3.6.1.4.1.311.3.3.1',
  nestedSignature: '1.3.6.1.4.1.311.2.4.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  subjectKeyIdentifier: '2.5.29.14',
  ekuCodeSigning: '1.3.6.1.5.5.7.3.3',
  ekuTimeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

const DIGESTS: Record<string, DigestName> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const RSASSA_PSS = '1.2.840.113549.1.1.10';

const DIGEST_LABEL: Record<DigestName, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const WIN_CERT_REVISION_2_0 = 0x0200;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;
const MAX_CHAIN_DEPTH = 8;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const at = (n: number) => `0x${n.toString(16)}`;
const short = (h: string) => (h.length > 16 ? `${h.slice(0, 16)}…` : h);
const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A structural problem with the signature: the result is 'malformed'. */
class Malformed extends Error {}

// ---------------------------------------------------------------- certificate table and image hash

interface CertTable { offset: number; size: number }
type TableLocation = { kind: 'none'; why: string } | { kind: 'table'; table: CertTable } | { kind: 'bad'; why: string; offset: number };

function locateTable(pe: PeImage): TableLocation {
  const dir = pe.dirs[DIR.security];
  if (pe.securityDirOffset < 0 || !dir) return { kind: 'none', why: 'the optional header has no certificate-table directory entry' };
  if (dir.size === 0) return { kind: 'none', why: 'the certificate-table directory entry is empty' };
  const { rva: offset, size } = dir; // a file offset for this directory, not an RVA
  const where = `the certificate table (directory entry at offset ${at(pe.securityDirOffset)})`;
  if (offset < pe.sizeOfHeaders) return { kind: 'bad', why: `${where} points to file offset ${at(offset)}, inside the ${pe.sizeOfHeaders}-byte headers`, offset };
  if (offset + size > pe.bytes.length) {
    return { kind: 'bad', why: `${where} spans offsets ${at(offset)}..${at(offset + size)}, past the end of the ${pe.bytes.length}-byte file`, offset };
  }
  if (offset + size < pe.bytes.length) {
    const extra = pe.bytes.length - (offset + size);
    return { kind: 'bad', why: `${where} at offset ${at(offset)} ends at ${at(offset + size)}, but ${extra} more byte${extra === 1 ? '' : 's'} follow${extra === 1 ? 's' : ''} it; it must be the last thing in the file`, offset: offset + size };
  }
  for (const s of pe.sections) {
    if (s.rawSize > 0 && offset < s.rawOffset + s.rawSize && s.rawOffset < offset + size) {
      return { kind: 'bad', why: `${where} at offset ${at(offset)} overlaps the raw data of section '${s.name}'`, offset };
    }
  }
  return { kind: 'table', table: { offset, size } };
}

/** The file ranges the image hash covers, in order (PE/COFF + Authenticode spec, "Calculating the PE Image Hash"). */
function hashedRanges(pe: PeImage, table: CertTable | null): Array<[number, number]> {
  const len = pe.bytes.length;
  const headersEnd = pe.sizeOfHeaders;
  if (headersEnd > len) throw new PeError(`SizeOfHeaders ${headersEnd} is past the end of the ${len}-byte file`, pe.peOffset);
  const skips = [[pe.checksumOffset, 4], [pe.securityDirOffset, 8]]
    .filter(([o]) => o! >= 0 && o! < headersEnd)
    .sort((a, b) => a[0]! - b[0]!) as Array<[number, number]>;
  const ranges: Array<[number, number]> = [];
  let pos = 0;
  for (const [o, n] of skips) {
    if (o > pos) ranges.push([pos, o]);
    pos = Math.max(pos, Math.min(o + n, headersEnd));
  }
  if (pos < headersEnd) ranges.push([pos, headersEnd]);
  let sumEnd = headersEnd;
  const sections = pe.sections.filter((s) => s.rawSize > 0).sort((a, b) => a.rawOffset - b.rawOffset);
  for (const s of sections) {
    const end = s.rawOffset + s.rawSize;
    if (end > len) throw new PeError(`section '${s.name}' raw data ${at(s.rawOffset)}..${at(end)} is past the end of the ${len}-byte file`, s.rawOffset);
    ranges.push([s.rawOffset, end]);
    sumEnd = Math.max(sumEnd, end);
  }
  // Extra data after the last section (debug data, overlays, alignment padding) up to the table.
  const stop = table ? table.offset : len;
  if (table && table.offset < sumEnd) {
    throw new PeError(`the certificate table at offset ${at(table.offset)} begins before the end of the section data at ${at(sumEnd)}`, table.offset);
  }
  if (sumEnd < stop) ranges.push([sumEnd, stop]);
  return ranges;
}

/** The Authenticode image hash of the file, hex. Throws PeError when the layout cannot be hashed. */
export function authenticodeDigest(pe: PeImage, algorithm: DigestName): string {
  const loc = locateTable(pe);
  if (loc.kind === 'bad') throw new PeError(loc.why, loc.offset);
  const h = createHash(algorithm);
  for (const [a, b] of hashedRanges(pe, loc.kind === 'table' ? loc.table : null)) h.update(pe.bytes.subarray(a, b));
  return h.digest('hex');
}

interface WinCertificate { offset: number; length: number; revision: number; type: number; body: Uint8Array }

function readTable(pe: PeImage, table: CertTable): WinCertificate[] {
  const entries: WinCertificate[] = [];
  const end = table.offset + table.size;
  let pos = table.offset;
  while (pos + 8 <= end) {
    const length = u32(pe.bytes, pos);
    if (length < 8) throw new Malformed(`the WIN_CERTIFICATE at offset ${at(pos)} has dwLength ${length}, smaller than its own 8-byte header`);
    if (pos + length > end) {
      throw new Malformed(`the WIN_CERTIFICATE at offset ${at(pos)} has dwLength ${length}, running past the end of the certificate table at ${at(end)}`);
    }
    entries.push({ offset: pos, length, revision: u16(pe.bytes, pos + 4), type: u16(pe.bytes, pos + 6), body: pe.bytes.subarray(pos + 8, pos + length) });
    pos += (length + 7) & ~7; // entries are quadword-aligned
  }
  if (entries.length === 0) throw new Malformed(`the ${table.size}-byte certificate table at offset ${at(table.offset)} holds no WIN_CERTIFICATE entry`);
  if (pos < end) throw new Malformed(`the certificate table has ${end - pos} bytes after its last WIN_CERTIFICATE entry, at offset ${at(pos)}`);
  return entries;
}

// ---------------------------------------------------------------- certificates

interface Cert { der: Uint8Array; pk: pkijs.Certificate; x: X509Certificate; sha1: string }

function loadCert(der: Uint8Array): Cert {
  const copy = new Uint8Array(der); // pkijs keeps views; never alias the caller's or the file's bytes
  const pk = pkijs.Certificate.fromBER(copy);
  const x = new X509Certificate(Buffer.from(copy));
  void x.publicKey; // decoded lazily by node; an undecodable key makes the certificate unusable
  return { der: copy, pk, x, sha1: createHash('sha1').update(copy).digest('hex') };
}

const DN_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '2.5.4.5': 'SERIALNUMBER', '2.5.4.17': 'postalCode', '2.5.4.12': 'T', '2.5.4.42': 'GN', '2.5.4.4': 'SN',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID', '1.2.840.113549.1.9.1': 'E',
};

function attrText(v: unknown): string {
  const block = (v as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } } | null)?.valueBlock;
  if (block && typeof block.value === 'string') return block.value;
  if (block?.valueHexView) return `#${hex(block.valueHexView)}`;
  return '';
}

function rdnPairs(name: pkijs.RelativeDistinguishedNames): Array<[string, string]> {
  return name.typesAndValues.map((tv) => [DN_NAMES[tv.type] ?? tv.type, attrText(tv.value)]);
}

/** RFC 4514 order (most specific first), as Windows and OpenSSL's one-line forms show it. */
function dnString(name: pkijs.RelativeDistinguishedNames): string {
  return rdnPairs(name).reverse().map(([k, v]) => `${k}=${v.replace(/([,+"\\<>;])/g, '\\$1')}`).join(', ');
}

function isoDate(t: pkijs.Time): string {
  const d = t.value;
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function summarize(c: Cert): CertSummary {
  const pairs = rdnPairs(c.pk.subject);
  const first = (k: string) => pairs.find(([n]) => n === k)?.[1] ?? null;
  let serial = hex(c.pk.serialNumber.valueBlock.valueHexView);
  if (serial.length > 2 && serial.startsWith('00')) serial = serial.slice(2);
  return {
    subject: dnString(c.pk.subject),
    commonName: first('CN'),
    organization: first('O'),
    issuer: dnString(c.pk.issuer),
    serial,
    sha1: c.sha1,
    notBefore: isoDate(c.pk.notBefore),
    notAfter: isoDate(c.pk.notAfter),
  };
}

const label = (c: Cert) => {
  const cn = rdnPairs(c.pk.subject).find(([n]) => n === 'CN')?.[1];
  return `'${cn ?? dnString(c.pk.subject)}'`;
};

function extendedKeyUsage(c: Cert): string[] | null {
  const ext = c.pk.extensions?.find((e) => e.extnID === '2.5.29.37');
  if (!ext) return null;
  const parsed = ext.parsedValue as pkijs.ExtKeyUsage | undefined;
  return parsed?.keyPurposes ?? [];
}

function subjectKeyId(c: Cert): Uint8Array | null {
  const ext = c.pk.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const v = ext?.parsedValue as asn1js.OctetString | undefined;
  return v ? new Uint8Array(v.getValue()) : null;
}

const normSerial = (b: Uint8Array) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return hex(b.subarray(i));
};

function findSignerCert(si: pkijs.SignerInfo, certs: Cert[]): Cert | null {
  const sid = si.sid as unknown;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const serial = normSerial(sid.serialNumber.valueBlock.valueHexView);
    // Names compare by their encoding, as CryptoAPI does: no string-type or case folding.
    const issuer = new Uint8Array(sid.issuer.valueBeforeDecode);
    return certs.find((c) => normSerial(c.pk.serialNumber.valueBlock.valueHexView) === serial && bytesEqual(new Uint8Array(c.pk.issuer.valueBeforeDecode), issuer)) ?? null;
  }
  const ski = (sid as { valueBlock?: { valueHexView?: Uint8Array } } | null)?.valueBlock?.valueHexView;
  if (ski) return certs.find((c) => { const k = subjectKeyId(c); return k !== null && bytesEqual(k, ski); }) ?? null;
  return null;
}

function validAt(c: Cert, when: Date): string | null {
  const nb = c.pk.notBefore.value, na = c.pk.notAfter.value;
  if (!(when >= nb)) return `${label(c)} is not valid before ${isoDate(c.pk.notBefore)}`;
  if (!(when <= na)) return `${label(c)} expired on ${isoDate(c.pk.notAfter)}`;
  return null;
}

function issuedBy(child: Cert, parent: Cert): boolean {
  try {
    return child.x.checkIssued(parent.x) && child.x.verify(parent.x.publicKey);
  } catch {
    return false;
  }
}

type ChainResult = { ok: true; path: Cert[] } | { ok: false; path: Cert[]; why: string };

/**
 * Issuer/subject + signature path building from `leaf` to any anchor, through `pool`, with every
 * certificate valid at `when`, intermediates CA certificates, and the leaf's EKU (when it has one)
 * allowing `purpose`.
 */
function buildChain(leaf: Cert, pool: Cert[], anchors: Cert[], when: Date, purpose: string, purposeName: string): ChainResult {
  const eku = extendedKeyUsage(leaf);
  if (eku && !eku.includes(purpose)) return { ok: false, path: [leaf], why: `${label(leaf)} has an extended key usage without ${purposeName}` };
  const anchorIds = new Set(anchors.map((a) => a.sha1));
  const candidates = [...anchors, ...pool.filter((c) => !anchorIds.has(c.sha1))];
  // Hostile signatures can carry many look-alike issuers: memoize signature checks and bound the search.
  const memo = new Map<string, boolean>();
  let budget = 4096;
  const issued = (child: Cert, parent: Cert): boolean => {
    const key = `${child.sha1}:${parent.sha1}`;
    let v = memo.get(key);
    if (v === undefined) memo.set(key, (v = budget-- > 0 && issuedBy(child, parent)));
    return v;
  };
  let best: ChainResult = { ok: false, path: [leaf], why: '' };
  const fail = (path: Cert[], why: string) => {
    if (best.ok === false && (path.length > best.path.length || !best.why)) best = { ok: false, path, why };
  };
  const extend = (path: Cert[]): Cert[] | null => {
    const cur = path[path.length - 1]!;
    const expired = validAt(cur, when);
    if (expired) { fail(path, expired); return null; }
    if (anchorIds.has(cur.sha1)) return path;
    if (path.length > MAX_CHAIN_DEPTH) { fail(path, `the chain is longer than ${MAX_CHAIN_DEPTH} certificates`); return null; }
    let sawIssuer = false;
    for (const c of candidates) {
      if (path.some((p) => p.sha1 === c.sha1) || !issued(cur, c)) continue;
      sawIssuer = true;
      if (!anchorIds.has(c.sha1) && !c.x.ca) { fail([...path, c], `${label(c)} issued ${label(cur)} but is not a CA certificate`); continue; }
      const done = extend([...path, c]);
      if (done) return done;
    }
    if (!sawIssuer) {
      const selfSigned = issued(cur, cur);
      fail(path, selfSigned
        ? `the chain ends at the self-signed ${label(cur)}, which is not one of the ${anchors.length} trusted roots`
        : `no certificate in the signature or among the ${anchors.length} trusted roots issued ${label(cur)} (issuer ${dnString(cur.pk.issuer)})`);
    }
    return null;
  };
  const path = extend([leaf]);
  return path ? { ok: true, path } : best;
}

// ---------------------------------------------------------------- PKCS#7 / CMS

/** One BER element: where its header, content and end are in the buffer being walked. */
interface Tlv { cls: number; constructed: boolean; tag: number; start: number; content: number; contentEnd: number; end: number }

const MAX_DEPTH = 48;

/**
 * A strict TLV walker over a PKCS#7 blob. The outer layers are split here, and each part is decoded by
 * asn1js on its own: a broken unsigned attribute (a timestamp) then spoils only itself, as in OpenSSL,
 * and every error names the file offset of the element at fault.
 */
class Ber {
  constructor(readonly b: Uint8Array, readonly base: number) {}

  where(pos: number): string {
    return `file offset ${at(this.base + pos)}`;
  }

  read(pos: number, limit: number): Tlv {
    const fail = (why: string): never => { throw new Malformed(`the BER element at ${this.where(pos)} ${why}`); };
    let i = pos;
    if (i >= limit) fail('lies past the end of its parent');
    const first = this.b[i++]!;
    let tag = first & 0x1f;
    if (tag === 0x1f) {
      tag = 0;
      for (let n = 0; ; n++) {
        if (i >= limit || n > 3) fail('has a truncated or oversized tag');
        const c = this.b[i++]!;
        tag = tag * 128 + (c & 0x7f);
        if ((c & 0x80) === 0) break;
      }
    }
    if (i >= limit) fail('has no length');
    const l0 = this.b[i++]!;
    const constructed = (first & 0x20) !== 0;
    const head = { cls: first >> 6, constructed, tag, start: pos, content: 0 };
    if (l0 === 0x80) {
      if (!constructed) fail('is primitive with an indefinite length');
      head.content = i;
      let p = i;
      for (;;) { // children up to the end-of-contents marker
        if (p + 2 <= limit && this.b[p] === 0 && this.b[p + 1] === 0) return { ...head, contentEnd: p, end: p + 2 };
        p = this.read(p, limit).end;
      }
    }
    let len = l0;
    if (l0 & 0x80) {
      const n = l0 & 0x7f;
      if (n > 4 || n === 0x7f) fail(`has a ${n}-byte length`);
      if (i + n > limit) fail('has a truncated length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + this.b[i++]!;
    }
    if (i + len > limit) fail(`claims ${len} content bytes, running past the end of its parent at ${this.where(limit)}`);
    return { ...head, content: i, contentEnd: i + len, end: i + len };
  }

  kids(t: Tlv, depth = 0): Tlv[] {
    if (!t.constructed) throw new Malformed(`the BER element at ${this.where(t.start)} should be constructed`);
    const out: Tlv[] = [];
    for (let p = t.content; p < t.contentEnd;) {
      const k = this.read(p, t.contentEnd);
      if (depth > 0 && k.constructed) this.kids(k, depth - 1);
      out.push(k);
      p = k.end;
    }
    return out;
  }

  /** Checks the whole subtree's lengths, then decodes it with asn1js. */
  decode(t: Tlv, what: string): asn1js.AsnType {
    if (t.constructed) this.kids(t, MAX_DEPTH);
    const r = decodeBer(this.b.subarray(t.start, t.end));
    if ('error' in r) throw new Malformed(`${what} at ${this.where(t.start)} does not decode (${r.error})`);
    if (r.end !== t.end - t.start) throw new Malformed(`${what} at ${this.where(t.start)} decodes to ${r.end} of its ${t.end - t.start} bytes`);
    return r.asn;
  }

  expect(t: Tlv | undefined, cls: number, tag: number, what: string, parent: Tlv): Tlv {
    if (!t) throw new Malformed(`${what} is missing from the element at ${this.where(parent.start)}`);
    if (t.cls !== cls || t.tag !== tag) throw new Malformed(`${what} at ${this.where(t.start)} has the wrong tag (class ${t.cls}, number ${t.tag})`);
    return t;
  }
}

/** asn1js.fromBER, which reports most errors in its result but throws on some (bad time strings). */
function decodeBer(bytes: Uint8Array): { asn: asn1js.AsnType; end: number } | { error: string } {
  try {
    const r = asn1js.fromBER(bytes);
    return r.offset === -1 ? { error: r.result.error || 'undecodable' } : { asn: r.result, end: r.offset };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Algorithm parameters are an ANY: accepted unless they are a universal BOOLEAN, NULL or INTEGER whose length
 * cannot be right, which OpenSSL (and so osslsigncode) refuses to decode.
 */
function paramsDecodable(alg: pkijs.AlgorithmIdentifier): boolean {
  const p = alg.algorithmParams as asn1js.BaseBlock | undefined;
  if (p === undefined || p.idBlock.tagClass !== 1 || p.idBlock.isConstructed) return true;
  const n = p.lenBlock.length;
  const tag = p.idBlock.tagNumber;
  return !((tag === 1 && n !== 1) || (tag === 5 && n !== 0) || (tag === 2 && n === 0));
}

function attributeValues(attrs: pkijs.Attribute[] | undefined, type: string): unknown[] {
  return attrs?.filter((a) => a.type === type).flatMap((a) => a.values) ?? [];
}

function timeOf(v: unknown): Date | null {
  if (v instanceof asn1js.UTCTime) { // GeneralizedTime extends UTCTime
    const d = v.toDate();
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

interface Signer {
  si: pkijs.SignerInfo;
  /** the unsigned attributes that decode; a broken one is dropped, as if absent */
  unsigned: pkijs.Attribute[];
  offset: number;
}

interface ParsedSignedData {
  digestAlgorithms: string[];
  eContentType: string;
  eContent: asn1js.AsnType | null;
  /** the eContent's bytes without its tag and length: what PKCS#7 digests for content other than Data */
  eContentOctets: Uint8Array | null;
  certs: Cert[];
  signers: Signer[];
}

const UNIVERSAL = 0, CONTEXT = 2;
const INTEGER = 2, OBJECT_ID = 6, SEQ = 16, SET = 17;

/** ContentInfo → SignedData, split with the TLV walker; `base` is the blob's file offset. */
function parseSignedData(blob: Uint8Array, base: number, what: string): { parsed: ParsedSignedData; end: number } {
  const ber = new Ber(blob, base);
  const top = ber.read(0, blob.length);
  const ci = ber.expect(top, UNIVERSAL, SEQ, `${what}: the ContentInfo`, top);
  const [typeTlv, explicit] = ber.kids(ci);
  const type = ber.decode(ber.expect(typeTlv, UNIVERSAL, OBJECT_ID, `${what}: the content type`, ci), 'the content type');
  const typeOid = (type as asn1js.ObjectIdentifier).valueBlock.toString();
  if (typeOid !== OID.signedData) throw new Malformed(`${what} holds content type ${typeOid}, not PKCS#7 SignedData`);
  const sdTlv = ber.expect(ber.kids(ber.expect(explicit, CONTEXT, 0, `${what}: the [0] content`, ci))[0], UNIVERSAL, SEQ, `${what}: the SignedData`, ci);
  const parts = ber.kids(sdTlv);
  ber.expect(parts[0], UNIVERSAL, INTEGER, 'the SignedData version', sdTlv);
  let i = 1;
  const algsTlv = ber.expect(parts[i++], UNIVERSAL, SET, 'the digestAlgorithms', sdTlv);
  const digestAlgorithms = ber.kids(algsTlv).map((t) => {
    let alg: pkijs.AlgorithmIdentifier;
    try {
      alg = new pkijs.AlgorithmIdentifier({ schema: ber.decode(t, 'a digest algorithm') });
    } catch (e) {
      throw e instanceof Malformed ? e : new Malformed(`the digest algorithm at ${ber.where(t.start)} is not an AlgorithmIdentifier`);
    }
    if (!paramsDecodable(alg)) throw new Malformed(`the digest algorithm at ${ber.where(t.start)} has undecodable parameters`);
    return alg.algorithmId;
  });
  const eciTlv = ber.expect(parts[i++], UNIVERSAL, SEQ, 'the encapContentInfo', sdTlv);
  let eci: pkijs.EncapsulatedContentInfo;
  try {
    eci = new pkijs.EncapsulatedContentInfo({ schema: ber.decode(eciTlv, 'the encapContentInfo') });
  } catch (e) {
    throw e instanceof Malformed ? e : new Malformed(`the encapContentInfo at ${ber.where(eciTlv.start)} does not parse (${(e as Error).message})`);
  }
  const eciKids = ber.kids(eciTlv);
  const wrapped = eciKids[1] ? ber.kids(eciKids[1])[0] : undefined;
  const certs: Cert[] = [];
  if (parts[i]?.cls === CONTEXT && parts[i]!.tag === 0) {
    for (const t of ber.kids(parts[i++]!)) {
      if (t.cls !== UNIVERSAL) continue; // attribute certificates and other formats
      try {
        certs.push(loadCert(blob.subarray(t.start, t.end)));
      } catch (e) {
        throw new Malformed(`the certificate at ${ber.where(t.start)} does not parse (${(e as Error).message})`);
      }
    }
  }
  if (parts[i]?.cls === CONTEXT && parts[i]!.tag === 1) i++; // CRLs: not used
  const signers = ber.kids(ber.expect(parts[i], UNIVERSAL, SET, 'the signerInfos', sdTlv)).map((t) => parseSigner(ber, t));
  return {
    parsed: {
      digestAlgorithms, eContentType: eci.eContentType, eContent: (eci.eContent as asn1js.AsnType | undefined) ?? null,
      eContentOctets: wrapped ? blob.subarray(wrapped.content, wrapped.contentEnd) : null, certs, signers,
    },
    end: ci.end,
  };
}

function parseSigner(ber: Ber, t: Tlv): Signer {
  const kids = ber.kids(ber.expect(t, UNIVERSAL, SEQ, 'a SignerInfo', t));
  const signed = kids.filter((k) => !(k.cls === CONTEXT && k.tag === 1)).map((k) => ber.decode(k, 'a SignerInfo field'));
  let si: pkijs.SignerInfo;
  try {
    si = new pkijs.SignerInfo({ schema: new asn1js.Sequence({ value: signed }) });
  } catch (e) {
    throw new Malformed(`the SignerInfo at ${ber.where(t.start)} does not parse (${(e as Error).message})`);
  }
  const unsigned: pkijs.Attribute[] = [];
  const u = kids.find((k) => k.cls === CONTEXT && k.tag === 1);
  for (const a of u ? ber.kids(u) : []) {
    try {
      unsigned.push(new pkijs.Attribute({ schema: ber.decode(a, 'an unsigned attribute') }));
    } catch { /* dropped: a broken timestamp is as good as none, and only a verified one changes the verdict */ }
  }
  return { si, unsigned, offset: ber.base + t.start };
}

type SignerCheck =
  | { kind: 'ok'; cert: Cert; signingTime: Date | null }
  | { kind: 'malformed'; why: string; cert: null }
  | { kind: 'bad'; why: string; cert: Cert | null };

/**
 * The signature over the signed attributes, by the certificate's key. As in PKCS#7 verifiers generally, the
 * key's type picks the scheme and the SignerInfo's digest algorithm the hash; the (unsigned) signature
 * algorithm field matters only for RSASSA-PSS, whose parameters it carries.
 */
function checkSignature(cert: Cert, sigAlg: pkijs.AlgorithmIdentifier, digest: DigestName, data: Uint8Array, sig: Uint8Array): string | null {
  try {
    const key: KeyObject = cert.x.publicKey;
    const keyType = key.asymmetricKeyType;
    if (sigAlg.algorithmId === RSASSA_PSS) {
      const params = new pkijs.RSASSAPSSParams({ schema: sigAlg.algorithmParams });
      const hash = DIGESTS[params.hashAlgorithm.algorithmId];
      if (!hash) return `RSA-PSS hash ${params.hashAlgorithm.algorithmId} is not supported`;
      return cryptoVerify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: params.saltLength }, sig) ? null : 'the RSA-PSS signature does not verify';
    }
    if (keyType === 'ed25519' || keyType === 'ed448') return cryptoVerify(null, data, key, sig) ? null : `the ${keyType} signature does not verify`;
    if (keyType !== 'rsa' && keyType !== 'ec' && keyType !== 'dsa') return `a ${keyType ?? 'unknown'} key cannot be checked`;
    const scheme = keyType === 'ec' ? 'ECDSA' : keyType.toUpperCase();
    return cryptoVerify(digest, data, key, sig) ? null : `the ${scheme} signature does not verify`;
  } catch (e) {
    return `the signature could not be checked (${(e as Error).message})`;
  }
}

/** A SignerInfo against its content: messageDigest, contentType (when expected) and the signature over the signed attributes. */
function checkSigner(si: pkijs.SignerInfo, certs: Cert[], content: Uint8Array, contentType: string | null, what: string): SignerCheck {
  const digest = DIGESTS[si.digestAlgorithm.algorithmId];
  if (!digest) return { kind: 'malformed', why: `${what} uses digest algorithm ${si.digestAlgorithm.algorithmId}, which is not supported`, cert: null };
  if (!paramsDecodable(si.digestAlgorithm) || !paramsDecodable(si.signatureAlgorithm)) {
    return { kind: 'malformed', why: `${what} has undecodable algorithm parameters`, cert: null };
  }
  if (!si.signedAttrs) return { kind: 'malformed', why: `${what} has no authenticated attributes, which Authenticode requires`, cert: null };
  const md = attributeValues(si.signedAttrs.attributes, OID.messageDigest);
  if (md.length !== 1 || !(md[0] instanceof asn1js.OctetString)) return { kind: 'malformed', why: `${what} does not carry exactly one messageDigest attribute`, cert: null };
  if (contentType) {
    const ct = attributeValues(si.signedAttrs.attributes, OID.contentType);
    const got = ct[0] instanceof asn1js.ObjectIdentifier ? ct[0].valueBlock.toString() : null;
    if (got !== contentType) return { kind: 'malformed', why: `${what}'s contentType attribute is ${got ?? 'missing'}, not ${contentType}`, cert: null };
  }
  const cert = findSignerCert(si, certs);
  if (!cert) return { kind: 'malformed', why: `${what} names a signer certificate that the signature does not carry`, cert: null };
  const expected = createHash(digest).update(content).digest();
  const signedMd = new Uint8Array(md[0].getValue());
  if (!bytesEqual(signedMd, expected)) {
    return { kind: 'bad', why: `${what}'s messageDigest attribute ${short(hex(signedMd))} is not the ${DIGEST_LABEL[digest]} ${short(hex(expected))} of the signed content`, cert };
  }
  const problem = checkSignature(cert, si.signatureAlgorithm, digest, new Uint8Array(si.signedAttrs.encodedValue), new Uint8Array(si.signature.getValue()));
  if (problem) return { kind: 'bad', why: `${what} by ${label(cert)}: ${problem}`, cert };
  return { kind: 'ok', cert, signingTime: timeOf(attributeValues(si.signedAttrs.attributes, OID.signingTime)[0]) };
}

/** intact: the timestamp's own signature and imprint check out; verified: and its signer chains to a trusted root. */
interface Timestamp { time: Date; intact: boolean; verified: boolean; why: string }

/** Authenticode countersignatures and RFC 3161 timestamps over the signer's signature, each checked to `anchors`. */
function readTimestamps(signer: Signer, outerCerts: Cert[], anchors: Cert[]): Timestamp[] {
  const out: Timestamp[] = [];
  const signature = new Uint8Array(signer.si.signature.getValue());
  const trustTsa = (check: SignerCheck, pool: Cert[], time: Date): Timestamp => {
    if (check.kind !== 'ok') return { time, intact: false, verified: false, why: check.why };
    const chain = buildChain(check.cert, pool, anchors, time, OID.ekuTimeStamping, 'time stamping');
    return { time, intact: true, verified: chain.ok, why: chain.ok ? '' : chain.why };
  };
  const parse = <T>(f: () => T): T | null => {
    try {
      return f();
    } catch {
      return null; // an undecodable timestamp is ignored, as if absent
    }
  };
  for (const v of attributeValues(signer.unsigned, OID.counterSignature)) {
    const cs = parse(() => new pkijs.SignerInfo({ schema: v }));
    if (!cs) continue;
    const check = checkSigner(cs, outerCerts, signature, null, 'the countersignature');
    const time = check.kind === 'ok' ? check.signingTime : null;
    if (time) out.push(trustTsa(check, outerCerts, time));
  }
  for (const v of attributeValues(signer.unsigned, OID.rfc3161Timestamp)) {
    const stamp = parse(() => {
      const { parsed } = parseSignedData((v as asn1js.BaseBlock).valueBeforeDecodeView, signer.offset, 'the RFC 3161 timestamp');
      const eContent = parsed.eContent;
      const tstSigner = parsed.signers[0]?.si;
      if (parsed.eContentType !== OID.tstInfo || !(eContent instanceof asn1js.OctetString) || !tstSigner) throw new Error('it holds no signed TSTInfo');
      const tstBytes = new Uint8Array(eContent.getValue());
      return { parsed, tst: pkijs.TSTInfo.fromBER(tstBytes), tstBytes, tstSigner };
    });
    if (!stamp) continue;
    const { parsed, tst, tstBytes, tstSigner } = stamp;
    if (Number.isNaN(tst.genTime.getTime())) continue;
    const imprintHash = DIGESTS[tst.messageImprint.hashAlgorithm.algorithmId];
    const imprintOk = imprintHash !== undefined &&
      bytesEqual(new Uint8Array(tst.messageImprint.hashedMessage.getValue()), createHash(imprintHash).update(signature).digest());
    const pool = [...parsed.certs, ...outerCerts];
    const check = imprintOk
      ? checkSigner(tstSigner, pool, tstBytes, OID.tstInfo, 'the RFC 3161 timestamp')
      : { kind: 'bad' as const, why: 'the RFC 3161 timestamp imprint is not the hash of the signature', cert: null };
    out.push(trustTsa(check, pool, tst.genTime));
  }
  return out;
}

// ---------------------------------------------------------------- verification

function result(status: SignatureStatus, reason: string, partial: Partial<AuthenticodeResult> = {}): AuthenticodeResult {
  return {
    status, reason, digestAlgorithm: null, fileDigest: null, signedDigest: null, signer: null, chain: [], signingTime: null, extraSignatures: 0,
    ...partial,
  };
}

interface Indirect { digest: DigestName; signedDigest: Uint8Array; contentOctets: Uint8Array }

function readIndirectData(sd: ParsedSignedData, where: string): Indirect {
  if (sd.eContentType !== OID.spcIndirectData) throw new Malformed(`${where} signs content type ${sd.eContentType}, not SpcIndirectDataContent (${OID.spcIndirectData})`);
  const content = sd.eContent;
  if (!(content instanceof asn1js.Sequence) || !sd.eContentOctets) throw new Malformed(`${where} has no SpcIndirectDataContent SEQUENCE`);
  const [data, digestInfo] = content.valueBlock.value;
  if (!(data instanceof asn1js.Sequence) || !(digestInfo instanceof asn1js.Sequence)) throw new Malformed(`${where}: SpcIndirectDataContent is not SEQUENCE { data, messageDigest }`);
  const dataType = data.valueBlock.value[0];
  if (!(dataType instanceof asn1js.ObjectIdentifier)) throw new Malformed(`${where}: SpcIndirectDataContent has no data type`);
  if (dataType.valueBlock.toString() !== OID.spcPeImageData) throw new Malformed(`${where}: SpcIndirectDataContent describes ${dataType.valueBlock.toString()}, not a PE image (${OID.spcPeImageData})`);
  const [alg, value] = digestInfo.valueBlock.value;
  const algOid = alg instanceof asn1js.Sequence ? alg.valueBlock.value[0] : undefined;
  if (!(algOid instanceof asn1js.ObjectIdentifier) || !(value instanceof asn1js.OctetString)) throw new Malformed(`${where}: the DigestInfo is not SEQUENCE { AlgorithmIdentifier, OCTET STRING }`);
  const digest = DIGESTS[algOid.valueBlock.toString()];
  if (!digest) throw new Malformed(`${where}: image digest algorithm ${algOid.valueBlock.toString()} is not supported`);
  return { digest, signedDigest: new Uint8Array(value.getValue()), contentOctets: sd.eContentOctets };
}

function loadAnchors(roots: readonly Uint8Array[]): Cert[] {
  const out: Cert[] = [];
  for (const der of roots) {
    try { out.push(loadCert(der)); } catch { /* the caller's unparsable root can anchor nothing */ }
  }
  return out;
}

export async function verifyAuthenticode(pe: PeImage, trustedRoots: readonly Uint8Array[]): Promise<AuthenticodeResult> {
  const loc = locateTable(pe);
  if (loc.kind === 'none') return result('unsigned', `The file is not signed: ${loc.why}.`);
  if (loc.kind === 'bad') return result('malformed', `The signature cannot be read: ${loc.why}.`);
  const partial: Partial<AuthenticodeResult> = {};
  try {
    const entries = readTable(pe, loc.table);
    const first = entries[0]!;
    const where = `the WIN_CERTIFICATE at offset ${at(first.offset)}`;
    if (first.revision !== WIN_CERT_REVISION_2_0) throw new Malformed(`${where} has revision ${at(first.revision)}, not 0x200`);
    if (first.type !== WIN_CERT_TYPE_PKCS_SIGNED_DATA) throw new Malformed(`${where} has certificate type ${at(first.type)}, not PKCS#7 SignedData (0x2)`);
    partial.extraSignatures = entries.length - 1;

    const { parsed: sd, end: blobEnd } = parseSignedData(first.body, first.offset + 8, `the PKCS#7 blob in ${where}`);
    const certs = sd.certs;
    // Bytes after the DER inside the entry are outside both hash and signature (CVE-2013-3900 padding).
    const tail = first.body.subarray(blobEnd);
    const hidden = tail.length > 7 || tail.some((b) => b !== 0)
      ? `; note: ${tail.length} unsigned bytes follow the PKCS#7 blob inside its WIN_CERTIFICATE at offset ${at(first.offset + 8 + blobEnd)}`
      : '';
    const indirect = readIndirectData(sd, where);
    partial.digestAlgorithm = indirect.digest;
    partial.signedDigest = hex(indirect.signedDigest);
    if (sd.signers.length !== 1) throw new Malformed(`${where} has ${sd.signers.length} SignerInfos; Authenticode requires exactly one`);
    const signer = sd.signers[0]!;
    const si = signer.si;
    const listed = sd.digestAlgorithms;
    const unknown = listed.find((o) => !DIGESTS[o]);
    if (unknown) throw new Malformed(`${where}: SignedData lists digest algorithm ${unknown}, which is not supported`);
    if (!listed.includes(si.digestAlgorithm.algorithmId)) throw new Malformed(`${where}: SignedData's digest algorithms do not include the signer's ${si.digestAlgorithm.algorithmId}`);
    partial.extraSignatures += attributeValues(signer.unsigned, OID.nestedSignature).length;
    const anchors = loadAnchors(trustedRoots);
    const stamps = readTimestamps(signer, certs, anchors);

    let fileDigest: string;
    try {
      fileDigest = authenticodeDigest(pe, indirect.digest);
    } catch (e) {
      if (e instanceof PeError) throw new Malformed(`the image cannot be hashed: ${e.message}`);
      throw e;
    }
    partial.fileDigest = fileDigest;

    const check = checkSigner(si, certs, indirect.contentOctets, OID.spcIndirectData, `the SignerInfo in ${where}`);
    if (check.cert) partial.signer = summarize(check.cert);
    if (check.kind === 'malformed') throw new Malformed(check.why);
    const stamp = stamps.find((t) => t.verified);
    const signingTime = stamp?.time ?? stamps.find((t) => t.intact)?.time ?? (check.kind === 'ok' ? check.signingTime : null);
    partial.signingTime = signingTime ? signingTime.toISOString() : null;

    const algLabel = DIGEST_LABEL[indirect.digest];
    if (fileDigest !== partial.signedDigest) {
      return result('hash-mismatch', `The file's ${algLabel} image hash ${short(fileDigest)} differs from the signed ${short(partial.signedDigest)}: the file changed after it was signed${hidden}.`, partial);
    }
    if (check.kind === 'bad') return result('bad-signature', `The image hash matches but the signature is invalid: ${check.why}${hidden}.`, partial);

    // A self-asserted signingTime could be backdated by the signer, so only a verified timestamp moves the validity date.
    const when = stamp?.time ?? new Date();
    const whenText = stamp ? `at the timestamp ${stamp.time.toISOString()}` : 'now (no verified timestamp)';
    const chain = buildChain(check.cert, certs, anchors, when, OID.ekuCodeSigning, 'code signing');
    partial.chain = chain.path.map(summarize);
    if (!chain.ok) {
      return result('untrusted', `The signature by ${label(check.cert)} is intact but does not chain to a trusted root ${whenText}: ${chain.why}${hidden}.`, partial);
    }
    const root = chain.path[chain.path.length - 1]!;
    return result('trusted', `The ${algLabel} image hash matches and the signature by ${label(check.cert)} chains to the trusted root ${label(root)} ${whenText}${hidden}.`, partial);
  } catch (e) {
    if (e instanceof Malformed) return result('malformed', `The signature is malformed: ${e.message}.`, partial);
    throw e;
  }
}

// ---------------------------------------------------------------- certificates in files

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** PEM bundle (several BEGIN CERTIFICATE blocks) or one DER certificate → DER certificates. */
export function readCertificates(textOrDer: Uint8Array): Uint8Array[] {
  const text = Buffer.from(textOrDer.buffer, textOrDer.byteOffset, textOrDer.byteLength).toString('latin1');
  const check = (der: Uint8Array, what: string): Uint8Array => {
    try {
      loadCert(der);
    } catch (e) {
      throw new Error(`${what} is not an X.509 certificate: ${(e as Error).message}`);
    }
    return der;
  };
  if (text.includes('-----BEGIN ')) {
    const out: Uint8Array[] = [];
    for (const m of text.matchAll(PEM_BLOCK)) {
      const body = m[1]!.replace(/\s+/g, '');
      const what = `PEM certificate block #${out.length + 1} (at character ${m.index})`;
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0 || body.length === 0) throw new Error(`${what} is not valid base64`);
      out.push(check(new Uint8Array(Buffer.from(body, 'base64')), what));
    }
    if (out.length === 0) throw new Error('the PEM text has no complete BEGIN CERTIFICATE / END CERTIFICATE block');
    return out;
  }
  if (textOrDer.length === 0) throw new Error('empty input: neither a PEM bundle nor a DER certificate');
  if (textOrDer[0] !== 0x30) throw new Error(`neither a PEM bundle nor a DER certificate (first byte 0x${textOrDer[0]!.toString(16).padStart(2, '0')}, a DER certificate starts with 0x30)`);
  const parsed = decodeBer(textOrDer);
  if ('error' in parsed) throw new Error(`the DER input does not decode: ${parsed.error}`);
  if (parsed.end !== textOrDer.length) throw new Error(`the DER certificate ends at byte ${parsed.end} but the input has ${textOrDer.length} bytes`);
  return [check(new Uint8Array(textOrDer), 'the DER input')];
}

/** Microsoft's code-signing roots shipped in data/trust/microsoft-code-signing-roots.pem. */
export function microsoftRoots(): Uint8Array[] {
  return readCertificates(readFileSync(join(packageRoot(), 'data', 'trust', 'microsoft-code-signing-roots.pem')));
}
