// Exchange text log lines and saved Get-MessageTrackingLog objects -> Events, driven by
// data/exchange-logs.yaml: logsource (product exchange, service by log type), fields by the log's
// own `#Fields` names, lists and numbers typed, time and host.
import { ownRecord } from '../util/own-record.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Event, EventLogsource, EventRef, FieldValue } from './model.js';
import { dataPath } from '../util/package-root.js';
import { parseTimestamp } from '../util/time.js';

export interface LogTypeSpec {
  log_type: string;
  service: string;
  time?: string;
  host?: string;
  lists?: string[];
  numbers?: string[];
  fields?: string[];
}

export interface ExchangeLogMap {
  product: string;
  types: LogTypeSpec[];
  genericTime: string[];
  genericHost: string[];
  trackingExport: {
    spec: LogTypeSpec;
    required: string[];
    anyOf: string[];
    /** fields that are collections in the objects */
    collections: Set<string>;
    /** lower-cased property name -> log field name */
    properties: Map<string, string>;
    /** lower-cased property name -> as written in the data file */
    originalNames: Map<string, string>;
  };
  /** lower-cased log type -> spec */
  byLogType: Map<string, LogTypeSpec>;
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function parseExchangeLogMap(text: string, file: string): ExchangeLogMap {
  const doc = parse(text) as {
    product?: unknown; log_types?: LogTypeSpec[]; generic_time?: unknown; generic_host?: unknown;
    tracking_export?: { log_type?: unknown; required?: unknown; any_of?: unknown; collections?: unknown; properties?: Record<string, unknown> };
  };
  if (!doc || typeof doc.product !== 'string' || !Array.isArray(doc.log_types)) throw new Error(`${file}: expected 'product' and 'log_types'`);
  const byLogType = new Map<string, LogTypeSpec>();
  doc.log_types.forEach((t, i) => {
    if (typeof t.log_type !== 'string' || typeof t.service !== 'string') throw new Error(`${file}: log_types[${i}] needs log_type and service`);
    for (const k of ['lists', 'numbers', 'fields'] as const) if (t[k] !== undefined && !strings(t[k])) throw new Error(`${file}: log_types[${i}].${k} must be a list of names`);
    byLogType.set(t.log_type.toLowerCase(), t);
  });
  const te = doc.tracking_export;
  if (!te || typeof te.log_type !== 'string' || !strings(te.required) || !strings(te.any_of) || !strings(te.collections) || typeof te.properties !== 'object' || te.properties === null) {
    throw new Error(`${file}: tracking_export needs log_type, required, any_of, collections and properties`);
  }
  const spec = byLogType.get(te.log_type.toLowerCase());
  if (!spec) throw new Error(`${file}: tracking_export.log_type '${te.log_type}' is not one of log_types`);
  const properties = new Map<string, string>();
  const originalNames = new Map<string, string>();
  for (const [k, v] of Object.entries(te.properties)) {
    if (typeof v !== 'string') throw new Error(`${file}: tracking_export.properties.${k} must be a field name`);
    properties.set(k.toLowerCase(), v);
    originalNames.set(k.toLowerCase(), k);
  }
  if (!strings(doc.generic_time) || !strings(doc.generic_host)) throw new Error(`${file}: generic_time and generic_host must be lists of names`);
  return {
    product: doc.product, types: doc.log_types, genericTime: doc.generic_time, genericHost: doc.generic_host,
    trackingExport: { spec, required: te.required, anyOf: te.any_of, collections: new Set(te.collections), properties, originalNames }, byLogType,
  };
}

let cached: ExchangeLogMap | undefined;

export function exchangeLogMap(): ExchangeLogMap {
  if (!cached) {
    const file = dataPath('exchange-logs.yaml');
    cached = parseExchangeLogMap(readFileSync(file, 'utf8'), file);
  }
  return cached;
}

/** The service of a log type the data file does not name: `HttpProxy Logs` -> `httpproxy-logs`. */
export function genericService(logType: string): string {
  return logType.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64);
}

/**
 * A `;`-separated multi-value cell as a list. A part that starts with a space continues the one
 * before it ("550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found" is one status), and `;` inside
 * `{...}` or `[...]` does not split (the bracketed parts of a FAIL status).
 */
export function splitMulti(s: string): string[] {
  const out: string[] = [];
  if (s.indexOf(';') < 0) return s === '' ? out : [s];
  let depth = 0;
  let start = 0;
  const take = (end: number): void => {
    const part = s.slice(start, end);
    if (out.length && /^\s/.test(part) && part.trim() !== '') out[out.length - 1] += `;${part}`;
    else if (part.trim() !== '') out.push(part);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && depth > 0) depth--;
    else if (c === 59 && depth === 0) { take(i); start = i + 1; }
  }
  take(s.length);
  return out;
}

const STRING = 0, LIST = 1, NUMBER = 2;

/** How the cells of one #Fields header become fields, worked out once per header. */
interface Plan { logsource: EventLogsource; names: string[]; types: Uint8Array; time: number; host: number; protoName: boolean }

/** An own property even when the (attacker-written) name is `__proto__`. */
function put(rec: Record<string, FieldValue>, key: string, value: FieldValue): void {
  if (key === '__proto__') Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
  else rec[key] = value;
}

const plans = new WeakMap<object, Plan>();

function plan(map: ExchangeLogMap, header: { logType?: string; fields: string[] }): Plan {
  let p = plans.get(header);
  if (p) return p;
  const spec = header.logType === undefined ? undefined : map.byLogType.get(header.logType.toLowerCase());
  const logsource: EventLogsource = { product: map.product };
  const service = spec ? spec.service : header.logType === undefined ? '' : genericService(header.logType);
  if (service) logsource.service = service;
  const f = header.fields;
  const types = new Uint8Array(f.length);
  if (spec) {
    for (const n of spec.lists ?? []) { const i = f.indexOf(n); if (i >= 0) types[i] = LIST; }
    for (const n of spec.numbers ?? []) { const i = f.indexOf(n); if (i >= 0) types[i] = NUMBER; }
  }
  const first = (names: string[]): number => { for (const n of names) { const i = f.indexOf(n); if (i >= 0) return i; } return -1; };
  const time = spec ? (spec.time ? f.indexOf(spec.time) : -1) : first(map.genericTime);
  const host = spec ? (spec.host ? f.indexOf(spec.host) : -1) : first(map.genericHost);
  p = { logsource, names: f, types, time, host, protoName: f.includes('__proto__') };
  plans.set(header, p);
  return p;
}

/** Whole numbers as numbers (at most 15 digits, so exact), anything else as the text. */
function numberOr(s: string): FieldValue {
  const neg = s.charCodeAt(0) === 45 ? 1 : 0;
  if (s.length <= neg || s.length - neg > 15) return s;
  for (let i = neg; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 48 || c > 57) return s; }
  return Number(s);
}

/** Exchange writes `2024-03-04T09:00:01.115Z`; that exact form is read directly, anything else the general way. */
function logTime(s: string): number {
  if (s.length === 24 && s.charCodeAt(23) === 90 && s.charCodeAt(10) === 84 && s.charCodeAt(4) === 45 && s.charCodeAt(19) === 46) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return t;
  }
  return parseTimestamp(s);
}

/** One log line (its cells, as many as the header's fields) -> an Event; empty cells are absent. */
export function logLineEvent(header: { logType?: string; fields: string[] }, cells: string[], ref: EventRef, map: ExchangeLogMap = exchangeLogMap()): Event {
  const p = plan(map, header);
  const fields = ownRecord<FieldValue>();
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i]!;
    if (v === '') continue;
    const t = p.types[i];
    const value = t === STRING ? v : t === LIST ? splitMulti(v) : numberOr(v);
    if (p.protoName) put(fields, p.names[i]!, value);
    else fields[p.names[i]!] = value;
  }
  const ev: Event = { ref, time: p.time >= 0 ? logTime(cells[p.time] ?? '') : NaN, logsource: p.logsource, fields };
  if (p.host >= 0 && cells[p.host]) ev.host = cells[p.host]!;
  return ev;
}

// ---------------------------------------------------------------------------------------------
// Get-MessageTrackingLog output saved as CSV, JSON or CLIXML

/** True when these property names (a CSV header, a JSON object's keys) are a message tracking event's. */
export function isTrackingExport(keys: Iterable<string>, map: ExchangeLogMap = exchangeLogMap()): boolean {
  const have = new Set<string>();
  for (const k of keys) have.add(k.toLowerCase());
  const te = map.trackingExport;
  return te.required.every((k) => have.has(k.toLowerCase())) && te.anyOf.some((k) => have.has(k.toLowerCase()));
}

/** What Export-Csv writes for a list it cannot render: the type's name (`System.String[]`, `System.Collections.Generic.List`1[...]`). */
const TYPE_NAME = /^(Deserialized\.)?System\.(String\[\]|Object\[\]|Collections\.[\w.`\[\], =]+)$/;
const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\s*([AP]M))?$/i;

/**
 * An exported Timestamp: ISO 8601 (PowerShell 7's ConvertTo-Json, Export-Clixml), `/Date(ms)/`
 * (Windows PowerShell's ConvertTo-Json), or the en-US text Export-Csv writes (`9/19/2022 5:02:29 PM`).
 * A time without a zone is taken as UTC.
 */
export function parseExportTime(s: string): number {
  const t = s.trim();
  const ms = MS_DATE.exec(t);
  if (ms) return Number(ms[1]);
  const us = US_DATE.exec(t);
  if (us) {
    let h = Number(us[4]);
    const ap = us[7]?.toUpperCase();
    if (ap === 'PM' && h < 12) h += 12;
    if (ap === 'AM' && h === 12) h = 0;
    return Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), h, Number(us[5]), Number(us[6]));
  }
  return parseTimestamp(t);
}

type Plain = FieldValue | undefined;

function isObj(v: Plain): v is { [k: string]: FieldValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Scalars as text; `{Key, Value}` pairs (EventData) as `Key=Value`, and their `[Key, Value]` text form the same. */
function textOf(v: Plain): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') {
    const kv = /^\[([^,\]]+), ([\s\S]*)\]$/.exec(v);
    return kv ? `${kv[1]}=${kv[2]}` : v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(textOf).filter((x) => x !== '').join(';');
  const key = v['Key'] ?? v['key'];
  if (key !== undefined) return `${textOf(key)}=${textOf(v['Value'] ?? v['value'])}`;
  // a ToString text kept by the CLIXML reader, else the properties
  const str = v['#text'];
  return typeof str === 'string' ? str : JSON.stringify(v).slice(0, 4096);
}

export interface TrackingExportResult {
  event: Event;
  /** properties that hold a type name instead of their values (Export-Csv of arrays and lists) */
  lost: string[];
}

/** One Get-MessageTrackingLog object (CSV row, JSON object, CLIXML object) -> a message tracking Event. */
export function trackingExportEvent(obj: Record<string, FieldValue>, ref: EventRef, map: ExchangeLogMap = exchangeLogMap()): TrackingExportResult {
  const te = map.trackingExport;
  const spec = te.spec;
  const lists = new Set(spec.lists ?? []);
  const numbers = new Set(spec.numbers ?? []);
  const fields = ownRecord<FieldValue>();
  const lost: string[] = [];
  let time = NaN;
  for (const [prop, value] of Object.entries(obj)) {
    if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    const name = te.properties.get(prop.toLowerCase());
    // only where a list belongs: a subject may well read "System.String[]"
    if (typeof value === 'string' && name !== undefined && te.collections.has(name) && TYPE_NAME.test(value.trim())) { lost.push(prop); continue; }
    if (name === undefined) { if (!Object.hasOwn(fields, prop)) put(fields, prop, value); continue; }
    if (name === spec.time) {
      time = parseExportTime(textOf(value));
      fields[name] = Number.isNaN(time) ? textOf(value) : new Date(time).toISOString();
    } else if (lists.has(name)) {
      const items = Array.isArray(value) ? value.map(textOf).filter((x) => x !== '') : splitMulti(textOf(value));
      if (items.length) fields[name] = items;
    } else if (numbers.has(name)) {
      fields[name] = typeof value === 'number' ? value : numberOr(textOf(value).trim());
    } else {
      const t = textOf(value);
      if (t !== '') fields[name] = t;
    }
  }
  const logsource: EventLogsource = { product: map.product, service: spec.service };
  const event: Event = { ref, time, logsource, fields };
  const host = spec.host ? fields[spec.host] : undefined;
  if (typeof host === 'string' && host) event.host = host;
  return { event, lost };
}
