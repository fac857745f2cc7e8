// Authenticode on real files: DLLs compiled with mcs, signed with osslsigncode by a throw-away PKI, then
// tampered with. Every file is also given to `osslsigncode verify -CAfile <test root>`: it verifies a file
// exactly when we call it 'trusted'.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { parsePe, readPeFile } from '../../../src/sources/pe/pe.js';
import {
  authenticodeDigest, microsoftRoots, readCertificates, verifyAuthenticode, type AuthenticodeResult, type SignatureStatus,
} from '../../../src/sources/pe/authenticode.js';
import { SKIP_NO_SIGNING, compileLibrary, issueLeaf, makeTestPki, makeTsaCert, osslVerify, signPe, type TestPki } from '../../support/signing.js';

const skip = SKIP_NO_SIGNING;

let dir: string | null = null;
after(() => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); });

interface Files {
  pki: TestPki; unsigned: string; sha256: string; sha1: string; other: string; nested: string;
  /** RFC 3161 timestamps from osslsigncode's TSA: inside every certificate's validity, and before the TSA certificate's */
  timestamped: string; tsaTime: number; earlyStamp: string; earlyTime: number;
  /** a one-day leaf timestamped two days later; a leaf for TLS servers only */
  lateStamp: string; serverOnly: string;
}
let files: Files | null = null;
/** The PKI and the signed DLLs, made once on first use (never when the tools are absent). */
function made(): Files {
  if (files !== null) return files;
  dir = mkdtempSync(join(tmpdir(), 'tracehound-authenticode-'));
  const pki = makeTestPki(join(dir, 'pki'));
  const unsigned = compileLibrary(dir, 'agent');
  const f = (name: string) => join(dir!, name);
  signPe(unsigned, f('sha256.dll'), pki.leafCertPem, pki.leafKeyPem);
  signPe(unsigned, f('sha1.dll'), pki.leafCertPem, pki.leafKeyPem, { hash: 'sha1' });
  signPe(unsigned, f('other.dll'), pki.otherLeafCertPem, pki.otherLeafKeyPem);
  signPe(f('sha256.dll'), f('nested.dll'), pki.otherLeafCertPem, pki.otherLeafKeyPem, { hash: 'sha1', nest: true });
  const tsa = makeTsaCert(pki);
  const tsaTime = Math.floor(Date.now() / 1000) + 3600;
  const earlyTime = tsaTime - 400 * 86400;
  signPe(unsigned, f('timestamped.dll'), pki.leafCertPem, pki.leafKeyPem, { tsa: { cert: tsa.certPem, key: tsa.keyPem, time: tsaTime } });
  signPe(unsigned, f('early.dll'), pki.leafCertPem, pki.leafKeyPem, { tsa: { cert: tsa.certPem, key: tsa.keyPem, time: earlyTime } });
  const shortLived = issueLeaf(pki, 'short', { days: 1 });
  signPe(unsigned, f('late.dll'), shortLived.certPem, shortLived.keyPem, { tsa: { cert: tsa.certPem, key: tsa.keyPem, time: tsaTime + 2 * 86400 } });
  const server = issueLeaf(pki, 'server', { eku: 'serverAuth' });
  signPe(unsigned, f('server.dll'), server.certPem, server.keyPem);
  files = {
    pki, unsigned, sha256: f('sha256.dll'), sha1: f('sha1.dll'), other: f('other.dll'), nested: f('nested.dll'),
    timestamped: f('timestamped.dll'), tsaTime, earlyStamp: f('early.dll'), earlyTime, lateStamp: f('late.dll'), serverOnly: f('server.dll'),
  };
  return files;
}

/** Writes a variant of a file under the temp dir and returns its path. */
function variant(name: string, bytes: Uint8Array): string {
  const p = join(dir!, name);
  writeFileSync(p, bytes);
  return p;
}

/** File offset of the certificate-table directory entry and its (offset, size) value. */
function securityDir(bytes: Buffer): { entry: number; offset: number; size: number } {
  const pe = parsePe(bytes);
  return { entry: pe.securityDirOffset, offset: bytes.readUInt32LE(pe.securityDirOffset), size: bytes.readUInt32LE(pe.securityDirOffset + 4) };
}

/** Ours with the test root, and the differential check against osslsigncode. */
async function check(path: string, expected: SignatureStatus | readonly SignatureStatus[]): Promise<AuthenticodeResult> {
  const { pki } = made();
  const r = await verifyAuthenticode(readPeFile(path), [pki.rootDer]);
  const want = typeof expected === 'string' ? [expected] : expected;
  assert.ok(want.includes(r.status), `${path}: ${r.status} (${r.reason}), expected ${want.join(' or ')}`);
  assert.ok(r.reason.length > 10 && !r.reason.includes('\n'), `one sentence: ${r.reason}`);
  const theirs = osslVerify(path, pki.rootPem);
  assert.equal(r.status === 'trusted', theirs.verified, `${path}: we say ${r.status} (${r.reason}); osslsigncode ${theirs.verified ? 'verifies it' : 'rejects it'}:\n${theirs.output}`);
  return r;
}

/** The image hash osslsigncode computes, from its verify output. */
function osslDigest(path: string): string {
  const out = osslVerify(path).output;
  const m = /Calculated message digest\s*:\s*([0-9A-F]+)/i.exec(out);
  assert.ok(m, `no calculated digest in:\n${out}`);
  return m[1]!.toLowerCase();
}

/** The signer's encrypted digest (SignerInfo.signature) in the file, found by its bytes. */
function signatureValueOffset(bytes: Buffer): { offset: number; length: number } {
  const { offset, size } = securityDir(bytes);
  const blob = bytes.subarray(offset + 8, offset + size);
  const ci = pkijs.ContentInfo.fromBER(blob);
  const sd = new pkijs.SignedData({ schema: ci.content });
  const sig = Buffer.from(sd.signerInfos[0]!.signature.getValue());
  const at = bytes.indexOf(sig, offset);
  assert.ok(at > 0 && bytes.indexOf(sig, at + 1) === -1);
  return { offset: at, length: sig.length };
}

test('an unsigned DLL is unsigned', { skip }, async () => {
  const r = await check(made().unsigned, 'unsigned');
  assert.equal(r.signer, null);
  assert.equal(r.fileDigest, null);
});

test('signed by the test leaf: trusted with the test root, untrusted without roots or with the other root', { skip }, async () => {
  const { pki, sha256 } = made();
  const r = await check(sha256, 'trusted');
  assert.equal(r.digestAlgorithm, 'sha256');
  assert.equal(r.fileDigest, r.signedDigest);
  assert.equal(r.signer?.commonName, 'Tracehound Test Publisher (test)');
  assert.equal(r.signer?.organization, 'Tracehound Tests');
  assert.equal(r.chain.length, 2);
  assert.equal(r.chain[1]!.sha1, createHash('sha1').update(pki.rootDer).digest('hex'));
  assert.equal(r.chain[1]!.commonName, 'Tracehound Test Root (test)');
  assert.match(r.signer!.serial, /^[0-9a-f]+$/);
  assert.ok(Date.parse(r.signer!.notBefore) < Date.now() && Date.now() < Date.parse(r.signer!.notAfter));
  assert.ok(r.signingTime !== null && Math.abs(Date.parse(r.signingTime) - Date.now()) < 3_600_000);
  assert.equal(r.extraSignatures, 0);

  const pe = readPeFile(sha256);
  const none = await verifyAuthenticode(pe, []);
  assert.equal(none.status, 'untrusted', none.reason);
  assert.equal(none.signer?.sha1, r.signer?.sha1);
  const other = await verifyAuthenticode(pe, [pki.otherRootDer]);
  assert.equal(other.status, 'untrusted', other.reason);
  assert.match(other.reason, /Tracehound Test Root \(test\)/);
  const ms = await verifyAuthenticode(pe, microsoftRoots());
  assert.equal(ms.status, 'untrusted');
  const garbageRoot = await verifyAuthenticode(pe, [new Uint8Array([1, 2, 3]), pki.rootDer]);
  assert.equal(garbageRoot.status, 'trusted', 'an unparsable root is skipped, not fatal');
});

test('a SHA-1 signature verifies too', { skip }, async () => {
  const r = await check(made().sha1, 'trusted');
  assert.equal(r.digestAlgorithm, 'sha1');
  assert.equal(r.fileDigest?.length, 40);
});

test("someone else's signature is untrusted with the test root", { skip }, async () => {
  const r = await check(made().other, 'untrusted');
  assert.equal(r.signer?.commonName, 'Tracehound Test Publisher (other)');
  assert.match(r.reason, /not one of the 1 trusted roots|issued/);
});

test('a nested signature is counted, not evaluated', { skip }, async () => {
  const r = await check(made().nested, 'trusted');
  assert.equal(r.extraSignatures, 1);
  assert.equal(r.signer?.commonName, 'Tracehound Test Publisher (test)');
});

test('an RFC 3161 timestamp gives the signing time and the validity date', { skip }, async () => {
  const { timestamped, tsaTime } = made();
  const r = await check(timestamped, 'trusted');
  assert.equal(r.signingTime, new Date(tsaTime * 1000).toISOString());
  assert.match(r.reason, /at the timestamp/);
});

test('a timestamp whose TSA certificate was not yet valid is not used for validity; the signature is checked now', { skip }, async () => {
  const { earlyStamp, earlyTime, tsaTime } = made();
  const r = await check(earlyStamp, 'trusted');
  assert.match(r.reason, /now \(no verified timestamp\)/);
  assert.equal(r.signingTime, new Date(earlyTime * 1000).toISOString(), 'still reported: its own signature is intact');
  const none = await verifyAuthenticode(readPeFile(made().timestamped), []);
  assert.equal(none.status, 'untrusted');
  assert.equal(none.signingTime, new Date(tsaTime * 1000).toISOString());
});

test('a leaf that expired before its verified timestamp is untrusted: validity is checked at the timestamp', { skip }, async () => {
  const r = await check(made().lateStamp, 'untrusted');
  assert.match(r.reason, /at the timestamp .*expired on/);
});

test('a leaf whose extended key usage lacks code signing is untrusted', { skip }, async () => {
  const r = await check(made().serverOnly, 'untrusted');
  assert.match(r.reason, /extended key usage without code signing/);
});

test('authenticodeDigest equals the digest osslsigncode calculates', { skip }, async () => {
  const { sha256, sha1, other, nested, timestamped } = made();
  for (const [path, alg] of [[sha256, 'sha256'], [sha1, 'sha1'], [other, 'sha256'], [nested, 'sha256'], [timestamped, 'sha256'], [made().earlyStamp, 'sha256']] as const) {
    const ours = authenticodeDigest(readPeFile(path), alg);
    assert.equal(ours, osslDigest(path), path);
    assert.equal((await verifyAuthenticode(readPeFile(path), [])).fileDigest, ours);
  }
  // Unsigned: the same image hash as once signed (the table is excluded, the directory entry skipped).
  assert.equal(authenticodeDigest(readPeFile(made().unsigned), 'sha256'), osslDigest(sha256));
  assert.match(authenticodeDigest(readPeFile(sha256), 'md5'), /^[0-9a-f]{32}$/);
  assert.match(authenticodeDigest(readPeFile(sha256), 'sha512'), /^[0-9a-f]{128}$/);
});

test('a byte flipped in a section body: hash-mismatch', { skip }, async () => {
  const { sha256, sha1 } = made();
  for (const [name, src] of [['flip256.dll', sha256], ['flip1.dll', sha1]] as const) {
    const bytes = readFileSync(src);
    const text = parsePe(bytes).sections.find((s) => s.name === '.text')!;
    bytes[text.rawOffset + 0x10] = bytes[text.rawOffset + 0x10]! ^ 0x01;
    const path = variant(name, bytes);
    const r = await check(path, 'hash-mismatch');
    assert.notEqual(r.fileDigest, r.signedDigest);
    assert.equal(r.fileDigest, osslDigest(path));
    assert.match(r.reason, /differs from the signed/);
  }
});

test('bytes inserted inside the signed range (before the table, directory moved): hash-mismatch', { skip }, async () => {
  const src = readFileSync(made().sha256);
  const { entry, offset } = securityDir(src);
  for (const n of [1, 8]) {
    const bytes = Buffer.concat([src.subarray(0, offset), Buffer.alloc(n, 0x90), src.subarray(offset)]);
    bytes.writeUInt32LE(offset + n, entry);
    const path = variant(`insert${n}.dll`, bytes);
    const r = await check(path, 'hash-mismatch');
    assert.equal(r.fileDigest, osslDigest(path));
  }
});

test("the signer's encrypted digest corrupted: bad-signature", { skip }, async () => {
  const bytes = readFileSync(made().sha256);
  const sig = signatureValueOffset(bytes);
  bytes[sig.offset + (sig.length >> 1)] = bytes[sig.offset + (sig.length >> 1)]! ^ 0xff;
  const r = await check(variant('badsig.dll', bytes), 'bad-signature');
  assert.equal(r.fileDigest, r.signedDigest);
  assert.match(r.reason, /signature does not verify/);
});

test('the signed image digest itself altered: hash-mismatch before the signature is looked at', { skip }, async () => {
  const bytes = readFileSync(made().sha256);
  const signed = Buffer.from((await verifyAuthenticode(readPeFile(made().sha256), [])).signedDigest!, 'hex');
  const at = bytes.indexOf(signed);
  bytes[at] = bytes[at]! ^ 0x01;
  const r = await check(variant('digest.dll', bytes), 'hash-mismatch');
  assert.notEqual(r.signedDigest, r.fileDigest);
});

test('a certificate table pointing past the end of the file, or into the headers: malformed', { skip }, async () => {
  const src = readFileSync(made().sha256);
  const { entry, offset, size } = securityDir(src);
  const cases: Array<[string, number, number]> = [
    ['past-eof.dll', offset, size + 64],
    ['far.dll', 0x7fff0000, size],
    ['headers.dll', 0x40, size],
    ['zero-offset.dll', 0, size],
  ];
  for (const [name, o, n] of cases) {
    const bytes = Buffer.from(src);
    bytes.writeUInt32LE(o, entry);
    bytes.writeUInt32LE(n, entry + 4);
    const r = await check(variant(name, bytes), 'malformed');
    assert.match(r.reason, /offset 0x/);
    assert.throws(() => authenticodeDigest(readPeFile(join(dir!, name)), 'sha256'));
  }
});

test('garbage in the certificate table: malformed, never a throw', { skip }, async () => {
  const src = readFileSync(made().sha256);
  const { entry, offset, size } = securityDir(src);
  const mutate = (name: string, f: (b: Buffer) => Buffer | void): string => {
    const b = Buffer.from(src);
    return variant(name, f(b) ?? b);
  };
  const paths: string[] = [
    mutate('random.dll', (b) => { for (let i = offset; i < offset + size; i++) b[i] = (i * 7919) & 0xff; }),
    mutate('zero-length.dll', (b) => { b.writeUInt32LE(0, offset); }),
    mutate('long-length.dll', (b) => { b.writeUInt32LE(size + 8, offset); }),
    mutate('revision.dll', (b) => { b.writeUInt16LE(0x0100, offset + 4); }),
    mutate('type.dll', (b) => { b.writeUInt16LE(0x0001, offset + 6); }),
    mutate('pkcs7-garbage.dll', (b) => { b.fill(0x41, offset + 8, offset + size); }),
    mutate('pkcs7-truncated.dll', (b) => { b.fill(0, offset + 8 + 200, offset + size); }),
    mutate('tiny-table.dll', (b) => { b.writeUInt32LE(4, entry + 4); return b.subarray(0, offset + 4); }),
    // four stray bytes after the last entry, inside the table
    mutate('table-tail.dll', (b) => { const c = Buffer.concat([b, Buffer.alloc(4)]); c.writeUInt32LE(size + 4, entry + 4); return c; }),
    // data appended after the table: the table is no longer the end of the file
    mutate('appended.dll', (b) => Buffer.concat([b, Buffer.from('MZ payload')])),
  ];
  for (const p of paths) {
    const r = await check(p, 'malformed');
    assert.match(r.reason, /offset 0x|PKCS#7/, r.reason);
  }
});

test('unsigned bytes hidden after the PKCS#7 blob inside its entry are reported, the signature still holds', { skip }, async () => {
  const src = readFileSync(made().sha256);
  const { entry, offset, size } = securityDir(src);
  const b = Buffer.concat([src, Buffer.from('hidden payload!!')]);
  b.writeUInt32LE(size + 16, entry + 4);
  b.writeUInt32LE(b.readUInt32LE(offset) + 16, offset);
  const r = await check(variant('padded.dll', b), 'trusted');
  assert.match(r.reason, /unsigned bytes follow the PKCS#7 blob/);
});

test('property: random corruption of the certificate table never throws', { skip }, async () => {
  const src = readFileSync(made().sha256);
  const { offset, size } = securityDir(src);
  const { pki } = made();
  const statuses = new Set<SignatureStatus>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: size - 1 }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 12 }),
      async (edits) => {
        const b = Buffer.from(src);
        for (const e of edits) b[offset + e.at] = e.value;
        const r = await verifyAuthenticode(parsePe(b), [pki.rootDer]);
        statuses.add(r.status);
        assert.ok(r.reason.length > 0);
        if (r.status === 'trusted') assert.equal(r.fileDigest, r.signedDigest);
      },
    ),
    { numRuns: 300, seed: 20261201 },
  );
  assert.ok(statuses.size >= 2, `only ${[...statuses].join(', ')}`);
});

test('differential: seeded random corruptions of the certificate table agree with osslsigncode', { skip }, async () => {
  const { pki, sha256, sha1 } = made();
  let seed = 20261202;
  const next = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  const seen = new Set<SignatureStatus>();
  for (const [n, src] of [sha256, sha1].entries()) {
    const original = readFileSync(src);
    const { offset, size } = securityDir(original);
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(original);
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) b[offset + Math.floor(next() * size)] = Math.floor(next() * 256);
      const path = variant(`fuzz-${n}-${i}.dll`, b);
      const r = await verifyAuthenticode(readPeFile(path), [pki.rootDer]);
      seen.add(r.status);
      const theirs = osslVerify(path, pki.rootPem);
      assert.equal(r.status === 'trusted', theirs.verified, `${path}: we say ${r.status} (${r.reason}); osslsigncode:\n${theirs.output}`);
    }
  }
  assert.ok(seen.size >= 3, `statuses seen: ${[...seen].join(', ')}`);
});

test('readCertificates: a PEM bundle, one DER certificate, and garbage', { skip }, () => {
  const { pki } = made();
  const bundle = `# a comment\n${readFileSync(pki.rootPem, 'utf8')}\nsome text between\n${readFileSync(join(pki.dir, 'other-root.pem'), 'utf8')}`;
  const certs = readCertificates(Buffer.from(bundle));
  assert.equal(certs.length, 2);
  assert.deepEqual(Buffer.from(certs[0]!), Buffer.from(pki.rootDer));
  assert.deepEqual(Buffer.from(certs[1]!), Buffer.from(pki.otherRootDer));
  const der = readCertificates(pki.rootDer);
  assert.equal(der.length, 1);
  assert.deepEqual(Buffer.from(der[0]!), Buffer.from(pki.rootDer));

  assert.throws(() => readCertificates(Buffer.from('hello, world')), /neither a PEM bundle nor a DER certificate/);
  assert.throws(() => readCertificates(new Uint8Array()), /empty/);
  assert.throws(() => readCertificates(pki.rootDer.subarray(0, 100)), /DER/);
  assert.throws(() => readCertificates(Buffer.concat([pki.rootDer, Buffer.from([0])])), /ends at byte/);
  assert.throws(() => readCertificates(Buffer.from('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n')), /block #1.*base64/);
  assert.throws(() => readCertificates(Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')), /block #1.*not an X\.509 certificate/);
  assert.throws(() => readCertificates(Buffer.from('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')), /no complete BEGIN CERTIFICATE/);
});

test("Microsoft's shipped code-signing roots parse and have the published thumbprints", () => {
  const roots = microsoftRoots();
  const thumbprints = roots.map((r) => createHash('sha1').update(r).digest('hex'));
  assert.deepEqual(thumbprints.sort(), [
    '3b1efd3a66ea28b16697394703a72ca340a05bd5', // Microsoft Root Certificate Authority 2010
    '8f43288ad272f3103b6fb1428485ea3014c0bcfe', // Microsoft Root Certificate Authority 2011
    'a43489159a520f0d93d032ccaf37e7fe20a8b419', // Microsoft Root Authority (the brief's a4…032caaf… is a typo of this published value)
  ]);
  const names = roots.map((r) => pkijs.Certificate.fromBER(r).subject.typesAndValues.find((t) => t.type === '2.5.4.3')!.value.valueBlock.value as string);
  assert.deepEqual(names.sort(), ['Microsoft Root Authority', 'Microsoft Root Certificate Authority 2010', 'Microsoft Root Certificate Authority 2011']);
});
