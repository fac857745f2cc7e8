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
import { pushScalars, scalarString } from '../sigma/event-view.js';

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

function isObj(v: FieldValue | undefined): v is { [k: string]: FieldValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The matcher's view of one value (EventView.strings): scalars as strings, arrays flattened. */
export function tableValue(v: FieldValue): TableValue {
  if (v === null) return null;
  if (Array.isArray(v)) return pushScalars(v, [], false);
  if (isObj(v)) return [];
  return scalarString(v);
}

/** Dotted names are made this many levels deep; values below that are kept in nested_values. */
export const MAX_PATH_DEPTH = 32;

/**
 * Dotted names for members of objects (EventView.get: the exact name first, then the path), and
 * the leaf strings no field value or dotted name reaches (objects inside arrays, or deeper than
 * MAX_PATH_DEPTH). Walked without recursion: evidence can nest arbitrarily deep.
 */
function addNested(fields: Record<string, TableValue>, name: string, v: FieldValue, nested: string[]): void {
  const stack: { name: string; v: FieldValue; depth: number; inArray: boolean }[] = [{ name, v, depth: 0, inArray: false }];
  while (stack.length) {
    const x = stack.pop()!;
    if (x.depth > 0 && !x.inArray && !(x.name in fields)) fields[x.name] = tableValue(x.v);
    if (Array.isArray(x.v)) {
      for (let i = x.v.length - 1; i >= 0; i--) stack.push({ name: '', v: x.v[i]!, depth: x.depth, inArray: true });
      continue;
    }
    if (!isObj(x.v)) continue;
    if (x.inArray || x.depth >= MAX_PATH_DEPTH) { pushScalars(x.v, nested, true); continue; }
    const keys = Object.keys(x.v);
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ name: `${x.name}.${keys[i]}`, v: x.v[keys[i]!]!, depth: x.depth + 1, inArray: false });
  }
}

export function eventRow(ev: Event, id: number): EventRow {
  const fields = ownRecord<TableValue>();
  const nested: string[] = [];
  for (const [k, v] of Object.entries(ev.fields)) fields[k] = tableValue(v);
  for (const [k, v] of Object.entries(ev.fields)) addNested(fields, k, v, nested);
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
