// Defender for Endpoint advanced hunting rows -> Events with Sigma field names, driven by
// data/defender-tables.yaml.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ownCopy } from '../util/own-record.js';
import type { Event, EventRef, FieldValue } from './model.js';
import { dataPath } from '../util/package-root.js';
import { parseTimestamp } from '../util/time.js';

interface TableSpec {
  category: string;
  categories_by_action?: Record<string, string>;
  action_types: string[];
  columns: string[];
  fields?: Record<string, string>;
  join?: Record<string, string>;
}

export interface DefenderMap {
  common: Record<string, string>;
  tables: Map<string, TableSpec>;
  hives: Record<string, string>;
}

let cached: DefenderMap | undefined;

export function parseDefenderMap(text: string, file: string): DefenderMap {
  const doc = parse(text) as { common?: { fields?: Record<string, string> }; tables?: Record<string, TableSpec>; registry_hives?: Record<string, string> };
  if (!doc || typeof doc.tables !== 'object') throw new Error(`${file}: expected 'tables'`);
  const tables = new Map<string, TableSpec>();
  for (const [name, t] of Object.entries(doc.tables)) {
    if (typeof t.category !== 'string' || !Array.isArray(t.action_types) || !Array.isArray(t.columns)) throw new Error(`${file}: table ${name} needs category, action_types and columns`);
    tables.set(name, t);
  }
  return { common: doc.common?.fields ?? {}, tables, hives: doc.registry_hives ?? {} };
}

export function defenderMap(): DefenderMap {
  if (!cached) {
    const file = dataPath('defender-tables.yaml');
    cached = parseDefenderMap(readFileSync(file, 'utf8'), file);
  }
  return cached;
}

function actionMatches(patterns: string[], action: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? action.startsWith(p.slice(0, -1)) : action === p));
}

/** The table of an export, from its columns (null when no table's identifying columns are all there). */
export function tableFromColumns(map: DefenderMap, columns: string[]): string | null {
  const have = new Set(columns);
  if (!have.has('DeviceName') && !have.has('DeviceId')) return null;
  for (const [name, t] of map.tables) if (t.columns.length && t.columns.every((c) => have.has(c))) return name;
  return have.has('FolderPath') && have.has('InitiatingProcessFolderPath') ? 'DeviceImageLoadEvents' : null;
}

/** Whether a header looks like a Defender advanced hunting export at all. */
export function isDefenderExport(columns: string[]): boolean {
  const have = new Set(columns);
  return have.has('Timestamp') && (have.has('DeviceName') || have.has('DeviceId')) && (have.has('ActionType') || columns.some((c) => c.startsWith('InitiatingProcess')));
}

function str(v: FieldValue | undefined): string {
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Fill a join template: each `{Column}` with the literal before it is one part; parts whose column
 * is empty are left out, and the first part kept loses its leading separator (`,` or `\`), so
 * '{AccountDomain}\{AccountName}' gives 'name' when there is no domain.
 */
function fill(template: string, row: Record<string, FieldValue>): string | null {
  const parts: string[] = [];
  const re = /([^{]*)\{([A-Za-z0-9_]+)\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(template))) {
    const v = str(row[m[2]!]);
    if (v) parts.push((parts.length ? m[1]! : m[1]!.replace(/^[,\\]/, '')) + v);
  }
  return parts.length ? parts.join('') : null;
}

/** A Defender row -> Event; null when the row belongs to no known table. */
export function defenderEvent(row: Record<string, FieldValue>, table: string | null, ref: EventRef, map: DefenderMap = defenderMap()): Event | null {
  const action = str(row['ActionType']);
  let name = table;
  if (action) for (const [n, t] of map.tables) if (actionMatches(t.action_types, action)) { name = n; break; }
  const spec = name ? map.tables.get(name) : undefined;
  if (!name || !spec) return null;
  const fields = ownCopy(row);
  fields['Table'] = name;
  for (const [sigma, col] of Object.entries({ ...map.common, ...spec.fields })) if (row[col] !== undefined && row[col] !== '' && fields[sigma] === undefined) fields[sigma] = row[col]!;
  for (const [sigma, template] of Object.entries(spec.join ?? {})) {
    const v = fill(template, row);
    if (v !== null && fields[sigma] === undefined) fields[sigma] = v;
  }
  if (typeof fields['TargetObject'] === 'string') {
    const t = fields['TargetObject'];
    for (const [full, short] of Object.entries(map.hives)) if (t.toUpperCase().startsWith(full + '\\')) { fields['TargetObject'] = short + t.slice(full.length); break; }
  }
  const category = spec.categories_by_action?.[action] ?? spec.category;
  const ev: Event = { ref, time: parseTimestamp(str(row['Timestamp'])), logsource: { product: 'windows', category }, fields, raw: row };
  const host = str(row['DeviceName']);
  if (host) ev.host = host;
  return ev;
}
