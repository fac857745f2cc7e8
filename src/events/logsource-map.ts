// Windows channel / event id -> Sigma logsource, read from data/windows-logsources.yaml.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dataPath } from '../util/package-root.js';

export interface CategoryRule {
  category: string;
  service: string;
  event_ids: number[];
  when?: Record<string, string | string[]>;
  aliases?: Record<string, string>;
}

export interface WindowsLogsourceMap {
  channels: Map<string, string>; // lower-cased channel -> service
  /** channel names as written in the data file, for printing */
  channelNames: Map<string, string>; // lower-cased -> as written
  categories: CategoryRule[];
}

export interface WindowsClass { service?: string; categories: string[]; aliases: Record<string, string> }

let cached: WindowsLogsourceMap | undefined;

export function parseWindowsLogsourceMap(text: string, file: string): WindowsLogsourceMap {
  const doc = parse(text) as { channels?: Record<string, string>; categories?: CategoryRule[] };
  if (!doc || typeof doc.channels !== 'object' || !Array.isArray(doc.categories)) throw new Error(`${file}: expected 'channels' and 'categories'`);
  const channels = new Map<string, string>();
  const channelNames = new Map<string, string>();
  for (const [ch, svc] of Object.entries(doc.channels)) {
    if (typeof svc !== 'string') throw new Error(`${file}: channel '${ch}' must map to a service name`);
    channels.set(ch.toLowerCase(), svc);
    channelNames.set(ch.toLowerCase(), ch);
  }
  doc.categories.forEach((c, i) => {
    if (typeof c.category !== 'string' || typeof c.service !== 'string' || !Array.isArray(c.event_ids) || !c.event_ids.every((n) => Number.isInteger(n)))
      throw new Error(`${file}: categories[${i}] needs category, service and integer event_ids`);
  });
  return { channels, channelNames, categories: doc.categories };
}

export function windowsLogsourceMap(): WindowsLogsourceMap {
  if (!cached) {
    const file = dataPath('windows-logsources.yaml');
    cached = parseWindowsLogsourceMap(readFileSync(file, 'utf8'), file);
  }
  return cached;
}

/** The category rules of a service and event id, indexed once per map (classifyWindows runs per event). */
const byServiceAndId = new WeakMap<WindowsLogsourceMap, Map<string, CategoryRule[]>>();
const NONE: CategoryRule[] = [];

function categoriesOf(map: WindowsLogsourceMap, service: string, eventId: number): CategoryRule[] {
  let idx = byServiceAndId.get(map);
  if (!idx) {
    byServiceAndId.set(map, (idx = new Map()));
    for (const c of map.categories) for (const id of c.event_ids) {
      const k = `${c.service}|${id}`;
      const list = idx.get(k);
      if (list) { if (!list.includes(c)) list.push(c); } else idx.set(k, [c]);
    }
  }
  return idx.get(`${service}|${eventId}`) ?? NONE;
}

export function classifyWindows(map: WindowsLogsourceMap, channel: string | undefined, eventId: number | undefined, get: (f: string) => unknown): WindowsClass {
  const service = channel === undefined ? undefined : map.channels.get(channel.toLowerCase());
  const out: WindowsClass = { ...(service ? { service } : {}), categories: [], aliases: {} };
  if (!service || eventId === undefined) return out;
  for (const c of categoriesOf(map, service, eventId)) {
    if (c.when && !Object.entries(c.when).every(([f, want]) => {
      const v = get(f);
      return typeof v === 'string' && (Array.isArray(want) ? want.includes(v) : want === v);
    })) continue;
    out.categories.push(c.category);
    if (c.aliases) Object.assign(out.aliases, c.aliases);
  }
  return out;
}
