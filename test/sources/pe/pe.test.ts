// The PE/COFF header reader on DLLs compiled with mcs, and on truncated or damaged headers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIR, PeError, looksLikePe, parsePe, readPeFile, rvaSlice, rvaToOffset } from '../../../src/sources/pe/pe.js';
import { SKIP_NO_MCS, compileAgent } from '../../support/agent-binaries.js';
import { peError } from '../../support/pe-assert.js';

const skip = SKIP_NO_MCS;

let dir: string | null = null;
after(() => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); });

let agent: string | null = null;
function built(): string {
  if (agent !== null) return agent;
  dir = mkdtempSync(join(tmpdir(), 'tracehound-pe-'));
  return (agent = compileAgent(dir, { file: 'agent.dll', namespace: 'Pe.Test', factory: 'PeFactory', base: 'smtp', version: '1.0.0.0' }));
}

const copy = (path: string) => Buffer.from(readFileSync(path));

test('a compiled DLL: a 32-bit DLL with .text, .rsrc and .reloc, CLR and resource directories', { skip }, () => {
  const bytes = copy(built());
  assert.equal(looksLikePe(bytes), true);
  assert.equal(looksLikePe(bytes.subarray(0, 0x40)), true); // signature beyond the head: still plausible
  const pe = parsePe(bytes);
  assert.equal(pe.isDll, true);
  assert.equal(pe.is64, false);
  assert.equal(pe.machine, 0x14c);
  assert.equal(bytes.readUInt32LE(pe.peOffset), 0x4550);
  assert.equal(pe.dirs.length, 16);
  assert.deepEqual(pe.sections.map((s) => s.name), ['.text', '.rsrc', '.reloc']);
  assert.equal(pe.checksumOffset, pe.peOffset + 24 + 64);
  assert.equal(pe.securityDirOffset, pe.peOffset + 24 + 96 + DIR.security * 8);
  assert.deepEqual(pe.dirs[DIR.security], { rva: 0, size: 0 }); // not signed
  for (const d of [DIR.clr, DIR.resource]) {
    const { rva, size } = pe.dirs[d]!;
    assert.ok(rva !== 0 && size !== 0, `directory ${d} is empty`);
    const off = rvaToOffset(pe, rva);
    assert.ok(off !== null && off + size <= bytes.length);
    assert.equal(rvaSlice(pe, rva, size, 'a directory').length, size);
  }
  const text = pe.sections[0]!;
  assert.equal(rvaToOffset(pe, pe.dirs[DIR.clr]!.rva), text.rawOffset + pe.dirs[DIR.clr]!.rva - text.virtualAddress);
  assert.equal(rvaToOffset(pe, 0x7fff0000), null);
  assert.equal(rvaToOffset(pe, 0), 0); // inside the headers
  assert.deepEqual(readPeFile(built()).sections, pe.sections);
});

test('rvaSlice refuses RVAs outside the sections and sizes past the end of the file', { skip }, () => {
  const pe = parsePe(copy(built()));
  peError(() => rvaSlice(pe, 0x7fff0000, 4, 'x'), /not in any section/);
  peError(() => rvaSlice(pe, pe.dirs[DIR.clr]!.rva, 1 << 24, 'x'), /truncated/);
});

test('truncated headers: every cut before the end of the section table is a PeError', { skip }, () => {
  const whole = copy(built());
  const pe = parsePe(whole);
  const tableEnd = pe.peOffset + 24 + whole.readUInt16LE(pe.peOffset + 20) + pe.sections.length * 40;
  for (let cut = 0; cut < tableEnd; cut++) {
    const e = peError(() => parsePe(whole.subarray(0, cut)), /truncated/);
    assert.ok(e.offset <= cut, `offset ${e.offset} beyond the cut at ${cut}`);
  }
  for (let cut = tableEnd; cut <= whole.length; cut += 97) assert.equal(parsePe(whole.subarray(0, cut)).sections.length, 3);
});

test('damaged headers: no MZ, no PE signature, unknown magic, too many sections, a short optional header', { skip }, () => {
  const whole = copy(built());
  const pe = parsePe(whole);
  let b = Buffer.from(whole);
  b[0] = 0;
  assert.equal(peError(() => parsePe(b), /MZ/).offset, 0);
  assert.equal(looksLikePe(b), false);
  b = Buffer.from(whole);
  b[pe.peOffset] = 0x4e;
  assert.equal(peError(() => parsePe(b), /no PE signature/).offset, pe.peOffset);
  b = Buffer.from(whole);
  b.writeUInt32LE(0x7ffffff0, 0x3c);
  peError(() => parsePe(b), /truncated/);
  b = Buffer.from(whole);
  b.writeUInt16LE(0x107, pe.peOffset + 24);
  peError(() => parsePe(b), /magic/);
  b = Buffer.from(whole);
  b.writeUInt16LE(500, pe.peOffset + 6);
  peError(() => parsePe(b), /sections/);
  b = Buffer.from(whole);
  b.writeUInt16LE(40, pe.peOffset + 20);
  peError(() => parsePe(b), /shorter/);
  assert.equal(looksLikePe(new Uint8Array(10)), false);
  peError(() => parsePe(new Uint8Array(0)), /truncated/);
});
