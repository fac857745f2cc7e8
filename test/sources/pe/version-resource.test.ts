// RT_VERSION on DLLs compiled with mcs, and on resource trees damaged on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIR, PeError, parsePe, rvaToOffset, type PeImage } from '../../../src/sources/pe/pe.js';
import { readVersionInfo } from '../../../src/sources/pe/version-resource.js';
import { SKIP_NO_MCS, compileAgent, exchangeStubs } from '../../support/agent-binaries.js';
import { onlyPeError, peError } from '../../support/pe-assert.js';

const skip = SKIP_NO_MCS;

let dir: string | null = null;
after(() => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); });

let bins: { stubs: string; agent: string; bare: string } | null = null;
function built(): { stubs: string; agent: string; bare: string } {
  if (bins !== null) return bins;
  dir = mkdtempSync(join(tmpdir(), 'tracehound-version-'));
  bins = {
    stubs: exchangeStubs(dir),
    agent: compileAgent(dir, {
      file: 'hygiene.dll', assembly: 'Contoso.MailHygiene', namespace: 'Contoso.MailHygiene', factory: 'HygieneAgentFactory', base: 'smtp',
      version: '2.1.0.7', company: 'Contoso Ltd', description: 'Mail hygiene filter',
    }),
    bare: compileAgent(dir, { file: 'bare.dll', namespace: 'Bare', factory: 'BareFactory', base: 'routing' }),
  };
  return bins;
}

const copy = (path: string) => Buffer.from(readFileSync(path));
function readOrPeError(bytes: Uint8Array): void {
  onlyPeError(() => readVersionInfo(parsePe(bytes)), bytes.length);
}

/** File offsets of the resource tree down to RT_VERSION's data, as the compiler laid them out. */
function tree(pe: PeImage) {
  const b = Buffer.from(pe.bytes.buffer, pe.bytes.byteOffset, pe.bytes.length);
  const root = rvaToOffset(pe, pe.dirs[DIR.resource]!.rva)!;
  const entries = (dirAt: number) => {
    const n = b.readUInt16LE(dirAt + 12) + b.readUInt16LE(dirAt + 14);
    return Array.from({ length: n }, (_, i) => dirAt + 16 + i * 8);
  };
  const typeEntry = entries(root).find((e) => b.readUInt32LE(e) === 16)!;
  const nameDir = root + (b.readUInt32LE(typeEntry + 4) & 0x7fffffff);
  const nameEntry = entries(nameDir)[0]!;
  const langDir = root + (b.readUInt32LE(nameEntry + 4) & 0x7fffffff);
  const langEntry = entries(langDir)[0]!;
  const dataEntry = root + b.readUInt32LE(langEntry + 4);
  const data = rvaToOffset(pe, b.readUInt32LE(dataEntry))!;
  return { root, typeEntry, nameDir, nameEntry, langDir, langEntry, dataEntry, data, dataSize: b.readUInt32LE(dataEntry + 4) };
}

test('fixed file info and every string of the StringFileInfo table', { skip }, () => {
  const v = readVersionInfo(parsePe(copy(built().agent)));
  assert.ok(v);
  assert.equal(v.fileVersion, '2.1.0.7');
  assert.equal(v.productVersion, '2.1.0.7');
  assert.equal(v.strings['CompanyName'], 'Contoso Ltd');
  assert.equal(v.strings['FileDescription'], 'Mail hygiene filter');
  assert.equal(v.strings['Comments'], 'Mail hygiene filter');
  assert.equal(v.strings['FileVersion'], '2.1.0.7');
  assert.equal(v.strings['ProductVersion'], '2.1.0.7');
  assert.equal(v.strings['InternalName'], 'Contoso.MailHygiene');
  assert.equal(v.strings['OriginalFilename'], 'Contoso.MailHygiene.dll');
  for (const k of ['LegalCopyright', 'LegalTrademarks', 'ProductName']) assert.ok(k in v.strings, `${k} missing`);
});

test('the stub SDK reads as 15.0.0.0; an agent without version attributes as 0.0.0.0', { skip }, () => {
  const s = readVersionInfo(parsePe(copy(built().stubs)));
  assert.equal(s?.fileVersion, '15.0.0.0');
  assert.equal(s?.strings['FileDescription'], 'Microsoft.Exchange.Data.Transport (tracehound test stub)');
  const bare = readVersionInfo(parsePe(copy(built().bare)));
  assert.equal(bare?.fileVersion, '0.0.0.0');
  assert.equal(bare?.strings['OriginalFilename'], 'bare.dll');
});

test('no resource directory, or no RT_VERSION in it, gives null', { skip }, () => {
  const whole = copy(built().agent);
  const pe = parsePe(whole);
  let b = Buffer.from(whole);
  const entry = pe.securityDirOffset + (DIR.resource - DIR.security) * 8;
  b.fill(0, entry, entry + 8);
  assert.equal(readVersionInfo(parsePe(b)), null);
  b = Buffer.from(whole);
  b.writeUInt32LE(17, tree(pe).typeEntry); // RT_VERSION renamed to RT_DLGINCLUDE
  assert.equal(readVersionInfo(parsePe(b)), null);
});

test('a resource tree pointing at itself is a cycle', { skip }, () => {
  const whole = copy(built().agent);
  const t = tree(parsePe(whole));
  let b = Buffer.from(whole);
  b.writeUInt32LE(0x80000000, t.typeEntry + 4); // the type entry's subdirectory is the root
  assert.equal(peError(() => readVersionInfo(parsePe(b)), /cycle/).offset, t.typeEntry);
  b = Buffer.from(whole);
  b.writeUInt32LE((0x80000000 | (t.nameDir - t.root)) >>> 0, t.nameEntry + 4); // the name directory holds itself
  assert.equal(peError(() => readVersionInfo(parsePe(b)), /cycle/).offset, t.nameEntry);
});

test('a tree deeper than three levels, a data entry where a directory belongs, too many entries', { skip }, () => {
  const whole = copy(built().agent);
  const t = tree(parsePe(whole));
  let b = Buffer.from(whole);
  b.writeUInt32LE((0x80000000 | (t.langDir - t.root)) >>> 0, t.langEntry + 4);
  peError(() => readVersionInfo(parsePe(b)), /deeper than 3 levels/);
  b = Buffer.from(whole);
  b.writeUInt32LE(t.dataEntry - t.root, t.typeEntry + 4);
  peError(() => readVersionInfo(parsePe(b)), /is a data entry, not a directory/);
  b = Buffer.from(whole);
  b.writeUInt16LE(0xffff, t.root + 14);
  assert.equal(peError(() => readVersionInfo(parsePe(b)), /more than 4096/).offset, t.root + 12);
});

test('malformed VS_VERSIONINFO: wrong key, zero and oversized lengths, data outside the file', { skip }, () => {
  const whole = copy(built().agent);
  const t = tree(parsePe(whole));
  let b = Buffer.from(whole);
  b.write('X', t.data + 6, 'utf16le');
  peError(() => readVersionInfo(parsePe(b)), /not VS_VERSION_INFO/);
  for (const len of [0, 3, t.dataSize + 4]) {
    b = Buffer.from(whole);
    b.writeUInt16LE(len, t.data);
    assert.equal(peError(() => readVersionInfo(parsePe(b)), /has length/).offset, t.data);
  }
  b = Buffer.from(whole);
  b.writeUInt32LE(0xfeef0000, t.data + 40); // the VS_FIXEDFILEINFO signature
  peError(() => readVersionInfo(parsePe(b)), /FEEF04BD/);
  b = Buffer.from(whole);
  b.writeUInt32LE(0x7fff0000, t.dataEntry);
  peError(() => readVersionInfo(parsePe(b)), /not in any section/);
  b = Buffer.from(whole);
  b.writeUInt32LE(0x100000, t.dataEntry + 4);
  peError(() => readVersionInfo(parsePe(b)), /truncated/);
});

test('truncated at every cut point through the resource section', { skip }, () => {
  const whole = copy(built().agent);
  const t = tree(parsePe(whole));
  for (let cut = 0; cut < whole.length; cut++) {
    const bytes = whole.subarray(0, cut);
    readOrPeError(bytes);
    if (cut >= t.root && cut < t.data + t.dataSize) assert.throws(() => readVersionInfo(parsePe(bytes)), PeError, `cut at ${cut}`);
  }
});

test('random byte flips in the resource section never raise anything but PeError', { skip }, () => {
  const whole = copy(built().agent);
  const t = tree(parsePe(whole));
  const flips = fc.array(fc.tuple(fc.integer({ min: t.root, max: t.data + t.dataSize - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 16 });
  fc.assert(fc.property(flips, (fl) => {
    const b = Buffer.from(whole);
    for (const [at, x] of fl) b[at] = b[at]! ^ x;
    readOrPeError(b);
  }), { numRuns: 600 });
});
