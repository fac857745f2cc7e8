// IPv4 networks as regular expressions, for targets without a CIDR function (DuckDB SQL): exactly
// the dotted-quad addresses the matcher's parser accepts (1-3 digits per octet, leading zeros
// allowed), optionally written as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
import type { Network } from '../../util/ip.js';
import { ConversionError } from './ir.js';

type Tok = [number, number]; // an inclusive digit range

/** Digit-range token triples covering [lo, hi] written with exactly 3 digits. */
function range3(lo: number, hi: number): Tok[][] {
  const out: Tok[][] = [];
  const rec = (lo: number, hi: number, width: number, prefix: Tok[]) => {
    if (width === 0) { out.push(prefix); return; }
    const p = 10 ** (width - 1);
    const dLo = Math.floor(lo / p), dHi = Math.floor(hi / p);
    if (dLo === dHi) { rec(lo % p, hi % p, width - 1, [...prefix, [dLo, dLo]]); return; }
    let a = dLo, b = dHi;
    if (lo % p !== 0) { rec(lo % p, p - 1, width - 1, [...prefix, [dLo, dLo]]); a = dLo + 1; }
    const lastPartial = hi % p !== p - 1;
    if (lastPartial) b = dHi - 1;
    if (a <= b) out.push([...prefix, [a, b], ...Array.from({ length: width - 1 }, (): Tok => [0, 9])]);
    if (lastPartial) rec(0, hi % p, width - 1, [...prefix, [dHi, dHi]]);
  };
  rec(lo, hi, 3, []);
  return out;
}

function tok(t: Tok): string {
  return t[0] === t[1] ? String(t[0]) : t[0] === 0 && t[1] === 9 ? '[0-9]' : `[${t[0]}-${t[1]}]`;
}

/** One octet in [lo, hi], also written with fewer digits (5, 05 and 005 are all five). */
export function octetRegex(lo: number, hi: number): string {
  if (lo === 0 && hi === 255) return '(?:[0-9]{1,2}|[01][0-9]{2}|2[0-4][0-9]|25[0-5])';
  const alts: string[] = [];
  for (const [t1, t2, t3] of range3(lo, hi) as [Tok, Tok, Tok][]) {
    // A shorter form is valid when the digits it leaves out may be zeros.
    alts.push(tok(t1) + tok(t2) + tok(t3));
    if (t1[0] === 0) alts.push(tok(t2) + tok(t3));
    if (t1[0] === 0 && t2[0] === 0) alts.push(tok(t3));
  }
  const uniq = [...new Set(alts)];
  return uniq.length === 1 ? uniq[0]! : `(?:${uniq.join('|')})`;
}

/** An anchored regex body for the addresses of an IPv4 network (RE2 / PCRE syntax). */
export function ipv4NetworkRegex(net: Network): string {
  if (net.v6) throw new ConversionError('IPv6 networks (|cidr) cannot be written as a pattern for this target', 'cidr');
  const base = Number(net.base);
  const octets: string[] = [];
  for (let i = 0; i < 4; i++) {
    const b = (base >>> (24 - 8 * i)) & 255;
    const k = Math.max(0, Math.min(8, net.bits - 8 * i));
    const mask = k === 0 ? 0 : (0xff << (8 - k)) & 0xff;
    const lo = b & mask, hi = lo | (~mask & 0xff);
    octets.push(octetRegex(lo, hi));
  }
  return octets.join('\\.');
}

/**
 * DuckDB: the address in a text value as 32 lower-case hex digits (IPv6, with an IPv4 tail, `::`
 * compression, a zone id and brackets handled as tracehound's parser does), or NULL. `v` is a
 * lambda parameter or column; intermediate values are bound with single-element list lambdas.
 */
export function duckdbIpv6Hex(v: string, ws: string): string {
  const bind = (expr: string, name: string, body: string) => `list_transform([${expr}], lambda ${name}: ${body})[1]`;
  const v4 = '([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})';
  const oct = (s: string, k: number) => `CAST(regexp_extract(${s}, '${v4}$', ${k}) AS INTEGER)`;
  // trim (JavaScript's whitespace), cut a zone id, then brackets
  const s0 = `regexp_replace(regexp_replace(${v}, '^[${ws}]+|[${ws}]+$', '', 'g'), '%.*$', '', 's')`;
  const s1 = (a: string) => `CASE WHEN starts_with(${a}, '[') AND ends_with(${a}, ']') THEN ${a}[2:-2] ELSE ${a} END`;
  // an IPv4 tail becomes two hex groups
  const tail = (a: string) => `regexp_extract(${a}, '[^:]*$')`;
  const t = (a: string) => `CASE WHEN NOT contains(${a}, ':') THEN NULL WHEN NOT contains(${tail(a)}, '.') THEN ${a} ` +
    `WHEN regexp_full_match(${tail(a)}, '${v4}') AND ${oct(a, 1)} <= 255 AND ${oct(a, 2)} <= 255 AND ${oct(a, 3)} <= 255 AND ${oct(a, 4)} <= 255 ` +
    `THEN regexp_replace(${a}, '[^:]*$', '') || printf('%x:%x', ${oct(a, 1)} * 256 + ${oct(a, 2)}, ${oct(a, 3)} * 256 + ${oct(a, 4)}) ELSE NULL END`;
  // `::` expanded to the missing zero groups
  const groups = (a: string) => `CASE WHEN ${a} = '' THEN [] ELSE string_split(${a}, ':') END`;
  const f = (h: string) => `CASE len(${h}) WHEN 1 THEN ${h}[1] WHEN 2 THEN ` +
    `CASE WHEN 8 - len(${groups(`${h}[1]`)}) - len(${groups(`${h}[2]`)}) < 0 THEN NULL ELSE array_to_string(list_concat(${groups(`${h}[1]`)}, ` +
    `list_transform(range(8 - len(${groups(`${h}[1]`)}) - len(${groups(`${h}[2]`)})), lambda z: '0'), ${groups(`${h}[2]`)}), ':') END ELSE NULL END`;
  const c = (a: string) => `CASE WHEN regexp_full_match(${a}, '[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){7}') THEN array_to_string(list_transform(string_split(${a}, ':'), lambda g: lpad(lower(g), 4, '0')), '') END`;
  return bind(bind(bind(bind(s0, 'ip_a', s1('ip_a')), 'ip_b', t('ip_b')), 'ip_c', f(`string_split(ip_c, '::')`)), 'ip_d', c('ip_d'));
}

/** A test that 32 hex digits (`hex`) are an address in the network (an IPv4 network: its IPv4-mapped IPv6 range). */
export function hexInNetwork(hex: string, net: Network): string {
  const bits = net.v6 ? net.bits : 96 + net.bits;
  const base = net.v6 ? net.base : (0xffffn << 32n) | net.base;
  const h = base.toString(16).padStart(32, '0');
  const full = Math.floor(bits / 4), rest = bits % 4;
  const parts: string[] = [];
  if (full > 0) parts.push(`starts_with(${hex}, '${h.slice(0, full)}')`);
  if (rest) {
    const n = parseInt(h[full]!, 16), mask = (0xf << (4 - rest)) & 0xf;
    const lo = (n & mask).toString(16), hi = ((n & mask) | (~mask & 0xf)).toString(16);
    parts.push(`substr(${hex}, ${full + 1}, 1) BETWEEN '${lo}' AND '${hi}'`);
  }
  return parts.length ? `(${hex} IS NOT NULL AND ${parts.join(' AND ')})` : `${hex} IS NOT NULL`;
}
