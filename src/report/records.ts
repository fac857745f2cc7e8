// Output records: raw rule matches (`hunt --per-event`) and findings, as table, JSON, JSON lines or CSV.
import type { RuleHit } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import type { FieldValue } from '../events/model.js';
import type { Finding } from '../findings/model.js';
import { isoString } from '../util/time.js';
import { levelOf, ruleKey } from '../sigma/model.js';
import { Sink } from './sink.js';
import { csvRow } from './csv.js';
import { COLOURS, tableRow, type Column } from './text.js';

export type Format = 'table' | 'json' | 'jsonl' | 'csv';
export const FORMATS: readonly Format[] = ['table', 'json', 'jsonl', 'csv'];

export interface SourceRef { file: string; kind: string; record?: number; line?: number; offset?: number }

export interface MatchRecord {
  rule_id: string;
  rule_title: string;
  level: string;
  time: string | null;
  host: string | null;
  source: SourceRef;
  fields: Record<string, FieldValue>;
  correlation?: true;
  rules?: string[];
  events?: SourceRef[];
  event_count?: number;
  group?: Record<string, string | null>;
  value?: number;
}

function sourceRef(r: { file: string; kind: string; record?: number; line?: number; offset?: number }): SourceRef {
  const s: SourceRef = { file: r.file, kind: r.kind };
  if (r.record !== undefined) s.record = r.record;
  if (r.line !== undefined) s.line = r.line;
  if (r.offset !== undefined) s.offset = r.offset;
  return s;
}

export function matchRecord(h: RuleHit): MatchRecord {
  const m = h.rule.meta;
  return {
    rule_id: ruleKey(m), rule_title: m.title, level: levelOf(m),
    time: isoString(h.event.time) || null, host: h.event.host ?? null, source: sourceRef(h.event.ref), fields: h.event.fields,
  };
}

export function correlationRecord(h: CorrelationHit): MatchRecord {
  const m = h.rule.meta;
  const first = h.events[0]?.ref;
  return {
    rule_id: ruleKey(m), rule_title: m.title, level: levelOf(m),
    time: isoString(h.first) || null, host: h.host ?? null, source: first ? sourceRef(first) : { file: '', kind: '' },
    fields: { ...h.group }, correlation: true, rules: h.rules, events: h.events.map((e) => sourceRef(e.ref)),
    event_count: h.eventCount, group: h.group, value: h.value,
  };
}

function where(s: SourceRef): string {
  return s.record !== undefined ? `${s.file}#${s.record}` : s.line !== undefined ? `${s.file}:${s.line}` : s.file;
}

export interface RecordWriter<T> { write(row: T): void; end(): void }

export function recordWriter<T extends object>(format: Format, sink: Sink, csvColumns: [string, (r: T) => unknown][], table: { columns: Column<T>[]; colour?: (r: T) => string | undefined }): RecordWriter<T> {
  let n = 0;
  switch (format) {
    case 'jsonl':
      return { write: (r) => sink.write(JSON.stringify(r) + '\n'), end: () => sink.end() };
    case 'json':
      return {
        write: (r) => sink.write((n++ === 0 ? '[\n' : ',\n') + JSON.stringify(r)),
        end: () => { sink.write(n === 0 ? '[]\n' : '\n]\n'); sink.end(); },
      };
    case 'csv':
      sink.write(csvRow(csvColumns.map(([h]) => h)));
      return { write: (r) => sink.write(csvRow(csvColumns.map(([, g]) => g(r)))), end: () => sink.end() };
    case 'table':
      sink.write(tableRow(table.columns, null));
      return { write: (r) => sink.write(tableRow(table.columns, r, table.colour?.(r))), end: () => sink.end() };
  }
}

export function matchWriter(format: Format, sink: Sink, colour: boolean): RecordWriter<MatchRecord> {
  const width = Math.max(80, process.stdout.columns ?? 160);
  return recordWriter<MatchRecord>(format, sink, [
    ['rule_id', (r) => r.rule_id], ['rule_title', (r) => r.rule_title], ['level', (r) => r.level], ['time', (r) => r.time],
    ['host', (r) => r.host], ['file', (r) => r.source.file], ['kind', (r) => r.source.kind], ['record', (r) => r.source.record],
    ['line', (r) => r.source.line], ['correlation', (r) => (r.correlation ? 'true' : '')], ['fields', (r) => r.fields],
  ], {
    columns: [
      { title: 'TIME', width: 24, get: (r) => r.time ?? '' },
      { title: 'LEVEL', width: 8, get: (r) => r.level },
      { title: 'RULE', width: 44, get: (r) => (r.correlation ? '⛓ ' : '') + r.rule_title },
      { title: 'HOST', width: 18, get: (r) => r.host ?? '' },
      { title: 'SOURCE', width: Math.max(20, width - 24 - 8 - 44 - 18 - 8), get: (r) => where(r.source), keepEnd: true },
    ],
    ...(colour ? { colour: (r: MatchRecord) => COLOURS[r.level as keyof typeof COLOURS] } : {}),
  });
}

export function findingWriter(format: Format, sink: Sink, colour: boolean): RecordWriter<Finding> {
  const width = Math.max(80, process.stdout.columns ?? 160);
  return recordWriter<Finding>(format, sink, [
    ['id', (f) => f.id], ['title', (f) => f.title], ['severity', (f) => f.severity], ['confidence', (f) => f.confidence], ['score', (f) => f.score],
    ['techniques', (f) => f.techniques.join(' ')], ['host', (f) => f.host], ['first_seen', (f) => f.first_seen], ['last_seen', (f) => f.last_seen],
    ['count', (f) => f.count], ['rule_id', (f) => f.rule_id], ['check', (f) => f.check], ['evidence', (f) => f.evidence.map(where).join(' ')], ['fields', (f) => f.fields],
  ], {
    columns: [
      { title: 'SEVERITY', width: 9, get: (f) => f.severity },
      { title: 'SCORE', width: 5, get: (f) => String(f.score) },
      { title: 'FINDING', width: 46, get: (f) => (f.correlation ? '⛓ ' : '') + f.title },
      { title: 'HOST', width: 18, get: (f) => f.host ?? '' },
      { title: 'COUNT', width: 6, get: (f) => String(f.count) },
      { title: 'FIRST SEEN', width: 24, get: (f) => f.first_seen ?? '' },
      { title: 'EVIDENCE', width: Math.max(20, width - 9 - 5 - 46 - 18 - 6 - 24 - 11), get: (f) => (f.evidence[0] ? where(f.evidence[0]) : '') + (f.count > 1 ? ` (+${f.count - 1})` : ''), keepEnd: true },
    ],
    ...(colour ? { colour: (f: Finding) => COLOURS[f.severity] } : {}),
  });
}
