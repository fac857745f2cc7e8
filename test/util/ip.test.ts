import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCidr, parseIPv6 } from '../../src/util/ip.js';

test('IPv6: compressed forms, embedded IPv4, zones and brackets', () => {
  assert.equal(parseIPv6('::1'), 1n);
  assert.equal(parseIPv6('[fe80::1%eth0]'), (0xfe80n << 112n) | 1n);
  assert.equal(parseIPv6('::ffff:10.1.2.3'), (0xffffn << 32n) | 0x0a010203n);
  assert.equal(parseIPv6('1:2:3:4:5:6:7:8'), 0x00010002000300040005000600070008n);
});

test('IPv6: malformed addresses are null, never an exception', () => {
  for (const bad of ['1:2:3:4:5:6:7:8::9', '1::2::3', '1:2:3:4:5:6:7:8:9', ':::', '12345::', 'g::1', '1:2:3:4:5:6:7::8:9']) {
    assert.equal(parseIPv6(bad), null, bad);
  }
  fc.assert(fc.property(fc.stringMatching(/^[0-9a-f:.]{0,40}$/), (s) => {
    const v = parseIPv6(s);
    assert.ok(v === null || (v >= 0n && v < 1n << 128n));
    parseCidr(`${s}/64`);
  }), { numRuns: 2000 });
});
