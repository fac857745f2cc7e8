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
