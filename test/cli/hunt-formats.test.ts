// hunt over CSV: a Defender advanced hunting export, a plain CSV of fields, and a CSV with a bad row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { csvRow } from '../../src/report/csv.js';

// Every hunt records into the case store: keep it (and the CLI children, which inherit this) out of the real home.
const HOME = mkdtempSync(join(tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
process.on('exit', () => rmSync(HOME, { recursive: true, force: true }));

const STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';

function hunt(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'hunt', ...args], { encoding: 'utf8' });
}

test('a Defender DeviceProcessEvents CSV export meets the bundled T1505.002 rules; bad rows are reported by line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-csv-'));
  const cols = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType', 'FileName', 'FolderPath', 'ProcessCommandLine', 'AccountDomain', 'AccountName', 'InitiatingProcessFolderPath', 'InitiatingProcessCommandLine'];
  const rows = [
    ['2026-11-02T09:43:02.734Z', 'd1', 'EXCH01', 'ProcessCreated', 'powershell.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell -c "Install-TransportAgent -Name x -AssemblyPath C:\\x.dll"', 'CORP', 'exadmin', 'C:\\Windows\\explorer.exe', 'explorer.exe'],
    ['2026-11-02T13:07:19.402Z', 'd1', 'EXCH01', 'ProcessCreated', 'cmd.exe', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami', 'NT AUTHORITY', 'NETWORK SERVICE', `${EX}\\Bin\\EdgeTransport.exe`, 'EdgeTransport.exe'],
  ];
  writeFileSync(join(dir, 'DeviceProcessEvents.csv'), csvRow(cols) + rows.map(csvRow).join('') + 'too,few,cells\n');
  writeFileSync(join(dir, 'plain.csv'), 'Channel,EventID,CommandLine,Computer,TimeCreated\r\nMicrosoft-Windows-Sysmon/Operational,1,Enable-TransportAgent x,EXCH02,2026-11-03T10:00:00Z\r\n');
  const r = hunt(dir, '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule_title: string; host: string; source: { file: string; kind: string; line: number } });
  const byFile = (f: string) => recs.filter((x) => x.source.file.endsWith(f));
  assert.ok(byFile('DeviceProcessEvents.csv').some((x) => /Cmdlet in a Command Line/.test(x.rule_title) && x.source.line === 2 && x.host === 'EXCH01'));
  assert.ok(byFile('DeviceProcessEvents.csv').some((x) => /Transport Worker Starts a Shell/.test(x.rule_title) && x.source.line === 3));
  assert.ok(byFile('plain.csv').some((x) => /Cmdlet in a Command Line/.test(x.rule_title) && x.source.kind === 'csv' && x.host === 'EXCH02'));
  assert.match(r.stderr, /DeviceProcessEvents\.csv:4: row has 3 cells, the header has 11; skipped/);
  assert.match(r.stderr, /csv 3/, 'run summary counts CSV events');
});
