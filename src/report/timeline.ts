// A CSV timeline Timesketch imports as is: its mandatory columns `message`, `datetime` (ISO 8601)
// and `timestamp_desc` first, then `timestamp` (microseconds since the epoch, for older Timesketch
// importers) and ours. One row per time a finding has: its first_seen, and its last_seen when that
// differs; rows oldest first.
import type { Finding } from '../findings/model.js';
import type { MatchRecord } from './records.js';
import { csvRow } from './csv.js';
import { evidenceWhere } from './summary.js';
import { visible } from './text.js';

export const TIMELINE_COLUMNS = [
  'message', 'datetime', 'timestamp_desc', 'timestamp', 'severity', 'score', 'confidence', 'host', 'rule_id', 'check',
  'finding_id', 'title', 'techniques', 'count', 'first_seen', 'last_seen', 'evidence',
] as const;

export const MATCH_TIMELINE_COLUMNS = [
  'message', 'datetime', 'timestamp_desc', 'timestamp', 'level', 'host', 'rule_id', 'rule_title', 'correlation', 'source', 'fields',
] as const;

const TIMESTAMP_DESC = { first: 'First seen', last: 'Last seen', both: 'First and last seen', match: 'Rule match', correlation: 'Correlation match (first event)' } as const;

/** ISO 8601 with an explicit +00:00 offset (the form Timesketch's documentation shows), or null. */
export function timesketchDatetime(iso: string | null): { datetime: string; micros: number } | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  return { datetime: new Date(t).toISOString().replace(/Z$/, '+00:00'), micros: t * 1000 };
}

export interface TimelineRow { time: number; cells: unknown[] }

/** The rows of one finding (none when it has no time). */
export function findingTimelineRows(f: Finding): TimelineRow[] {
  const first = timesketchDatetime(f.first_seen), last = timesketchDatetime(f.last_seen);
  const times: { t: { datetime: string; micros: number }; desc: string }[] = [];
  if (first && last && first.micros !== last.micros) times.push({ t: first, desc: TIMESTAMP_DESC.first }, { t: last, desc: TIMESTAMP_DESC.last });
  else if (first ?? last) times.push({ t: (first ?? last)!, desc: first && last ? TIMESTAMP_DESC.both : first ? TIMESTAMP_DESC.first : TIMESTAMP_DESC.last });
  const who = f.rule_id ? `rule ${f.rule_id}` : f.check ? `check ${f.check}` : '';
  return times.map(({ t, desc }) => ({
    time: t.micros,
    cells: [
      visible(`[${f.severity}] ${f.title}${f.host ? ` on ${f.host}` : ''} (${desc.toLowerCase()}; ${f.count} event${f.count === 1 ? '' : 's'}${who ? `; ${who}` : ''})`),
      t.datetime, desc, t.micros, f.severity, f.score, f.confidence, f.host, f.rule_id, f.check, f.id, f.title,
      f.techniques.join(' '), f.count, f.first_seen, f.last_seen, f.evidence.map(evidenceWhere).join(' '),
    ],
  }));
}

export function matchTimelineRow(m: MatchRecord): TimelineRow | null {
  const t = timesketchDatetime(m.time);
  if (!t) return null;
  const desc = m.correlation ? TIMESTAMP_DESC.correlation : TIMESTAMP_DESC.match;
  return {
    time: t.micros,
    cells: [
      visible(`[${m.level}] ${m.rule_title}${m.host ? ` on ${m.host}` : ''}`), t.datetime, desc, t.micros, m.level, m.host,
      m.rule_id, m.rule_title, m.correlation ? 'true' : '', evidenceWhere(m.source), m.fields,
    ],
  };
}

/** The whole timeline: header, then the rows oldest first (stable for equal times). */
export function timelineCsv(header: readonly string[], rows: TimelineRow[]): string {
  const sorted = rows.map((r, i) => ({ r, i })).sort((a, b) => a.r.time - b.r.time || a.i - b.i);
  return csvRow([...header]) + sorted.map(({ r }) => csvRow(r.cells)).join('');
}
