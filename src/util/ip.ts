// IPv4/IPv6 parsing for the cidr modifier; addresses as 128-bit BigInts (IPv4 mapped into ::ffff:0:0/96 is kept separate).

export interface Network { v6: boolean; base: bigint; bits: number }

export function parseIPv4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let v = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = (v << 8n) | BigInt(o);
  }
  return v;
}

export function parseIPv6(s: string): bigint | null {
  let str = s;
  if (str.startsWith('[') && str.endsWith(']')) str = str.slice(1, -1);
  const pct = str.indexOf('%');
  if (pct >= 0) str = str.slice(0, pct); // zone id
  if (!str.includes(':')) return null;
  let tailV4: bigint | null = null;
  const lastColon = str.lastIndexOf(':');
  const tail = str.slice(lastColon + 1);
  if (tail.includes('.')) {
    tailV4 = parseIPv4(tail);
    if (tailV4 === null) return null;
    str = str.slice(0, lastColon + 1) + '0:0';
  }
  const halves = str.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  // '::' stands for at least one group of zeros, so at most seven groups may be written beside it.
  if (halves.length === 2 && head.length + rest.length > 7) return null;
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

export function parseCidr(text: string): Network | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v4 = parseIPv4(addr);
  const v6 = v4 === null ? parseIPv6(addr) : null;
  if (v4 === null && v6 === null) return null;
  const width = v4 !== null ? 32 : 128;
  let bits = width;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = Number(b);
    if (bits > width) return null;
  }
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  // Host bits set in the written network are ignored (10.1.2.3/8 means 10.0.0.0/8).
  return { v6: v4 === null, base: (v4 ?? v6!) & mask, bits };
}

export function inNetwork(ip: string, net: Network): boolean {
  const width = net.v6 ? 128 : 32;
  let v = net.v6 ? parseIPv6(ip) : parseIPv4(ip);
  if (v === null && !net.v6) {
    // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches an IPv4 network.
    const six = parseIPv6(ip);
    if (six !== null && six >> 32n === 0xffffn) v = six & 0xffffffffn;
  }
  if (v === null) return false;
  const mask = net.bits === 0 ? 0n : ((1n << BigInt(net.bits)) - 1n) << BigInt(width - net.bits);
  return (v & mask) === net.base;
}
