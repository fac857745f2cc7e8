// Parsed JSON records -> Events. Two shapes: the EVTX-to-JSON rendering
// ({"Event":{"System":{...},"EventData":{...}}}) and flat objects of fields.
import type { Event, EventLogsource, EventRef, FieldValue } from './model.js';
import { classifyWindows, windowsLogsourceMap, type WindowsLogsourceMap } from './logsource-map.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseTimestamp } from '../util/time.js';
import { dataPath } from '../util/package-root.js';
import { defenderEvent, defenderMap, isDefenderExport, tableFromColumns } from './defender.js';
import { ownCopy, ownRecord } from '../util/own-record.js';
import { isTrackingExport, trackingExportEvent } from './exchange-logs.js';

type Obj = { [k: string]: FieldValue };

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `{"#attributes":{...},"#text":x}` -> x, or the value itself. */
function text(v: FieldValue | undefined): FieldValue | undefined {
  if (isObj(v) && '#text' in v) return v['#text'];
  return v;
}

/** System element: `Tag` for text, `Tag_Attr` for each attribute (rules spec, Field Usage 3.i). */
function flattenSystem(sys: Obj, out: Obj): void {
  for (const tag of Object.keys(sys)) {
    const v = sys[tag]!;
    if (isObj(v)) {
      const attrs = v['#attributes'];
      if (isObj(attrs)) for (const a of Object.keys(attrs)) out[`${tag}_${a}`] = attrs[a]!;
      if ('#text' in v) out[tag] = v['#text']!;
      else if (!isObj(attrs)) out[tag] = v;
    } else out[tag] = v;
  }
}

/**
 * EventData / UserData: named values by name; unnamed <Data> elements as the list `Data`. A name the
 * System element already gave (UserData/LogFileCleared/Channel, .../EventID) never replaces the
 * System field: it is kept under its path instead (`UserData.LogFileCleared.Channel`).
 */
function flattenData(data: FieldValue, out: Obj, path: string, system: ReadonlySet<string>, depth = 0): void {
  if (!isObj(data) || depth > 8) return;
  const put = (k: string, v: FieldValue) => { out[system.has(k) ? `${path}.${k}` : k] = v; };
  for (const [k, v] of Object.entries(data)) {
    if (k === '#attributes') continue;
    if (k === 'Data' || k === '#text') {
      const t = text(v);
      const prev = out['Data'];
      out['Data'] = prev === undefined ? (t ?? null) : ([] as FieldValue[]).concat(prev, t ?? null);
      continue;
    }
    if (isObj(v) && !('#text' in v) && Object.keys(v).some((x) => x !== '#attributes')) flattenData(v, out, `${path}.${k}`, system, depth + 1);
    else {
      put(k, text(v) ?? null);
      // Rules spec (Field Usage 2): field names are written without their spaces ("Threat Name" -> ThreatName).
      if (k.includes(' ')) {
        const bare = k.replace(/\s+/g, '');
        if (!(bare in out)) put(bare, text(v) ?? null);
      }
    }
  }
}

function num(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

const TIME_FIELDS = ['TimeCreated_SystemTime', '@timestamp', 'timestamp', 'Timestamp', 'TimeCreated', 'UtcTime', 'time', 'EventTime'];
const HOST_FIELDS = ['Computer', 'host', 'hostname', 'DeviceName', 'ComputerName'];

function timeOf(f: Obj): number {
  for (const k of TIME_FIELDS) {
    const v = f[k];
    if (typeof v === 'string') { const t = parseTimestamp(v); if (!Number.isNaN(t)) return t; }
    if (typeof v === 'number' && v > 1e11) return v;
  }
  return NaN;
}

function hostOf(f: Obj): string | undefined {
  for (const k of HOST_FIELDS) { const v = f[k]; if (typeof v === 'string' && v) return v; }
  return undefined;
}

/** The Sigma logsource of a Windows event; also adds the Sigma names its category gives to source fields. */
function windowsLogsource(fields: Obj, map: WindowsLogsourceMap): EventLogsource {
  const channel = typeof fields['Channel'] === 'string' ? fields['Channel'] : undefined;
  const cls = classifyWindows(map, channel, num(fields['EventID']), (f) => fields[f]);
  const logsource: EventLogsource = { product: 'windows' };
  if (cls.service) logsource.service = cls.service;
  if (cls.categories.length) {
    logsource.category = cls.categories[0]!;
    if (cls.categories.length > 1) logsource.categories = cls.categories;
  }
  for (const [sigmaName, sourceName] of Object.entries(cls.aliases)) if (fields[sourceName] !== undefined && fields[sigmaName] === undefined) fields[sigmaName] = fields[sourceName]!;
  return logsource;
}

interface WinlogbeatMap { system: Record<string, string[]>; data: string[] }
let winlogbeat: WinlogbeatMap | undefined;

function winlogbeatMap(): WinlogbeatMap {
  if (!winlogbeat) {
    const file = dataPath('winlogbeat.yaml');
    const doc = parseYaml(readFileSync(file, 'utf8')) as WinlogbeatMap;
    if (!doc || typeof doc.system !== 'object' || !Array.isArray(doc.data)) throw new Error(`${file}: expected 'system' and 'data'`);
    winlogbeat = doc;
  }
  return winlogbeat;
}

function at(root: Obj, dotted: string): FieldValue | undefined {
  let cur: FieldValue | undefined = root;
  for (const k of dotted.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Winlogbeat / ECS: System fields from their winlog.* paths, EventData from winlog.event_data. */
function winlogbeatFields(root: Obj): Obj {
  const m = winlogbeatMap();
  const fields: Obj = ownRecord();
  for (const [sigma, paths] of Object.entries(m.system)) {
    for (const p of paths) {
      const v = at(root, p);
      if (v === undefined || v === null || isObj(v)) continue;
      fields[sigma] = sigma === 'EventID' && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      break;
    }
  }
  const system = new Set(Object.keys(fields));
  for (const p of m.data) { const d = at(root, p); if (isObj(d)) flattenData(d, fields, p, system); }
  return fields;
}

/**
 * Unnamed event data (classic sources such as MSExchange CmdletLogs) both ways: the list `Data`
 * for keyword-style rules and the positional `param1`…`paramN` that Winlogbeat writes, whichever
 * of the two the record carried.
 */
function positionalData(fields: Obj): void {
  const d = fields['Data'];
  if (d !== undefined) {
    const list = Array.isArray(d) ? d : [d];
    list.forEach((v, i) => { if (!(`param${i + 1}` in fields)) fields[`param${i + 1}`] = v; });
    return;
  }
  const params: FieldValue[] = [];
  for (let i = 1; `param${i}` in fields; i++) params.push(fields[`param${i}`]!);
  if (params.length) fields['Data'] = params.length === 1 ? params[0]! : params;
}

/** A record in the EVTX-to-JSON shape, Winlogbeat/ECS, or a flat object -> Event; null when it is not an object. */
export function toEvent(value: unknown, ref: EventRef, map: WindowsLogsourceMap = windowsLogsourceMap()): Event | null {
  if (!isObj(value)) return null;
  const root = value as Obj;
  const ev = isObj(root['Event']) ? (root['Event'] as Obj) : undefined;
  let fields: Obj;
  let logsource: EventLogsource;
  if (ev && (isObj(ev['System']) || isObj(ev['EventData']) || isObj(ev['UserData']))) {
    fields = ownRecord();
    if (isObj(ev['System'])) flattenSystem(ev['System'], fields);
    const system = new Set(Object.keys(fields));
    if (ev['EventData'] !== undefined) flattenData(ev['EventData']!, fields, 'EventData', system);
    if (ev['UserData'] !== undefined) flattenData(ev['UserData']!, fields, 'UserData', system);
    logsource = windowsLogsource(fields, map);
  } else if (isObj(root['winlog'])) {
    fields = winlogbeatFields(root);
    logsource = windowsLogsource(fields, map);
  } else {
    fields = ownCopy(root);
    if (typeof fields['Channel'] === 'string') {
      logsource = windowsLogsource(fields, map);
    } else if (isTrackingExport(Object.keys(root))) {
      // Get-MessageTrackingLog output (ConvertTo-Json, Export-Clixml): the message tracking log's names.
      return trackingExportEvent(root, ref).event;
    } else if (isDefenderExport(Object.keys(root))) {
      // A Defender for Endpoint advanced hunting row (JSON export).
      return defenderEvent(root, tableFromColumns(defenderMap(), Object.keys(root)), ref);
    } else {
      // A flat record that names its logsource (product/service/category keys), or none at all.
      logsource = {};
      for (const k of ['product', 'service', 'category'] as const) if (typeof root[k] === 'string') logsource[k] = root[k] as string;
    }
  }
  if (logsource.product === 'windows') positionalData(fields);
  const out: Event = { ref, time: timeOf(fields), logsource, fields, raw: root };
  const host = hostOf(fields);
  if (host) out.host = host;
  return out;
}
