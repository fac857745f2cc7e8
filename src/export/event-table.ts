// tracehound's normalised event table: one row per event, the shape `tracehound export` writes
// (JSON lines or Parquet) and the SQL backend (src/sigma/backends/sql.ts) queries.
//
// Columns:
//   event_id     1-based position of the event in the export
//   time         ISO 8601 UTC time of the event, or null
//   time_ms      the same as epoch milliseconds, or null
//   host         the event's computer, or null
//   product, service, category   the event's Sigma logsource (category: the first one)
//   categories   every category between commas (",registry_event,registry_add,"), or null
//   file, kind, record, offset, line   where the event was read (record/offset: EVTX; line: text sources)
//   fields       JSON object of the event's fields by Sigma name. Each value is what tracehound's
//                matcher compares: a string (numbers and booleans in their JavaScript string form),
//                an array of strings (a multi-valued field, e.g. MSExchange Management `Data`; nulls
//                and objects inside are left out), null, or [] (an object). A nested object is also
//                given as dotted keys (`process.name`), unless a field of that exact name exists.
//   nested_values  JSON array of strings that are only inside objects within arrays (keyword
//                searches read them), or null (almost always)
import type { Event, FieldValue } from '../events/model.js';
import { eventCategories } from '../events/model.js';
import { isoString } from '../util/time.js';
import { ownRecord } from '../util/own-record.js';

export type TableValue = string | string[] | null;

export interface EventRow {
  event_id: number;
  time: string | null;
  time_ms: number | null;
  host: string | null;
  product: string | null;
  service: string | null;
  category: string | null;
  categories: string | null;
  file: string;
  kind: string;
  record: number | null;
  offset: number | null;
  line: number | null;
  fields: Record<string, TableValue>;
  nested_values: string[] | null;
}

/** Column names and their DuckDB types, in order (the JSON lines reader and Parquet writer use it). */
export const EVENT_COLUMNS: readonly [string, string][] = [
  ['event_id', 'BIGINT'], ['time', 'VARCHAR'], ['time_ms', 'BIGINT'], ['host', 'VARCHAR'],
  ['product', 'VARCHAR'], ['service', 'VARCHAR'], ['category', 'VARCHAR'], ['categories', 'VARCHAR'],
  ['file', 'VARCHAR'], ['kind', 'VARCHAR'], ['record', 'BIGINT'], ['offset', 'BIGINT'], ['line', 'BIGINT'],
  ['fields', 'JSON'], ['nested_values', 'JSON'],
];

const SQLITE_TYPES: Record<string, string> = { BIGINT: 'INTEGER', VARCHAR: 'TEXT', JSON: 'TEXT' };

/** SQLite: the event table (JSON columns as text). */
export const SQLITE_CREATE_EVENTS = `CREATE TABLE events (${EVENT_COLUMNS.map(([c, t]) => `${c === 'offset' ? '"offset"' : c} ${SQLITE_TYPES[t]}${c === 'event_id' ? ' PRIMARY KEY' : ''}`).join(', ')})`;

/** SQLite: insert one row (bind the values of `sqliteRow`). */
export const SQLITE_INSERT_EVENT = `INSERT INTO events VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`;

export function sqliteRow(r: EventRow): unknown[] {
  return EVENT_COLUMNS.map(([c]) => {
    const v = (r as unknown as Record<string, unknown>)[c];
    return c === 'fields' || c === 'nested_values' ? (v === null ? null : JSON.stringify(v)) : v;
  });
}

function scalarString(v: FieldValue): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function isObj(v: FieldValue | undefined): v is { [k: string]: FieldValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The matcher's view of one value (EventView.strings): scalars as strings, arrays flattened. */
export function tableValue(v: FieldValue): TableValue {
  if (v === null) return null;
  if (Array.isArray(v)) {
    const out: string[] = [];
    const walk = (x: FieldValue) => {
      if (Array.isArray(x)) { for (const y of x) walk(y); return; }
      const s = scalarString(x);
      if (s !== null) out.push(s);
    };
    walk(v);
    return out;
  }
  if (isObj(v)) return [];
  return scalarString(v);
}

/** Leaf strings inside objects that sit in arrays: neither a field value nor a dotted key reaches them. */
function nestedInArrays(v: FieldValue, out: string[], inArray: boolean): void {
  if (Array.isArray(v)) { for (const x of v) nestedInArrays(x, out, true); return; }
  if (isObj(v)) {
    for (const k in v) {
      const x = v[k]!;
      if (inArray) leaves(x, out);
      else nestedInArrays(x, out, false);
    }
  }
}

function leaves(v: FieldValue, out: string[]): void {
  if (Array.isArray(v)) { for (const x of v) leaves(x, out); return; }
  if (isObj(v)) { for (const k in v) leaves(v[k]!, out); return; }
  const s = scalarString(v);
  if (s !== null) out.push(s);
}

export function eventRow(ev: Event, id: number): EventRow {
  const fields = ownRecord<TableValue>();
  const nested: string[] = [];
  for (const [k, v] of Object.entries(ev.fields)) fields[k] = tableValue(v);
  // Dotted names reach into objects (EventView.get: the exact name first, then the path).
  const addPaths = (prefix: string, obj: { [k: string]: FieldValue }) => {
    for (const [k, v] of Object.entries(obj)) {
      const name = `${prefix}.${k}`;
      if (!(name in fields)) fields[name] = tableValue(v);
      if (isObj(v)) addPaths(name, v);
    }
  };
  for (const [k, v] of Object.entries(ev.fields)) {
    if (isObj(v)) addPaths(k, v);
    nestedInArrays(v, nested, false);
  }
  const cats = eventCategories(ev.logsource);
  const t = Number.isNaN(ev.time) ? null : ev.time;
  return {
    event_id: id,
    time: t === null ? null : isoString(t),
    time_ms: t,
    host: ev.host ?? null,
    product: ev.logsource.product ?? null,
    service: ev.logsource.service ?? null,
    category: cats[0] ?? null,
    categories: cats.length ? `,${cats.join(',')},` : null,
    file: ev.ref.file,
    kind: ev.ref.kind,
    record: ev.ref.record ?? null,
    offset: ev.ref.offset ?? null,
    line: ev.ref.line ?? null,
    fields,
    nested_values: nested.length ? nested : null,
  };
}

/** One JSON line per row (the export's JSON lines format; DuckDB reads it with export.ts's `duckdbReadEvents`). */
export function rowJson(r: EventRow): string {
  return JSON.stringify(r);
}
