// Field and logsource mappings of the query backends, kept as data (data/backends/*.yaml).
//
// A mapping file names, in order, the logsources a target can query; the first entry whose
// `logsource` fits the rule is used. An entry gives the table (or index), a fixed condition, and how
// each Sigma field is written in the target. Windows channel entries (`channels: true`) take the
// rule's channel and event ids from data/windows-logsources.yaml, so the logsource becomes a
// condition on the Sigma fields `Channel` and `EventID`, mapped like any other field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Logsource } from '../model.js';
import { dataPath } from '../../util/package-root.js';
import { windowsLogsourceMap, type WindowsLogsourceMap } from '../../events/logsource-map.js';
import { ConversionError, and, or, type Expr } from './ir.js';
import { parseSigmaString } from '../sigma-string.js';

export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'bool' | 'datetime' | 'dynamic' | 'guid' | 'ip';

/** The column types compared as numbers. */
export const NUMERIC: ReadonlySet<ColumnType> = new Set(['int', 'long', 'real']);

export type FieldTarget =
  /** a column (or ECS/Splunk field) of this name; `prefix` is written before compared values */
  | { kind: 'column'; name: string; type: ColumnType; prefix?: string }
  /** a target expression (KQL: strcat of two columns) */
  | { kind: 'expr'; expr: string; type: ColumnType }
  /** an item of an XML column holding the event data (`<Data Name="x">v</Data>`; name null: `<Data>v</Data>`) */
  | { kind: 'xml'; column: string; name: string | null }
  /** Sysmon's `Hashes` (`SHA1=…,MD5=…`) split into one column per algorithm */
  | { kind: 'hashes'; columns: Record<string, string> };

export interface TableSpec { time?: string; host?: string; columns: Record<string, ColumnType> }

export interface LogsourceEntry {
  logsource: Logsource;
  table?: string;
  /** raw target text ANDed to the query */
  condition?: string;
  /** derive the channel / event id condition from data/windows-logsources.yaml */
  channels: boolean;
  fields: Record<string, FieldTarget | null>;
  /** a Sigma field named like a column of the table is that column */
  columnsAreFields: boolean;
  /** fields the entry does not list: an error (none), the Sigma name itself (same), a name prefix, or an XML column */
  fallback: { kind: 'none' } | { kind: 'same' } | { kind: 'prefix'; prefix: string } | { kind: 'xml'; column: string };
  /** how keywords are searched: the columns to search, or none (keywords are an error) */
  keywords: string[] | null;
}

export interface TargetMapping {
  file: string;
  target: string;
  tables: Record<string, TableSpec>;
  logsources: LogsourceEntry[];
  /** free-form settings of the target (index, table name, ...) */
  settings: Record<string, unknown>;
}

const cache = new Map<string, TargetMapping>();

function parseTarget(v: unknown, where: string, types: Record<string, ColumnType>): FieldTarget | null {
  if (v === null) return null;
  if (typeof v === 'string') return { kind: 'column', name: v, type: types[v] ?? 'string' };
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o['column'] === 'string') return { kind: 'column', name: o['column'], type: (o['type'] as ColumnType) ?? types[o['column']] ?? 'string', ...(typeof o['prefix'] === 'string' ? { prefix: o['prefix'] } : {}) };
    if (typeof o['expr'] === 'string') return { kind: 'expr', expr: o['expr'], type: (o['type'] as ColumnType) ?? 'string' };
    if (typeof o['xml'] === 'string') return { kind: 'xml', column: o['xml'], name: o['name'] === null ? null : typeof o['name'] === 'string' ? o['name'] : null };
    if (o['hashes'] && typeof o['hashes'] === 'object') return { kind: 'hashes', columns: o['hashes'] as Record<string, string> };
  }
  throw new Error(`${where}: a field maps to a name, null, or {column}, {expr}, {xml, name} or {hashes}`);
}

export function parseMapping(text: string, file: string): TargetMapping {
  const doc = parseYaml(text, { merge: true }) as Record<string, unknown>;
  if (!doc || typeof doc !== 'object') throw new Error(`${file}: expected a map`);
  const tables: Record<string, TableSpec> = {};
  for (const [name, t] of Object.entries((doc['tables'] ?? {}) as Record<string, Record<string, unknown>>)) {
    tables[name] = { columns: (t['columns'] ?? {}) as Record<string, ColumnType>, ...(typeof t['time'] === 'string' ? { time: t['time'] } : {}), ...(typeof t['host'] === 'string' ? { host: t['host'] } : {}) };
  }
  const globalFields = (doc['fields'] ?? {}) as Record<string, unknown>;
  const entries = doc['logsources'];
  if (!Array.isArray(entries)) throw new Error(`${file}: expected 'logsources', a list`);
  const logsources = entries.map((e: Record<string, unknown>, i: number): LogsourceEntry => {
    const where = `${file}: logsources[${i}]`;
    const table = typeof e['table'] === 'string' ? e['table'] : undefined;
    if (table && Object.keys(tables).length && !tables[table]) throw new Error(`${where}: table '${table}' is not declared under 'tables'`);
    const types = table ? tables[table]!.columns : ((doc['types'] ?? {}) as Record<string, ColumnType>);
    const fields: Record<string, FieldTarget | null> = {};
    for (const [k, v] of Object.entries({ ...globalFields, ...((e['fields'] ?? {}) as Record<string, unknown>) })) fields[k] = parseTarget(v, where, types);
    const fb = e['fallback'];
    let fallback: LogsourceEntry['fallback'] = { kind: 'none' };
    if (fb === 'same') fallback = { kind: 'same' };
    else if (fb && typeof fb === 'object' && typeof (fb as Record<string, unknown>)['prefix'] === 'string') fallback = { kind: 'prefix', prefix: (fb as Record<string, string>)['prefix']! };
    else if (fb && typeof fb === 'object' && typeof (fb as Record<string, unknown>)['xml'] === 'string') fallback = { kind: 'xml', column: (fb as Record<string, string>)['xml']! };
    else if (fb !== undefined && fb !== 'none') throw new Error(`${where}: fallback is none, same, {prefix} or {xml}`);
    const kw = e['keywords'];
    return {
      logsource: (e['logsource'] ?? {}) as Logsource,
      ...(table ? { table } : {}),
      ...(typeof e['condition'] === 'string' ? { condition: e['condition'] } : {}),
      channels: e['channels'] === true,
      fields,
      columnsAreFields: e['columns_are_fields'] === true,
      fallback,
      keywords: Array.isArray(kw) ? kw.map(String) : null,
    };
  });
  const settings = (doc['settings'] ?? {}) as Record<string, unknown>;
  return { file, target: String(doc['target'] ?? ''), tables, logsources, settings };
}

/** data/backends/<name>.yaml, or a file given by the user. */
export function loadMapping(nameOrFile: string): TargetMapping {
  const file = nameOrFile.includes('/') || nameOrFile.endsWith('.yaml') ? nameOrFile : dataPath('backends', `${nameOrFile}.yaml`);
  let m = cache.get(file);
  if (!m) {
    m = parseMapping(readFileSync(file, 'utf8'), file);
    cache.set(file, m);
  }
  return m;
}

/**
 * The entries whose logsource fits the rule, in order: every key an entry names equals the rule's,
 * and it names the rule's category and service (a channel entry covers any Windows logsource).
 */
export function entriesFor(m: TargetMapping, ls: Logsource): LogsourceEntry[] {
  const out: LogsourceEntry[] = [];
  for (const e of m.logsources) {
    const want = e.logsource;
    const keys = ['product', 'service', 'category'] as const;
    if (!keys.every((k) => want[k] === undefined || want[k] === ls[k])) continue;
    if (!e.channels) {
      if (ls.category !== undefined && want.category === undefined) continue;
      if (ls.service !== undefined && want.service === undefined) continue;
    }
    out.push(e);
  }
  if (out.length === 0) throw new ConversionError(`no ${m.target} mapping for logsource ${showLogsource(ls)} (${m.file})`, 'unmapped logsource');
  return out;
}

/** The first fitting entry. */
export function entryFor(m: TargetMapping, ls: Logsource): LogsourceEntry {
  return entriesFor(m, ls)[0]!;
}

/**
 * Try each fitting entry in turn: the first that can express the rule wins (a Sysmon field Defender
 * has no column for sends the rule to the Sysmon events of the next entry); all failing, the first
 * entry's error is reported.
 */
export function firstThatConverts<T>(m: TargetMapping, ls: Logsource, f: (e: LogsourceEntry) => T): T {
  let first: unknown;
  for (const e of entriesFor(m, ls)) {
    try {
      return f(e);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      first ??= err;
    }
  }
  throw first;
}

export function showLogsource(ls: Logsource): string {
  return (['product', 'service', 'category'] as const).filter((k) => ls[k] !== undefined).map((k) => `${k}: ${ls[k]}`).join(', ') || '(empty)';
}

/** The target of one Sigma field in an entry, or a ConversionError naming it. */
export function fieldTarget(m: TargetMapping, e: LogsourceEntry, field: string): FieldTarget {
  if (Object.prototype.hasOwnProperty.call(e.fields, field)) {
    const t = e.fields[field];
    if (t === null) throw new ConversionError(`field '${field}' has no equivalent in ${e.table ?? m.target} (${m.file})`, 'unmapped field');
    return t!;
  }
  const cols = e.table ? m.tables[e.table]?.columns : undefined;
  if (e.columnsAreFields && cols && cols[field]) return { kind: 'column', name: field, type: cols[field]! };
  switch (e.fallback.kind) {
    case 'same': return { kind: 'column', name: field, type: 'string' };
    case 'prefix': return { kind: 'column', name: e.fallback.prefix + field, type: 'string' };
    case 'xml': return { kind: 'xml', column: e.fallback.column, name: field === 'Data' ? null : field };
    case 'none': throw new ConversionError(`field '${field}' has no equivalent in ${e.table ?? m.target} (${m.file})`, 'unmapped field');
  }
}

/** A rule's detection for an entry: a channel entry ANDs the logsource's channel condition in front. */
export function withChannels(entry: LogsourceEntry, ls: Logsource, e: Expr): Expr {
  return entry.channels ? and([channelCondition(ls), e]) : e;
}

/**
 * For a channel entry: the rule's logsource as a condition on the Sigma fields `Channel` and
 * `EventID` (and the `when` fields of a category), from data/windows-logsources.yaml.
 */
export function channelCondition(ls: Logsource, map: WindowsLogsourceMap = windowsLogsourceMap()): Expr {
  if (ls.product !== undefined && ls.product !== 'windows') throw new ConversionError(`logsource product '${ls.product}' is not a Windows event log`, 'unmapped logsource');
  const channelsOf = (service: string) => [...map.channels].filter(([, s]) => s === service).map(([lc]) => map.channelNames.get(lc)!);
  const eq = (field: string, value: string): Expr => ({ k: 'pred', field, pred: { t: 'str', parts: parseSigmaString(value.replace(/[\\*?]/g, '\\$&')).parts, cased: false, bytes: false } });
  const num = (field: string, n: number): Expr => ({ k: 'pred', field, pred: { t: 'num', n, forms: [String(n)] } });
  if (ls.category !== undefined) {
    const entries = map.categories.filter((c) => c.category === ls.category && (ls.service === undefined || c.service === ls.service));
    if (entries.length === 0) throw new ConversionError(`no Windows event source for category '${ls.category}' in data/windows-logsources.yaml`, 'unmapped logsource');
    // The first service listed for the category (Sysmon for the Sysmon-style categories): other
    // services name their fields differently (Security 4688's NewProcessName).
    const service = entries[0]!.service;
    const mine = entries.filter((c) => c.service === service);
    const chans = channelsOf(service);
    if (chans.length === 0) throw new ConversionError(`no channel for service '${service}'`, 'unmapped logsource');
    return and([
      or(chans.map((c) => eq('Channel', c))),
      or(mine.map((c) => and([
        or(c.event_ids.map((id) => num('EventID', id))),
        ...Object.entries(c.when ?? {}).map(([f, want]) => or((Array.isArray(want) ? want : [want]).map((w) => eq(f, w)))),
      ]))),
    ]);
  }
  if (ls.service !== undefined) {
    const chans = channelsOf(ls.service);
    if (chans.length === 0) throw new ConversionError(`no Windows channel for service '${ls.service}' in data/windows-logsources.yaml`, 'unmapped logsource');
    return or(chans.map((c) => eq('Channel', c)));
  }
  return { k: 'const', v: true };
}
