// Reading message tracking events (fields keyed by the log's own #Fields names) and e-mail addresses.
import type { Event, FieldValue } from '../events/model.js';

export function isMessageTracking(ev: Event): boolean {
  return ev.logsource.product === 'exchange' && ev.logsource.service === 'messagetracking';
}

export function str(ev: Event, name: string): string | undefined {
  const v = ev.fields[name];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** A multi-value field as a list (the readers give arrays; a `;`-joined string is split). */
export function list(ev: Event, name: string): string[] {
  const v: FieldValue | undefined = ev.fields[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  if (typeof v === 'string' && v !== '') return v.split(';').map((x) => x.trim()).filter(Boolean);
  return [];
}

export function num(ev: Event, name: string): number | undefined {
  const v = ev.fields[name];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** An address as compared: trimmed, angle brackets and a leading `SMTP:` removed, lower case. */
export function normAddress(a: string): string {
  return a.trim().replace(/^smtp:/i, '').replace(/^<(.*)>$/, '$1').toLowerCase();
}

/** The domain of an address (lower case), or '' when it has none. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).replace(/[>\s]+$/, '').toLowerCase();
}

/** `S:KEY=value;S:KEY2=value2` (AGENTINFO custom-data) as [KEY, value] pairs; a malformed part is kept whole. */
export function customDataPairs(s: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of s.split(';')) {
    const p = part.trim().replace(/^[A-Z]:/, '');
    if (!p) continue;
    const eq = p.indexOf('=');
    out.push(eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)]);
  }
  return out;
}

/** The file's family: its path with the digits of the hourly file names removed (one stream of lines). */
export function fileFamily(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'), file.lastIndexOf('!'));
  return file.slice(0, slash + 1) + file.slice(slash + 1).replace(/\d+/g, '#').toLowerCase();
}
