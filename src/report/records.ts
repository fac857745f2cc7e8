// Output records: raw rule matches (`hunt --per-event`) and findings, as table, JSON, JSON lines or CSV.
import type { RuleHit } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import type { FieldValue } from '../events/model.js';
import type { Finding } from '../findings/model.js';
import { isoString } from '../util/time.js';
import { levelOf, ruleKey } from '../sigma/model.js';
import { SEVERITY_RANK } from '../findings/model.js';
import { Sink } from './sink.js';
import { csvRow } from './csv.js';
import { COLOURS, tableRow, type Column } from './text.js';
import { findingRecord } from './schema.js';
import { capText, mdText } from './escape.js';
import { renderMarkdownReport } from './markdown.js';
import { evidenceWhere, SEVERITIES_DESC, type ReportSummary } from './summary.js';
import { resultsSummary, shortRule, shortTime, summaryText } from './results-summary.js';
import { findingTimelineRows, matchTimelineRow, MATCH_TIMELINE_COLUMNS, TIMELINE_COLUMNS, timelineCsv, type TimelineRow } from './timeline.js';

/**
 * Output formats. `timeline`: a CSV timeline Timesketch imports (timeline.ts); `markdown`: a report
 * for a ticket (markdown.ts for findings, a table for other records).
 */
export type Format = 'table' | 'json' | 'jsonl' | 'csv' | 'timeline' | 'markdown';
export const FORMATS: readonly Format[] = ['table', 'json', 'jsonl', 'csv', 'timeline', 'markdown'];

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

export interface RecordWriterExtras<T> {
  /** `--format timeline`: the header and each record's rows (none: the record has no time) */
  timeline?: { header: readonly string[]; rows: (r: T) => TimelineRow[]; untimed?: (n: number) => void };
  /** `--format markdown`: the whole document from all records (default: a table of the table columns) */
  markdown?: (rows: T[]) => string;
}

export function recordWriter<T extends object>(format: Format, sink: Sink, csvColumns: [string, (r: T) => unknown][], table: { columns: Column<T>[]; colour?: (r: T) => string | undefined }, extras: RecordWriterExtras<T> = {}): RecordWriter<T> {
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
    case 'timeline': {
      const tl = extras.timeline;
      if (!tl) throw new Error('these records have no timeline form');
      const rows: TimelineRow[] = [];
      let untimed = 0;
      return {
        write: (r) => { const mine = tl.rows(r); if (mine.length) rows.push(...mine); else untimed++; },
        end: () => { sink.write(timelineCsv(tl.header, rows)); sink.end(); if (untimed) tl.untimed?.(untimed); },
      };
    }
    case 'markdown': {
      const rows: T[] = [];
      const render = extras.markdown ?? ((all: T[]) => markdownTable(table.columns, all));
      return { write: (r) => { rows.push(r); }, end: () => { sink.write(render(rows)); sink.end(); } };
    }
  }
}

/** Records as a Markdown table of the table's columns (cells escaped and capped). */
function markdownTable<T>(columns: Column<T>[], rows: T[]): string {
  const out = [`| ${columns.map((c) => mdText(c.title.toLowerCase())).join(' | ')} |`, `|${columns.map(() => '---|').join('')}`];
  for (const r of rows) out.push(`| ${columns.map((c) => mdText(capText(c.get(r), 1000))).join(' | ')} |`);
  return out.join('\n') + '\n';
}

export function matchWriter(format: Format, sink: Sink, colour: boolean, warn?: (message: string) => void): RecordWriter<MatchRecord> {
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
  }, { timeline: { header: MATCH_TIMELINE_COLUMNS, rows: (m) => { const r = matchTimelineRow(m); return r ? [r] : []; }, ...(warn ? { untimed: (n: number) => warn(`${n} match(es) without a time left out of the timeline`) } : {}) } });
}

export interface FindingWriterOptions {
  /** markdown: the run the findings come from, summarised first */
  summary?: ReportSummary;
  /** told what a format leaves out (timeline: findings without a time); default: standard error */
  warn?: (message: string) => void;
  /** table: the line width (default: tableWidth()) */
  width?: number;
  /** the results summary (results-summary.ts): after the table (default), `only` it (any format), or `none` */
  results?: 'after' | 'only' | 'none';
}

/** Columns of `--format csv` for findings; new columns go at the end only (consumers index them). */
const FINDING_CSV_COLUMNS: [string, (f: Finding) => unknown][] = [
  ['id', (f) => f.id], ['title', (f) => f.title], ['severity', (f) => f.severity], ['confidence', (f) => f.confidence], ['score', (f) => f.score],
  ['techniques', (f) => f.techniques.join(' ')], ['host', (f) => f.host], ['first_seen', (f) => f.first_seen], ['last_seen', (f) => f.last_seen],
  ['count', (f) => f.count], ['rule_id', (f) => f.rule_id], ['check', (f) => f.check], ['evidence', (f) => f.evidence.map(where).join(' ')], ['fields', (f) => f.fields],
];

/** Below this width the findings table gives each finding two lines (it reads at 80 columns). */
export const WIDE_TABLE = 120;

const EVIDENCE_CELL = (f: Finding) => (f.evidence[0] ? evidenceWhere(f.evidence[0]) : '') + (f.count > 1 ? ` (+${f.count - 1})` : '');

/**
 * Table columns for findings at a line width. Wide: one line per finding, the title taking about
 * half of what is left and the evidence (kept by its end) the rest. Narrow: severity, score, rule
 * and title on the first line; `narrowDetail` gives the second.
 */
function findingColumns(width: number): Column<Finding>[] {
  const narrow = width < WIDE_TABLE;
  // an id's 8 characters and most audit checks' names
  const rule = 13;
  const head: Column<Finding>[] = [
    { title: 'SEVERITY', width: 8, get: (f) => (f.severity === 'informational' ? 'info' : f.severity) },
    { title: 'SCORE', width: 5, get: (f) => String(f.score) },
    { title: 'RULE', width: rule, get: (f) => shortRule(f.rule_id ?? f.check) },
  ];
  const title = (w: number): Column<Finding> => ({ title: 'FINDING', width: w, get: (f) => (f.correlation ? '⛓ ' : '') + f.title });
  if (narrow) return [...head, title(Math.max(20, width - 8 - 5 - rule - 6))];
  const fixed = 8 + 5 + rule + 19 + 5 + 19 + 2 * 7;
  const t = Math.min(80, Math.max(30, Math.floor((width - fixed) * 0.7)));
  return [
    ...head, title(t),
    { title: 'HOST', width: 19, get: (f) => f.host ?? '' },
    { title: 'COUNT', width: 5, get: (f) => String(f.count) },
    { title: 'FIRST SEEN (UTC)', width: 19, get: (f) => shortTime(f.first_seen) },
    { title: 'EVIDENCE', width: Math.max(16, width - fixed - t), get: EVIDENCE_CELL, keepEnd: true },
  ];
}

/** The narrow table's second line of a finding: first time, host, count, evidence (kept by its end). */
function narrowDetail(width: number): Column<Finding>[] {
  return [
    { title: '', width: 0, get: () => '' },
    { title: 'FIRST SEEN (UTC)', width: 19, get: (f) => shortTime(f.first_seen) },
    { title: 'HOST', width: 20, get: (f) => f.host ?? '' },
    { title: 'COUNT', width: 5, get: (f) => `${f.count}×` },
    { title: 'EVIDENCE', width: Math.max(12, width - 19 - 20 - 5 - 8), get: EVIDENCE_CELL, keepEnd: true },
  ];
}

/**
 * The findings table: one heading line per severity (most severe first) with its count, then that
 * severity's findings, highest score first. Colour (terminal only) marks the headings and the
 * severity cells. Findings are held until the end, as the grouping needs them all.
 */
export function findingsTable(findings: readonly Finding[], width: number, colour: boolean): string {
  const cols = findingColumns(width);
  const detail = width < WIDE_TABLE ? narrowDetail(width) : null;
  if (colour) cols[0]!.colour = (f) => COLOURS[f.severity];
  let out = tableRow(cols, null) + (detail ? tableRow(detail, null) : '');
  if (findings.length === 0) return out + 'no findings\n';
  const sorted = [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.score - a.score);
  for (const sev of SEVERITIES_DESC) {
    const group = sorted.filter((f) => f.severity === sev);
    if (!group.length) continue;
    const label = `── ${sev.toUpperCase()} · ${group.length} finding${group.length === 1 ? '' : 's'} `;
    const line = label + '─'.repeat(Math.max(3, Math.min(width, 120) - label.length));
    out += (colour ? COLOURS[sev] + line + COLOURS.reset : line) + '\n';
    for (const f of group) out += tableRow(cols, f) + (detail ? tableRow(detail, f) : '');
  }
  return out;
}

/** The terminal's width (at least 80); not on a terminal, $COLUMNS when set, else 160. */
export function tableWidth(env: NodeJS.ProcessEnv = process.env): number {
  const cols = process.stdout.isTTY ? process.stdout.columns : Number(env['COLUMNS']);
  return Number.isFinite(cols) && cols! > 0 ? Math.max(80, cols!) : 160;
}

export function findingWriter(format: Format, sink: Sink, colour: boolean, opts: FindingWriterOptions = {}): RecordWriter<Finding> {
  const width = opts.width ?? tableWidth();
  const warn = opts.warn ?? ((m: string) => { process.stderr.write(`tracehound: ${m}\n`); });
  if (opts.results === 'only') {
    // --summary: the results summary instead of the records (JSON for the JSON formats, text otherwise)
    const all: Finding[] = [];
    return {
      write: (f) => { all.push(f); },
      end: () => {
        const s = resultsSummary(all);
        sink.write(format === 'json' || format === 'jsonl' ? JSON.stringify(s, null, format === 'json' ? 2 : undefined) + '\n' : summaryText(s, width));
        sink.end();
      },
    };
  }
  switch (format) {
    case 'json': case 'jsonl': {
      const w = recordWriter<object>(format, sink, [], { columns: [] });
      return { write: (f) => w.write(findingRecord(f)), end: () => w.end() };
    }
    case 'table': {
      const all: Finding[] = [];
      return { write: (f) => { all.push(f); }, end: () => {
        sink.write(findingsTable(all, width, colour));
        if (all.length && opts.results !== 'none') sink.write('\n' + summaryText(resultsSummary(all), width));
        sink.end();
      } };
    }
    default:
      return recordWriter<Finding>(format, sink, FINDING_CSV_COLUMNS, { columns: findingColumns(width) }, {
        timeline: {
          header: TIMELINE_COLUMNS,
          rows: findingTimelineRows,
          ...(warn ? { untimed: (n: number) => warn(`${n} finding(s) without a time left out of the timeline`) } : {}),
        },
        markdown: (all) => renderMarkdownReport(all, opts.summary),
      });
  }
}
