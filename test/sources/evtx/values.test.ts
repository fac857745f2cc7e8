// Unit tests of the value decoders on hand-made byte arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VT_ANSI, VT_BINARY, VT_BOOL, VT_EVTHANDLE, VT_FILETIME, VT_GUID, VT_HEXINT32, VT_HEXINT64, VT_INT16, VT_INT32,
  VT_INT64, VT_INT8, VT_NULL, VT_REAL32, VT_REAL64, VT_SID, VT_SIZET, VT_STRING, VT_SYSTEMTIME, VT_UINT16, VT_UINT32,
  VT_UINT64, VT_UINT8, VT_ARRAY, arrayItems, filetimeIso, isEmptyValue, isNumericType, trimEndWhitespace, valueJson, valueXml,
} from '../../../src/sources/evtx/values.js';
import { crc32, crc32Table } from '../../../src/sources/evtx/crc32.js';

const B = (...bytes: number[]): Buffer => Buffer.from(bytes);
const j = (t: number, b: Buffer): unknown => valueJson(b, t, 0, b.length);
const x = (t: number, b: Buffer): string => valueXml(b, t, 0, b.length);

test('strings: UTF-16 cut at the first NUL, ANSI without NULs', () => {
  assert.equal(j(VT_STRING, Buffer.from('abc\0junk', 'utf16le')), 'abc');
  assert.equal(j(VT_STRING, Buffer.from('h\u00e9llo \u20ac', 'utf16le')), 'h\u00e9llo \u20ac');
  assert.equal(j(VT_STRING, Buffer.from('a long string that takes the slow path of the decoder', 'utf16le')), 'a long string that takes the slow path of the decoder');
  assert.equal(j(VT_STRING, B()), '');
  assert.equal(j(VT_STRING, B(0x41, 0x00, 0x42)), 'A'); // odd size: last byte ignored
  assert.equal(j(VT_ANSI, B(0x41, 0x00, 0x42, 0x80)), 'AB\u20ac'); // windows-1252
});

test('integers: signed and unsigned widths, 64-bit beyond 2^53 as strings', () => {
  assert.equal(j(VT_INT8, B(0xff)), -1);
  assert.equal(j(VT_UINT8, B(0xff)), 255);
  assert.equal(j(VT_INT16, B(0x00, 0x80)), -32768);
  assert.equal(j(VT_UINT16, B(0x00, 0x80)), 32768);
  assert.equal(j(VT_INT32, B(0xfe, 0xff, 0xff, 0xff)), -2);
  assert.equal(j(VT_UINT32, B(0xfe, 0xff, 0xff, 0xff)), 4294967294);
  assert.equal(j(VT_UINT64, B(1, 0, 0, 0, 1, 0, 0, 0)), 4294967297);
  assert.equal(j(VT_UINT64, B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), '18446744073709551615');
  assert.equal(j(VT_INT64, B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)), -1);
  assert.equal(j(VT_INT64, B(0, 0, 0, 0, 0, 0, 0, 0x80)), '-9223372036854775808');
  assert.equal(j(VT_INT64, B(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0)), 9007199254740991);
  assert.equal(j(VT_UINT32, B(1, 2)), null); // too short
  assert.equal(isNumericType(VT_UINT32), true);
  assert.equal(isNumericType(VT_BOOL), true);
  assert.equal(isNumericType(VT_HEXINT32), false);
  assert.equal(isNumericType(VT_REAL64), false);
});

test('reals: shortest round-trip text', () => {
  const f32 = Buffer.alloc(4);
  f32.writeFloatLE(3199.234);
  assert.equal(j(VT_REAL32, f32), '3199.234');
  const f64 = Buffer.alloc(8);
  f64.writeDoubleLE(0.1);
  assert.equal(j(VT_REAL64, f64), '0.1');
});

test('booleans: 32-bit, any non-zero value is true', () => {
  assert.equal(j(VT_BOOL, B(0, 0, 0, 0)), false);
  assert.equal(j(VT_BOOL, B(1, 0, 0, 0)), true);
  assert.equal(j(VT_BOOL, B(2, 0, 0, 0)), true);
  assert.equal(j(VT_BOOL, B(0, 0, 0, 0x80)), true);
  assert.equal(x(VT_BOOL, B(2, 0, 0, 0)), 'true');
});

test('binary, GUID, size_t, HexInt', () => {
  assert.equal(j(VT_BINARY, B(0xe1, 0x07, 0x0a)), 'E1070A');
  const guid = B(0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d);
  assert.equal(j(VT_GUID, guid), '54849625-5478-4994-A5BA-3E3B0328C30D');
  assert.equal(x(VT_GUID, guid), '{54849625-5478-4994-A5BA-3E3B0328C30D}');
  assert.equal(j(VT_SIZET, B(0xec, 0x7e, 0, 0)), '0x7eec');
  assert.equal(j(VT_SIZET, B(0x60, 0x02, 0, 0, 0, 0, 0, 0)), '0x260');
  assert.equal(j(VT_HEXINT32, B(0, 0, 0, 0)), '0x0');
  assert.equal(j(VT_HEXINT32, B(0x4d, 0x42, 0x04, 0)), '0x4424d');
  assert.equal(j(VT_HEXINT64, B(0, 0, 0, 0, 0, 0, 0x20, 0x80)), '0x8020000000000000');
  assert.equal(j(VT_HEXINT64, B(0xe7, 0x03, 0, 0, 0, 0, 0, 0)), '0x3e7');
  assert.equal(j(VT_HEXINT64, B(1, 0, 0, 0, 1, 0, 0, 0)), '0x100000001');
});

test('FILETIME and SYSTEMTIME: microseconds in JSON, 7 digits in XML', () => {
  const ft = Buffer.alloc(8);
  // 2022-10-11T19:26:52.0456558Z
  ft.writeBigUInt64LE((BigInt(Date.parse('2022-10-11T19:26:52.000Z')) + 11644473600000n) * 10000n + 456558n);
  assert.equal(j(VT_FILETIME, ft), '2022-10-11T19:26:52.045655Z');
  assert.equal(x(VT_FILETIME, ft), '2022-10-11T19:26:52.0456558Z');
  assert.equal(filetimeIso(0, 0), '1601-01-01T00:00:00.000000Z');
  assert.equal(filetimeIso(0xffffffff, 0xffffffff), '+60056-05-28T05:36:10.955161Z'.replace('+', ''));
  const st = Buffer.alloc(16);
  [2017, 5, 5, 19, 2, 2, 36, 203].forEach((v, i) => st.writeUInt16LE(v, i * 2));
  assert.equal(j(VT_SYSTEMTIME, st), '2017-05-19T02:02:36.203000Z');
  assert.equal(x(VT_SYSTEMTIME, st), '2017-05-19T02:02:36.2030000Z');
});

test('SID: revision, authority, sub-authorities; truncated SIDs keep what fits', () => {
  const sid = Buffer.concat([B(1, 5, 0, 0, 0, 0, 0, 5), Buffer.from(new Uint32Array([21, 186559946, 3925841745, 111227986, 500]).buffer)]);
  assert.equal(j(VT_SID, sid), 'S-1-5-21-186559946-3925841745-111227986-500');
  assert.equal(j(VT_SID, B(1, 1, 0, 0, 0, 0, 0, 18, 0, 0, 0, 0).subarray(0, 8)), 'S-1-18');
  assert.equal(j(VT_SID, B(1, 2)), null);
});

test('arrays: comma-joined text; items delimited for element repetition', () => {
  const sa = Buffer.from('10.00.\u000015063\u0000\u0000x\u0000', 'utf16le');
  assert.equal(j(VT_ARRAY | VT_STRING, sa), '10.00.,15063,,x');
  const items = arrayItems(sa, VT_STRING, 0, sa.length)!;
  assert.equal(items.length / 2, 4);
  assert.equal(sa.toString('utf16le', items[2], items[2]! + items[3]!), '15063');
  assert.equal(items[5], 0); // empty third item
  const ua = Buffer.from(new Uint16Array([1, 2, 65535]).buffer);
  assert.equal(j(VT_ARRAY | VT_UINT16, ua), '1,2,65535');
  const ha = Buffer.from(new Uint32Array([0, 255]).buffer);
  assert.equal(j(VT_ARRAY | VT_HEXINT32, ha), '0x0,0xff');
});

test('null, EvtHandle and emptiness (optional substitutions)', () => {
  assert.equal(j(VT_NULL, B(1, 2)), null);
  assert.equal(j(VT_EVTHANDLE, B(1, 2, 3, 4)), null);
  assert.equal(isEmptyValue(B(1, 2), VT_NULL, 0, 2), true);
  assert.equal(isEmptyValue(B(), VT_UINT32, 0, 0), true);
  assert.equal(isEmptyValue(B(0, 0, 0x41, 0), VT_STRING, 0, 4), true);
  assert.equal(isEmptyValue(B(0x41, 0), VT_STRING, 0, 2), false);
  assert.equal(isEmptyValue(B(0, 0), VT_ANSI, 0, 2), true);
  assert.equal(isEmptyValue(B(0, 0, 0, 0), VT_UINT32, 0, 4), false);
});

test('trailing whitespace trimming (trimStrings option)', () => {
  assert.equal(trimEndWhitespace('"cmd.exe" '), '"cmd.exe"');
  assert.equal(trimEndWhitespace('a\r\n\t\u3000'), 'a');
  assert.equal(trimEndWhitespace('  a b'), '  a b');
  assert.equal(trimEndWhitespace(' \n'), '');
});

test('CRC32: native and table-driven agree, continuation works', () => {
  const data = Buffer.from('123456789');
  assert.equal(crc32(data), 0xcbf43926);
  assert.equal(crc32Table(data), 0xcbf43926);
  const big = Buffer.alloc(1000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  assert.equal(crc32(big, 100, 1000, crc32(big, 0, 100)), crc32(big));
  assert.equal(crc32Table(big, 100, 1000, crc32Table(big, 0, 100)), crc32(big));
});
