// Fixture helpers: one event model rendered as EVTX-to-JSON lines, wevtutil-style event XML, and
// Defender advanced hunting rows (CSV / JSON export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';

export const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';
export const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
export const HOST = 'EXCH01.corp.example';
export const HOST2 = 'EXCH02.corp.example';
export const DHOST = 'exch01.corp.example';
export const DHOST2 = 'exch02.corp.example';
export const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

let record = 40000;
let seed = 1;
/** Deterministic pseudo GUIDs so regenerating gives the same files. */
export function guid() {
  const h = createHash('sha1').update(String(seed++)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
export function hash(s, alg = 'sha1') { return createHash(alg).update(s).digest('hex').toUpperCase(); }

/** An event: { channel, provider: {Name, Guid?, EventSourceName?}, id, qualifiers?, version, level, task, opcode, keywords, time, host, pid, tid, userSid?, named?: {..}, unnamed?: [..], binary? } */
export function ev(o) {
  return { version: 0, level: 4, task: 0, opcode: 0, keywords: '0x8000000000000000', pid: 4, tid: 100, record: record++, ...o };
}

export function sysmon(id, time, host, data, extra = {}) {
  const version = { 1: 5, 7: 3, 11: 2 }[id] ?? 2;
  const utc = time.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1').replace(/Z$/, '');
  return ev({ channel: 'Microsoft-Windows-Sysmon/Operational', provider: { Name: 'Microsoft-Windows-Sysmon', Guid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}' }, id, version, task: id, time, host, pid: 3120, tid: 4412, userSid: 'S-1-5-18', named: { RuleName: '-', UtcTime: utc, ...data }, ...extra });
}

export function ps(id, time, host, data, userSid) {
  return ev({ channel: 'Microsoft-Windows-PowerShell/Operational', provider: { Name: 'Microsoft-Windows-PowerShell', Guid: '{a0c1853b-5c40-4b15-8766-3cf1c58f985a}' }, id, version: 1, level: id === 4104 ? 5 : 4, task: id === 4104 ? 2 : 106, opcode: id === 4104 ? 15 : 20, keywords: '0x0', time, host, pid: 5120, tid: 6644, userSid, named: data });
}

/** MSExchange Management (cmdlet log): the 27 unnamed insertion strings. */
export function mgmt(id, time, host, cmdlet, params, o = {}) {
  const data = [cmdlet, params, o.caller ?? 'corp.example/Users/exadmin', o.sid ?? 'S-1-5-21-1004336348-1177238915-682003330-1107', o.sid ?? 'S-1-5-21-1004336348-1177238915-682003330-1107',
    o.app ?? 'Remote-ManagementShell-Unknown', o.proc ?? '7712 w3wp#MSExchangePowerShellAppPool', '', String(o.thread ?? 61), o.elapsed ?? '00:00:00.2187512',
    "View Entire Forest: 'False', Default Scope: 'corp.example', Configuration Domain Controller: 'dc01.corp.example', Preferred Global Catalog: 'dc01.corp.example', Preferred Domain Controllers: '{ dc01.corp.example }'",
    o.error ?? '', o.error ? '5' : '', '', o.error ? 'NonLocalizedException' : '', '', '', 'False', '', '0 objects execution has been proxied to remote server.', '', '', String(o.outputs ?? 0),
    `ActivityId: ${guid()}`, 'ServicePlan:;IsAdmin:True;', '', 'en-US'];
  return ev({ channel: 'MSExchange Management', provider: { Name: 'MSExchange CmdletLogs' }, id, qualifiers: id === 6 ? 49152 : 16384, level: id === 6 ? 2 : 4, task: 1, keywords: '0x80000000000000', time, host, pid: 0, tid: 0, unnamed: data, noExecution: true });
}

export function classic(channel, provider, id, qualifiers, level, time, host, unnamed, task = 1) {
  return ev({ channel, provider: { Name: provider }, id, qualifiers, level, task, keywords: '0x80000000000000', time, host, unnamed, noExecution: true });
}

export function scm7036(time, host, display, state, serviceName, stateCode) {
  const binary = Buffer.from(`${serviceName}/${stateCode}\0`, 'utf16le').toString('hex').toUpperCase();
  return ev({ channel: 'System', provider: { Name: 'Service Control Manager', Guid: '{555908d1-a6d7-4695-8e1e-26931d2012f4}', EventSourceName: 'Service Control Manager' }, id: 7036, qualifiers: 16384, keywords: '0x8080000000000000', time, host, pid: 708, tid: 1376, named: { param1: display, param2: state }, binary });
}

export function security4688(time, host, data) {
  return ev({ channel: 'Security', provider: { Name: 'Microsoft-Windows-Security-Auditing', Guid: '{54849625-5478-4994-a5ba-3e3b0328c30d}' }, id: 4688, version: 2, level: 0, task: 13312, keywords: '0x8020000000000000', time, host, pid: 4, tid: 8200, named: data });
}

// ---- renderers -------------------------------------------------------------------------------

export function toJson(e) {
  const System = {
    Provider: { '#attributes': e.provider },
    EventID: e.qualifiers !== undefined ? { '#attributes': { Qualifiers: e.qualifiers }, '#text': e.id } : e.id,
    Version: e.version, Level: e.level, Task: e.task, Opcode: e.opcode, Keywords: e.keywords,
    TimeCreated: { '#attributes': { SystemTime: e.time } }, EventRecordID: e.record, Correlation: null,
    ...(e.noExecution ? {} : { Execution: { '#attributes': { ProcessID: e.pid, ThreadID: e.tid } } }),
    Channel: e.channel, Computer: e.host,
    Security: e.userSid ? { '#attributes': { UserID: e.userSid } } : null,
  };
  let EventData;
  if (e.unnamed) EventData = { Data: { '#text': e.unnamed } };
  else EventData = { ...e.named, ...(e.binary ? { Binary: e.binary } : {}) };
  return { Event: { '#attributes': { xmlns: NS }, System, EventData } };
}

const escText = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const esc = (s) => escText(s).replace(/"/g, '&quot;');

export function toXml(e) {
  const attrs = (o) => Object.entries(o).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  const lines = [`<Event xmlns="${NS}">`, '  <System>',
    `    <Provider${attrs(e.provider)} />`,
    `    <EventID${e.qualifiers !== undefined ? ` Qualifiers="${e.qualifiers}"` : ''}>${e.id}</EventID>`,
    `    <Version>${e.version}</Version>`, `    <Level>${e.level}</Level>`, `    <Task>${e.task}</Task>`, `    <Opcode>${e.opcode}</Opcode>`,
    `    <Keywords>${e.keywords}</Keywords>`, `    <TimeCreated SystemTime="${e.time}" />`, `    <EventRecordID>${e.record}</EventRecordID>`, '    <Correlation />',
    ...(e.noExecution ? [] : [`    <Execution ProcessID="${e.pid}" ThreadID="${e.tid}" />`]),
    `    <Channel>${escText(e.channel)}</Channel>`, `    <Computer>${escText(e.host)}</Computer>`,
    e.userSid ? `    <Security UserID="${e.userSid}" />` : '    <Security />', '  </System>', '  <EventData>'];
  if (e.unnamed) for (const d of e.unnamed) lines.push(d === '' ? '    <Data />' : `    <Data>${escText(d)}</Data>`);
  else {
    for (const [k, v] of Object.entries(e.named)) lines.push(v === '' ? `    <Data Name="${k}" />` : `    <Data Name="${k}">${escText(v)}</Data>`);
    if (e.binary) lines.push(`    <Binary>${e.binary}</Binary>`);
  }
  lines.push('  </EventData>', '</Event>');
  return lines.join('\r\n');
}

export function jsonl(events) { return events.map((e) => JSON.stringify(toJson(e))).join('\n') + '\n'; }
export function xmlDoc(events) { return `<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n${events.map(toXml).join('\r\n')}\r\n</Events>\r\n`; }

// ---- Defender ---------------------------------------------------------------------------------

const base = (t, host) => ({ Timestamp: t, DeviceId: hash(host).slice(0, 40).toLowerCase(), DeviceName: host });
const init = (p) => ({
  InitiatingProcessAccountDomain: p.domain ?? 'nt authority', InitiatingProcessAccountName: p.account ?? 'system',
  InitiatingProcessFileName: p.image.split('\\').pop(), InitiatingProcessFolderPath: p.image,
  InitiatingProcessCommandLine: p.cmd ?? `"${p.image.split('\\').pop()}"`, InitiatingProcessId: p.pid ?? 4,
  InitiatingProcessParentFileName: p.parent ?? 'services.exe',
});

export function dFile(t, host, action, target, p, extra = {}) {
  return { ...base(t, host), ActionType: action, FileName: target.split('\\').pop(), FolderPath: target, PreviousFolderPath: extra.previous ?? '', PreviousFileName: extra.previous ? extra.previous.split('\\').pop() : '',
    SHA1: hash(target), SHA256: '', MD5: hash(target, 'md5'), FileSize: extra.size ?? 16384, ...init(p),
    RequestProtocol: extra.protocol ?? 'Local', RequestSourceIP: extra.sourceIp ?? '', RequestAccountName: extra.reqAccount ?? '', RequestAccountDomain: extra.reqDomain ?? '', ReportId: record++ };
}

export function dProc(t, host, image, cmd, parent, extra = {}) {
  return { ...base(t, host), ActionType: 'ProcessCreated', FileName: image.split('\\').pop(), FolderPath: image, ProcessCommandLine: cmd, ProcessId: extra.pid ?? 6120,
    AccountDomain: extra.domain ?? 'corp', AccountName: extra.account ?? 'exadmin', ProcessIntegrityLevel: extra.integrity ?? 'High',
    ProcessVersionInfoOriginalFileName: extra.ofn ?? image.split('\\').pop(), SHA1: hash(image), MD5: hash(image, 'md5'), SHA256: '',
    ...init(parent), ReportId: record++ };
}

export function dLoad(t, host, loaded, p) {
  return { ...base(t, host), ActionType: 'ImageLoaded', FileName: loaded.split('\\').pop(), FolderPath: loaded, SHA1: hash(loaded), MD5: hash(loaded, 'md5'), SHA256: '', FileSize: 14336, ...init(p), ReportId: record++ };
}

export function dReg(t, host, action, key, p, value = {}) {
  return { ...base(t, host), ActionType: action, RegistryKey: key, RegistryValueType: value.type ?? '', RegistryValueName: value.name ?? '', RegistryValueData: value.data ?? '',
    PreviousRegistryKey: '', PreviousRegistryValueName: '', PreviousRegistryValueData: '', ...init(p), ReportId: record++ };
}

function cell(v) {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export function csv(rows) {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [cols.map(cell).join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
export function djson(rows) { return JSON.stringify(rows, null, 2) + '\n'; }

export function write(root, rule, kind, name, text) {
  const p = join(root, rule, kind, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}
