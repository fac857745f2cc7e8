// Parsed JSON records -> Events: EVTX-to-JSON and flat shapes, field names, logsource mapping, time and host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join, relative } from 'node:path';
import { toEvent } from '../../src/events/normalize.js';
import type { EventRef } from '../../src/events/model.js';
import { readJsonRecords } from '../../src/sources/json/reader.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const ref: EventRef = { file: 'evidence/test.json', kind: 'json', line: 7 };

/** An event in the evtx-rs / SigmaHQ regression JSON shape. */
function evtx(channel: string, eventId: unknown, data: unknown, extraSystem: Record<string, unknown> = {}) {
  return {
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: 'Test-Provider', Guid: '0A1B2C3D-0000-4000-8000-00000000ABCD' } },
        EventID: eventId,
        Version: 2,
        Level: 4,
        Keywords: '0x8000000000000000',
        TimeCreated: { '#attributes': { SystemTime: '2025-02-14T06:30:15.250731Z' } },
        EventRecordID: 4242,
        Correlation: null,
        Execution: { '#attributes': { ProcessID: 3120, ThreadID: 5560 } },
        Channel: channel,
        Computer: 'MBX02.contoso.test',
        Security: { '#attributes': { UserID: 'S-1-5-18' } },
        ...extraSystem,
      },
      EventData: data,
    },
  };
}

function ev(value: unknown) {
  const e = toEvent(value, ref);
  assert.ok(e, 'expected an event');
  return e;
}

test('System attributes become Tag_Attr fields; element text keeps the tag name', () => {
  const e = ev(evtx('Microsoft-Windows-Sysmon/Operational', 1, { Image: 'C:\\Windows\\System32\\cmd.exe' }));
  assert.equal(e.fields['Provider_Name'], 'Test-Provider');
  assert.equal(e.fields['Provider_Guid'], '0A1B2C3D-0000-4000-8000-00000000ABCD');
  assert.equal(e.fields['Execution_ProcessID'], 3120);
  assert.equal(e.fields['Execution_ThreadID'], 5560);
  assert.equal(e.fields['Security_UserID'], 'S-1-5-18');
  assert.equal(e.fields['TimeCreated_SystemTime'], '2025-02-14T06:30:15.250731Z');
  assert.equal(e.fields['EventID'], 1);
  assert.equal(e.fields['EventRecordID'], 4242);
  assert.equal(e.fields['Channel'], 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(e.fields['Computer'], 'MBX02.contoso.test');
  assert.equal(e.fields['Keywords'], '0x8000000000000000');
  assert.equal(e.fields['Correlation'], null);
  // the wrapper objects themselves are not fields
  assert.equal(e.fields['Provider'], undefined);
  assert.equal(e.fields['Execution'], undefined);
  assert.equal(e.fields['Image'], 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(e.ref, ref);
});

test('EventID carrying Qualifiers: the number stays EventID, the attribute is EventID_Qualifiers', () => {
  const e = ev(evtx('MSExchange Management', { '#attributes': { Qualifiers: 16388 }, '#text': 6 }, { Data: { '#text': ['Install-TransportAgent', '-Name "X"'] } }));
  assert.equal(e.fields['EventID'], 6);
  assert.equal(e.fields['EventID_Qualifiers'], 16388);
  assert.equal(e.logsource.service, 'msexchange-management');
});

test('EventData named values are fields by name', () => {
  const e = ev(evtx('Security', 4624, { TargetUserName: 'svc-backup', LogonType: 3, IpAddress: '10.1.2.3' }));
  assert.equal(e.fields['TargetUserName'], 'svc-backup');
  assert.equal(e.fields['LogonType'], 3);
  assert.equal(e.fields['IpAddress'], '10.1.2.3');
});

test('unnamed <Data> values become the field Data holding the list', () => {
  const list = ['Enable-TransportAgent', '-Identity "Mail Relay Helper"', 'contoso.test/Users/ops', '', '7'];
  const e = ev(evtx('MSExchange Management', 1, { Data: { '#text': list } }));
  assert.deepEqual(e.fields['Data'], list);
  const single = ev(evtx('MSExchange Management', 1, { Data: 'only one value' }));
  assert.equal(single.fields['Data'], 'only one value');
});

test('field names with spaces are also available without the spaces', () => {
  const e = ev(evtx('Microsoft-Windows-Windows Defender/Operational', 1116, { 'Threat Name': 'Backdoor:MSIL/Agent.X', 'Process Name': 'EdgeTransport.exe' }));
  assert.equal(e.fields['Threat Name'], 'Backdoor:MSIL/Agent.X');
  assert.equal(e.fields['ThreatName'], 'Backdoor:MSIL/Agent.X');
  assert.equal(e.fields['ProcessName'], 'EdgeTransport.exe');
  assert.equal(e.fields['Process Name'], 'EdgeTransport.exe');
  // windefend 1116 is the antivirus category, whose alias Signature reads ThreatName
  assert.equal(e.logsource.category, 'antivirus');
  assert.equal(e.fields['Signature'], 'Backdoor:MSIL/Agent.X');
});

test('Sysmon 1 -> windows/sysmon/process_creation', () => {
  const e = ev(evtx('Microsoft-Windows-Sysmon/Operational', 1, { Image: 'C:\\x.exe' }));
  assert.deepEqual(e.logsource, { product: 'windows', service: 'sysmon', category: 'process_creation' });
});

test('Security 4688 -> process_creation with Image/ParentImage aliases; the original names remain', () => {
  const e = ev(evtx('Security', 4688, {
    NewProcessName: 'C:\\Windows\\System32\\cmd.exe',
    ParentProcessName: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\EdgeTransport.exe',
    CommandLine: 'cmd.exe /c whoami',
  }));
  assert.deepEqual(e.logsource, { product: 'windows', service: 'security', category: 'process_creation' });
  assert.equal(e.fields['Image'], 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(e.fields['NewProcessName'], 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(e.fields['ParentImage'], 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\EdgeTransport.exe');
  assert.equal(e.fields['ParentProcessName'], 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\EdgeTransport.exe');
});

test('an alias never overwrites a field the event already has', () => {
  const e = ev(evtx('Security', 4688, { NewProcessName: 'C:\\new.exe', Image: 'C:\\already-there.exe' }));
  assert.equal(e.fields['Image'], 'C:\\already-there.exe');
  assert.equal(e.fields['NewProcessName'], 'C:\\new.exe');
});

test('Security events other than 4688 get the service but no category and no aliases', () => {
  const e = ev(evtx('Security', 4624, { NewProcessName: 'C:\\x.exe' }));
  assert.deepEqual(e.logsource, { product: 'windows', service: 'security' });
  assert.equal(e.fields['Image'], undefined);
});

test('Sysmon 12 CreateKey -> registry_event and registry_add', () => {
  const e = ev(evtx('Microsoft-Windows-Sysmon/Operational', 12, { EventType: 'CreateKey', TargetObject: 'HKLM\\SOFTWARE\\Evil' }));
  assert.equal(e.logsource.product, 'windows');
  assert.equal(e.logsource.service, 'sysmon');
  assert.equal(e.logsource.category, 'registry_event');
  assert.deepEqual(e.logsource.categories, ['registry_event', 'registry_add']);
});

test('Sysmon 12 DeleteKey -> registry_event and registry_delete; 13 -> registry_set', () => {
  const del = ev(evtx('Microsoft-Windows-Sysmon/Operational', 12, { EventType: 'DeleteKey', TargetObject: 'HKLM\\x' }));
  assert.deepEqual(del.logsource.categories, ['registry_event', 'registry_delete']);
  const set = ev(evtx('Microsoft-Windows-Sysmon/Operational', 13, { EventType: 'SetValue', TargetObject: 'HKLM\\x' }));
  assert.deepEqual(set.logsource.categories, ['registry_event', 'registry_set']);
});

test('MSExchange Management -> service msexchange-management', () => {
  const e = ev(evtx('MSExchange Management', 1, { Data: { '#text': ['Set-TransportAgent'] } }));
  assert.deepEqual(e.logsource, { product: 'windows', service: 'msexchange-management' });
});

test('channel names are matched without regard to case', () => {
  const e = ev(evtx('microsoft-windows-sysmon/operational', 1, { Image: 'C:\\x.exe' }));
  assert.equal(e.logsource.category, 'process_creation');
});

test('an unknown channel -> product windows only', () => {
  const e = ev(evtx('Contoso-Agent/Operational', 1, { Image: 'C:\\x.exe' }));
  assert.deepEqual(e.logsource, { product: 'windows' });
});

test('time comes from TimeCreated_SystemTime (UTC, sub-millisecond digits dropped)', () => {
  const e = ev(evtx('Security', 4624, {}));
  assert.equal(e.time, Date.UTC(2025, 1, 14, 6, 30, 15, 250));
});

test('host comes from Computer', () => {
  assert.equal(ev(evtx('Security', 4624, {})).host, 'MBX02.contoso.test');
});

test('an event without any time has time NaN, not 0 and not now', () => {
  const e = ev({ Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational' }, EventData: { Image: 'x' } } });
  assert.ok(Number.isNaN(e.time));
  assert.equal(e.host, undefined);
});

test('UserData is flattened like EventData', () => {
  const e = ev({ Event: { System: { EventID: 1102, Channel: 'Security' }, UserData: { LogFileCleared: { SubjectUserName: 'admin', '#attributes': { xmlns: 'x' } } } } });
  assert.equal(e.fields['SubjectUserName'], 'admin');
});

test('the raw record is kept for dotted lookups', () => {
  const value = evtx('Security', 4624, { A: 1 });
  assert.deepEqual(ev(value).raw, value);
});

test('flat object with Channel: Windows logsource mapping and aliases apply', () => {
  const e = ev({
    Channel: 'Security', EventID: '4688', NewProcessName: 'C:\\Windows\\System32\\net.exe',
    '@timestamp': '2025-02-14T08:00:00+02:00', hostname: 'edge01.contoso.test',
  });
  assert.deepEqual(e.logsource, { product: 'windows', service: 'security', category: 'process_creation' });
  assert.equal(e.fields['Image'], 'C:\\Windows\\System32\\net.exe');
  assert.equal(e.fields['NewProcessName'], 'C:\\Windows\\System32\\net.exe');
  assert.equal(e.time, Date.UTC(2025, 1, 14, 6, 0, 0));
  assert.equal(e.host, 'edge01.contoso.test');
});

test('flat object without Channel: fields as given, logsource from product/service/category keys', () => {
  const e = ev({ product: 'windows', category: 'process_creation', Image: 'C:\\a.exe', timestamp: '2025-02-14 07:01:02.5', Computer: 'h1' });
  assert.deepEqual(e.logsource, { product: 'windows', category: 'process_creation' });
  assert.equal(e.fields['Image'], 'C:\\a.exe');
  assert.equal(e.time, Date.UTC(2025, 1, 14, 7, 1, 2, 500));
  assert.equal(e.host, 'h1');
});

test('flat object naming no logsource at all: empty logsource, numeric epoch-ms time', () => {
  const e = ev({ CommandLine: 'whoami', time: 1739516400000, DeviceName: 'ws7' });
  assert.deepEqual(e.logsource, {});
  assert.equal(e.time, 1739516400000);
  assert.equal(e.host, 'ws7');
  assert.equal(e.fields['CommandLine'], 'whoami');
});

test('a non-object record -> null', () => {
  for (const v of [null, undefined, 42, 'text', true, [], [{ Event: {} }]]) assert.equal(toEvent(v, ref), null, `for ${JSON.stringify(v)}`);
});

test('every JSON rendering in the SigmaHQ regression data yields events with a product and a time', { skip: SKIP_NO_CORPORA }, async () => {
  const root = join(CORPORA, 'sigma-regression', 'regression_data');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.json')) files.push(p);
    }
  };
  walk(root);
  assert.ok(files.length >= 150, `expected the regression JSON files, found ${files.length}`);
  const bad: string[] = [];
  let events = 0;
  for (const f of files) {
    const name = relative(root, f);
    let n = 0;
    for await (const it of readJsonRecords(f)) {
      if (it.kind === 'error') { bad.push(`${name}:${it.line}: read error: ${it.message}`); continue; }
      const e = toEvent(it.value, { file: f, kind: 'json', line: it.line });
      n++;
      if (!e) bad.push(`${name}:${it.line}: not an event`);
      else if (!e.logsource.product) bad.push(`${name}:${it.line}: no logsource product (${JSON.stringify(e.logsource)})`);
      else if (Number.isNaN(e.time)) bad.push(`${name}:${it.line}: no time`);
    }
    if (n === 0) bad.push(`${name}: no events`);
    events += n;
  }
  assert.deepEqual(bad, [], bad.slice(0, 20).join('\n'));
  assert.ok(events >= files.length);
});
