// Writers: a scenario's records as the files an analyst would receive. Windows events as JSON lines
// in the EVTX-to-JSON shape and as rendered event XML (wevtutil qe /f:xml style, one <Event> a line
// unless a value holds a line break), one file per host and channel, named like the channel's EVTX
// file (Microsoft-Windows-Sysmon%4Operational); Defender rows as advanced hunting exports, CSV and
// JSON, one file per table. Each file comes with the line where each of its records starts.
import type { DefenderRow, DefenderTable, ScenarioRecord, WinEvent } from './records.js';
import { DEFENDER_COLUMNS, DEFENDER_TABLES } from './records.js';

export const OUTPUT_FORMATS = ['jsonl', 'xml', 'defender-csv', 'defender-json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderedFile {
  /** relative path, '/'-separated: <scenario>/<HOST>/<channel>.jsonl, <scenario>/defender/<Table>.csv */
  path: string;
  format: OutputFormat;
  host?: string;
  channel?: string;
  table?: DefenderTable;
  content: string;
  /** each record in the file: its id and the 1-based line it starts on */
  records: { id: string; line: number }[];
}

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** The channel's EVTX file name, as Windows names it (a '/' becomes '%4'). */
export function channelFileName(channel: string): string {
  return channel.replace(/\//g, '%4');
}

/** SystemTime with seven fraction digits (what Windows writes). */
function systemTime(t: number): string {
  return new Date(t).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** An event in the EVTX-to-JSON shape (evtx_dump / the SigmaHQ regression renderings). */
export function eventJson(e: WinEvent): unknown {
  const provider: Record<string, string> = { Name: e.provider.name };
  if (e.provider.guid) provider['Guid'] = e.provider.guid;
  if (e.provider.eventSourceName) provider['EventSourceName'] = e.provider.eventSourceName;
  const system = {
    Provider: { '#attributes': provider },
    EventID: e.qualifiers !== undefined ? { '#attributes': { Qualifiers: e.qualifiers }, '#text': e.eventId } : e.eventId,
    Version: e.version,
    Level: e.level,
    Task: e.task,
    Opcode: e.opcode,
    Keywords: e.keywords,
    TimeCreated: { '#attributes': { SystemTime: systemTime(e.time) } },
    EventRecordID: e.recordId,
    Correlation: e.activityId ? { '#attributes': { ActivityID: e.activityId } } : null,
    Execution: e.execution ? { '#attributes': { ProcessID: e.execution.pid, ThreadID: e.execution.tid } } : null,
    Channel: e.channel,
    Computer: e.host.fqdn,
    Security: e.userSid ? { '#attributes': { UserID: e.userSid } } : null,
  };
  // unnamed <Data> items: a list when there are several, the value when there is one (as the XML reads)
  const data: Record<string, unknown> = 'named' in e.data ? Object.fromEntries(e.data.named)
    : { Data: { '#text': e.data.unnamed.length === 1 ? e.data.unnamed[0] : e.data.unnamed } };
  if (e.binary !== undefined) data['Binary'] = e.binary;
  return { Event: { '#attributes': { xmlns: NS }, System: system, EventData: data } };
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}
function xmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');
}

/** An event as rendered XML (single-quoted attributes, as wevtutil writes them). */
export function eventXml(e: WinEvent): string {
  const p = e.provider;
  const provider = `<Provider Name='${xmlAttr(p.name)}'${p.guid ? ` Guid='${xmlAttr(p.guid)}'` : ''}${p.eventSourceName ? ` EventSourceName='${xmlAttr(p.eventSourceName)}'` : ''}/>`;
  const id = e.qualifiers !== undefined ? `<EventID Qualifiers='${e.qualifiers}'>${e.eventId}</EventID>` : `<EventID>${e.eventId}</EventID>`;
  const sys = [
    provider, id, `<Version>${e.version}</Version>`, `<Level>${e.level}</Level>`, `<Task>${e.task}</Task>`, `<Opcode>${e.opcode}</Opcode>`,
    `<Keywords>${e.keywords}</Keywords>`, `<TimeCreated SystemTime='${systemTime(e.time)}'/>`, `<EventRecordID>${e.recordId}</EventRecordID>`,
    e.activityId ? `<Correlation ActivityID='${xmlAttr(e.activityId)}'/>` : '<Correlation/>',
    e.execution ? `<Execution ProcessID='${e.execution.pid}' ThreadID='${e.execution.tid}'/>` : '<Execution/>',
    `<Channel>${xmlText(e.channel)}</Channel>`, `<Computer>${xmlText(e.host.fqdn)}</Computer>`,
    e.userSid ? `<Security UserID='${xmlAttr(e.userSid)}'/>` : '<Security/>',
  ].join('');
  const data = 'named' in e.data
    ? e.data.named.map(([k, v]) => `<Data Name='${xmlAttr(k)}'>${xmlText(String(v))}</Data>`).join('')
    : e.data.unnamed.map((v) => `<Data>${xmlText(v)}</Data>`).join('');
  const binary = e.binary !== undefined ? `<Binary>${e.binary}</Binary>` : '';
  return `<Event xmlns='${NS}'><System>${sys}</System><EventData>${data}${binary}</EventData></Event>`;
}

/** An RFC 4180 cell, as the portal writes it: quoted when it holds a comma, quote or line break. Values are never altered. */
function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/** Joins record texts, each followed by `sep`, and notes the line each starts on (the first on `firstLine`). */
function join(items: { id: string; text: string }[], sep: string, firstLine: number): { content: string; records: { id: string; line: number }[] } {
  let line = firstLine;
  const records: { id: string; line: number }[] = [];
  const parts: string[] = [];
  for (const it of items) {
    records.push({ id: it.id, line });
    parts.push(it.text, sep);
    line += newlines(it.text) + newlines(sep);
  }
  return { content: parts.join(''), records };
}

export function renderRecords(scenario: string, records: ScenarioRecord[], formats: readonly OutputFormat[]): RenderedFile[] {
  const files: RenderedFile[] = [];
  const win = records.filter((r): r is WinEvent => r.kind === 'windows');
  const groups = new Map<string, WinEvent[]>();
  for (const e of win) {
    const k = `${e.host.name}\u0000${e.channel}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(e);
  }
  const keys = [...groups.keys()].sort();
  for (const fmt of formats) {
    if (fmt === 'jsonl' || fmt === 'xml') {
      for (const k of keys) {
        const events = groups.get(k)!;
        const [host, channel] = k.split('\u0000') as [string, string];
        const path = `${scenario}/${host}/${channelFileName(channel)}.${fmt}`;
        const { content, records: recs } = join(events.map((e) => ({ id: e.id, text: fmt === 'jsonl' ? JSON.stringify(eventJson(e)) : eventXml(e) })), '\n', 1);
        files.push({ path, format: fmt, host, channel, content, records: recs });
      }
    } else {
      for (const table of DEFENDER_TABLES) {
        const rows = records.filter((r): r is DefenderRow => r.kind === 'defender' && r.table === table);
        if (rows.length === 0) continue;
        const cols = DEFENDER_COLUMNS[table];
        if (fmt === 'defender-csv') {
          const header = cols.map(csvCell).join(',') + '\r\n';
          const body = join(rows.map((r) => ({ id: r.id, text: cols.map((c) => csvCell(r.row[c])).join(',') })), '\r\n', 1 + newlines(header));
          files.push({ path: `${scenario}/defender/${table}.csv`, format: fmt, table, content: header + body.content, records: body.records });
        } else {
          const items = rows.map((r, i) => ({ id: r.id, text: '  ' + JSON.stringify(r.row) + (i < rows.length - 1 ? ',' : '') }));
          const body = join(items, '\n', 2);
          files.push({ path: `${scenario}/defender/${table}.json`, format: fmt, table, content: '[\n' + body.content + ']\n', records: body.records });
        }
      }
    }
  }
  return files;
}
