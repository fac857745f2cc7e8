// Timestamps as written in event logs: ISO 8601 with or without zone ("no zone" means UTC), any fraction.
import type { DatePart } from '../sigma/model.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch milliseconds, or NaN. */
export function parseTimestamp(s: string): number {
  const fast = canonicalUtc(s);
  if (fast >= 0) return fast;
  const m = ISO.exec(s.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0));
  if (frac) t += Math.floor(Number(frac.slice(0, 3).padEnd(3, '0')));
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

const digit = (s: string, i: number) => { const c = s.charCodeAt(i) - 48; return c >= 0 && c <= 9 ? c : -100000; };
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/**
 * The form nearly every event log writes (`2022-10-11T19:26:52.045655Z`, any fraction, `Z`) read
 * without a regex, as the general parser would; -1 for any other form.
 */
function canonicalUtc(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return -1;
  const y = two(s, 0) * 100 + two(s, 2), mo = two(s, 5), d = two(s, 8), h = two(s, 11), mi = two(s, 14), sec = two(s, 17);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return -1;
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 || n === 21) return -1;
    for (let i = 20; i < n - 1; i++) if (digit(s, i) < 0) return -1;
    for (let i = 20; i < 23; i++) ms = ms * 10 + (i < n - 1 ? digit(s, i) : 0);
  } else if (n !== 20) return -1;
  return Date.UTC(y, mo - 1, d, h, mi, sec) + ms;
}

/** ISO 8601 week number (1-53). */
function isoWeek(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const firstThursday = new Date(thursday);
  const yearStart = Date.UTC(firstThursday.getUTCFullYear(), 0, 1);
  return 1 + Math.floor((thursday - yearStart) / (7 * 86_400_000));
}

export function datePart(t: number, part: DatePart): number {
  const d = new Date(t);
  switch (part) {
    case 'minute': return d.getUTCMinutes();
    case 'hour': return d.getUTCHours();
    case 'day': return d.getUTCDate();
    case 'week': return isoWeek(t);
    case 'month': return d.getUTCMonth() + 1;
    case 'year': return d.getUTCFullYear();
  }
}

export function isoString(t: number): string {
  return Number.isNaN(t) ? '' : new Date(t).toISOString();
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A Sigma timespan ("90s", "30m", "1h", "7d") in milliseconds; NaN when malformed or not positive. */
export function parseDuration(s: string): number {
  const m = /^(\d+)([smhd])$/.exec(s.trim());
  if (!m || Number(m[1]) <= 0) return NaN;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
