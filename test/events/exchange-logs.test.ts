// Get-MessageTrackingLog output saved the ways admins save it remotely (Windows PowerShell 5.1 and
// PowerShell 7 Export-Csv, ConvertTo-Json, Export-Clixml) becomes the same events as the message
// tracking log itself, so one Sigma rule covers both; the mapping data file is consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { spawnSync } from 'node:child_process';
import { hunt, type Problem } from '../../src/hunt/run.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { parseSigmaText } from '../../src/sigma/parse.js';
import type { Event } from '../../src/events/model.js';
import { exchangeLogMap, parseExchangeLogMap, parseExportTime, splitMulti, trackingExportEvent } from '../../src/events/exchange-logs.js';
import { dataPath } from '../../src/util/package-root.js';

const F2013 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version';

// The PICKUP -> outside recipient pattern of a transport agent's exfiltration (DOMAIN-mail-flow).
const RULE = `title: Pickup submission to an outside address
id: 5a0c7a56-2f43-4d0e-9c0e-6f9b0c1d2e3f
logsource:
  product: exchange
  service: messagetracking
detection:
  selection:
    event-id: RECEIVE
    source: PICKUP
    recipient-address|endswith: '@evil.test'
    total-bytes|gte: 4000
  condition: selection
level: high
`;

const PROPS = ['RunspaceId', 'Timestamp', 'ClientIp', 'ClientHostname', 'ServerIp', 'ServerHostname', 'SourceContext', 'ConnectorId', 'Source', 'EventId', 'InternalMessageId', 'MessageId', 'NetworkMessageId', 'Recipients', 'RecipientStatus', 'TotalBytes', 'RecipientCount', 'RelatedRecipientAddress', 'Reference', 'MessageSubject', 'Sender', 'ReturnPath', 'Directionality', 'TenantId', 'OriginalClientIp', 'OriginalServerIp', 'MessageInfo', 'MessageLatency', 'MessageLatencyType', 'EventData', 'TransportTrafficType', 'SchemaVersion'];

function q(v: string): string { return `"${v.replace(/"/g, '""')}"`; }

async function huntDir(files: Record<string, string | Buffer>): Promise<{ events: Event[]; hits: Event[]; problems: Problem[]; skipped: { path: string; reason: string }[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'th-mtl-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  const events: Event[] = [];
  const hits: Event[] = [];
  const ruleset = new RuleSet(parseSigmaText(RULE, 'rule.yml').docs);
  const s = await hunt({ paths: [dir], ruleset, threads: 0, onEvent: (e) => events.push(e), onHit: (h) => hits.push(h.event) });
  return { events, hits, problems: s.problems, skipped: s.skipped };
}

test('one rule matches the log line and every saved form of Get-MessageTrackingLog', async () => {
  const log = '\ufeff#Software: Microsoft Exchange Server\r\n#Version: 15.02.1544.004\r\n#Log-type: Message Tracking Log\r\n#Date: 2024-03-04T09:00:00.000Z\r\n' +
    `#Fields: ${F2013}\r\n` +
    '2024-03-04T09:00:01.115Z,10.0.0.6,EX01,10.0.0.6,EX01,Pickup,,PICKUP,RECEIVE,12884901889,<a1@corp.test>,5f1c9a2e-0c1d-4a3b-9e8f-08dc3c1a2b3c,drop@evil.test,,4821,1,,,report,ceo@corp.test,ceo@corp.test,,Originating,,,,,Email,,15.02.1544.004\r\n';
  // Windows PowerShell 5.1: `Export-Csv` writes #TYPE, local en-US times, and the type names of lists
  const ps5Csv = '#TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n' + PROPS.map(q).join(',') + '\r\n' +
    ['a1b2', '3/4/2024 9:00:01 AM', '10.0.0.6', 'EX01', '10.0.0.6', 'EX01', 'Pickup', '', 'PICKUP', 'RECEIVE', '12884901889', '<a1@corp.test>', '5f1c9a2e-0c1d-4a3b-9e8f-08dc3c1a2b3c',
      'System.String[]', 'System.String[]', '4821', '1', '', '', 'report', 'ceo@corp.test', 'ceo@corp.test', 'Originating', '', '', '', '', '', '',
      'System.Collections.Generic.List`1[System.Collections.Generic.KeyValuePair`2[System.String,System.Object]]', 'Email', '15.02.1544.004'].map(q).join(',') + '\r\n';
  // PowerShell 7 / a Select-Object that joins the lists: no #TYPE, ISO times
  const ps7Csv = PROPS.map(q).join(',') + '\n' +
    ['a1b2', '2024-03-04T10:00:01.115+01:00', '10.0.0.6', 'EX01', '10.0.0.6', 'EX01', 'Pickup', '', 'PICKUP', 'RECEIVE', '12884901889', '<a1@corp.test>', '5f1c9a2e-0c1d-4a3b-9e8f-08dc3c1a2b3c',
      'ann@corp.test;drop@evil.test', '', '4821', '2', '', '', 'report, "final"', 'ceo@corp.test', 'ceo@corp.test', 'Originating', '', '', '', '', '', '',
      'DeliveryPriority=Normal', 'Email', '15.02.1544.004'].map(q).join(',') + '\n';
  // Windows PowerShell 5.1 ConvertTo-Json (default depth 2): /Date(ms)/, EventData pairs as their "[Key, Value]" text
  const ps5Json = JSON.stringify([{
    RunspaceId: 'a1b2', Timestamp: '/Date(1709542801115)/', ClientIp: '10.0.0.6', ClientHostname: 'EX01', ServerIp: '10.0.0.6', ServerHostname: 'EX01', SourceContext: 'Pickup', ConnectorId: null,
    Source: 'PICKUP', EventId: 'RECEIVE', InternalMessageId: '12884901889', MessageId: '<a1@corp.test>', NetworkMessageId: '5f1c9a2e-0c1d-4a3b-9e8f-08dc3c1a2b3c',
    Recipients: ['drop@evil.test'], RecipientStatus: [], TotalBytes: 4821, RecipientCount: 1, RelatedRecipientAddress: null, Reference: null, MessageSubject: 'report',
    Sender: 'ceo@corp.test', ReturnPath: 'ceo@corp.test', Directionality: 'Originating', TenantId: '', OriginalClientIp: '', OriginalServerIp: '', MessageInfo: '',
    MessageLatency: null, MessageLatencyType: 0, EventData: ['[DeliveryPriority, Normal]', '[AccountForest, corp.test]'], TransportTrafficType: 'Email', SchemaVersion: '15.02.1544.004',
  }], null, 4);
  // Export-Clixml from a remote session (Deserialized types), UTF-16LE with a BOM as Windows PowerShell writes it
  const clixml = `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0"><T>Deserialized.Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent</T><T>Deserialized.System.Object</T></TN>
    <ToString>Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent</ToString>
    <Props>
      <G N="RunspaceId">0d6f2c55-7a0b-4c8e-9d1e-2f3a4b5c6d7e</G>
      <DT N="Timestamp">2024-03-04T10:00:01.115+01:00</DT>
      <S N="ClientIp">10.0.0.6</S>
      <S N="ClientHostname">EX01</S>
      <S N="ServerIp">10.0.0.6</S>
      <S N="ServerHostname">EX01</S>
      <S N="SourceContext">Pickup</S>
      <Nil N="ConnectorId" />
      <S N="Source">PICKUP</S>
      <S N="EventId">RECEIVE</S>
      <U64 N="InternalMessageId">12884901889</U64>
      <S N="MessageId">&lt;a1@corp.test&gt;</S>
      <G N="NetworkMessageId">5f1c9a2e-0c1d-4a3b-9e8f-08dc3c1a2b3c</G>
      <Obj N="Recipients" RefId="1">
        <TN RefId="1"><T>Deserialized.System.String[]</T><T>Deserialized.System.Array</T><T>Deserialized.System.Object</T></TN>
        <LST><S>drop@evil.test</S><S>ann@corp.test</S></LST>
      </Obj>
      <Obj N="RecipientStatus" RefId="2"><TNRef RefId="1" /><LST /></Obj>
      <I64 N="TotalBytes">4821</I64>
      <I32 N="RecipientCount">2</I32>
      <Nil N="RelatedRecipientAddress" />
      <Nil N="Reference" />
      <S N="MessageSubject">report_x000A_line two</S>
      <S N="Sender">ceo@corp.test</S>
      <S N="ReturnPath">ceo@corp.test</S>
      <S N="Directionality">Originating</S>
      <Obj N="EventData" RefId="3">
        <TN RefId="2"><T>Deserialized.System.Collections.Generic.List\`1[[System.Collections.Generic.KeyValuePair\`2[[System.String],[System.Object]]]]</T><T>Deserialized.System.Object</T></TN>
        <LST>
          <Obj RefId="4"><TN RefId="3"><T>Deserialized.System.Collections.Generic.KeyValuePair\`2[[System.String],[System.Object]]</T></TN><ToString>[DeliveryPriority, Normal]</ToString>
            <Props><S N="Key">DeliveryPriority</S><S N="Value">Normal</S></Props></Obj>
        </LST>
      </Obj>
      <S N="TransportTrafficType">Email</S>
      <S N="SchemaVersion">15.02.1544.004</S>
    </Props>
  </Obj>
</Objs>`;
  const r = await huntDir({
    'MSGTRK2024030409-1.LOG': log, 'trk-ps5.csv': ps5Csv, 'trk-ps7.csv': ps7Csv, 'trk.json': ps5Json,
    'trk.xml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(clixml, 'utf16le')]),
  });
  assert.deepEqual(r.skipped, []);
  assert.equal(r.events.length, 5);
  for (const e of r.events) {
    assert.deepEqual(e.logsource, { product: 'exchange', service: 'messagetracking' }, e.ref.file);
    assert.equal(e.fields['event-id'], 'RECEIVE', e.ref.file);
    assert.equal(e.fields['total-bytes'], 4821, e.ref.file);
    assert.equal(e.time, Date.parse('2024-03-04T09:00:01' + (e.ref.file.endsWith('ps5.csv') ? '.000Z' : '.115Z')), e.ref.file);
    assert.equal(e.host, 'EX01', e.ref.file);
    assert.equal(e.fields['message-id'], '<a1@corp.test>', e.ref.file);
  }
  const by = (suffix: string) => r.events.find((e) => e.ref.file.endsWith(suffix))!;
  assert.deepEqual(by('.LOG').ref.kind, 'exchangelog');
  assert.deepEqual(by('trk-ps7.csv').fields['recipient-address'], ['ann@corp.test', 'drop@evil.test']);
  assert.equal(by('trk-ps7.csv').fields['message-subject'], 'report, "final"');
  assert.equal(by('trk-ps7.csv').fields['custom-data'], 'DeliveryPriority=Normal');
  assert.equal(by('trk-ps7.csv').fields['date-time'], '2024-03-04T09:00:01.115Z', 'the time in the log\'s own form');
  assert.equal(by('trk.json').fields['custom-data'], 'DeliveryPriority=Normal;AccountForest=corp.test');
  assert.equal(by('trk.json').fields['recipient-status'], undefined, 'an empty list is absent');
  assert.equal(by('trk.json').fields['MessageLatencyType'], 0, 'properties the log does not have keep their names');
  assert.equal(by('trk.xml').ref.kind, 'xml');
  assert.deepEqual(by('trk.xml').fields['recipient-address'], ['drop@evil.test', 'ann@corp.test']);
  assert.equal(by('trk.xml').fields['custom-data'], 'DeliveryPriority=Normal');
  assert.equal(by('trk.xml').fields['message-subject'], 'report\nline two');
  assert.equal(by('trk.xml').fields['internal-message-id'], '12884901889');
  // the PS 5.1 CSV lost its lists: said once per column, with the way out
  const ps5 = by('trk-ps5.csv');
  assert.equal(ps5.fields['recipient-address'], undefined);
  const lost = r.problems.filter((p) => p.file.endsWith('trk-ps5.csv'));
  assert.deepEqual(lost.map((p) => p.line), [3, 3, 3]);
  assert.match(lost[0]!.message, /column Recipients holds a type name \("System.String\[\]"\).*-join ';'/);
  assert.match(lost[2]!.message, /column EventData/);
  // the rule: the log line and the four exports that kept their recipients
  assert.deepEqual(r.hits.map((e) => e.ref.file.replace(/.*[\\/]/, '')).sort(), ['MSGTRK2024030409-1.LOG', 'trk-ps7.csv', 'trk.json', 'trk.xml']);
});

test('a CLIXML file too broken to read is reported, not thrown; other CLIXML objects become flat events', async () => {
  const r = await huntDir({
    'broken.xml': '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><Props><S N="a">x</S></Props>',
    'other.xml': '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><Props><S N="Thing">x</S><DT N="TimeCreated">2024-03-04T09:00:00Z</DT></Props></Obj></Objs>',
  });
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.file, /broken\.xml$/);
  assert.match(r.problems[0]!.message, /not well-formed CLIXML/);
  assert.equal(r.events.length, 1);
  assert.deepEqual({ ...r.events[0]!.fields }, { Thing: 'x', TimeCreated: '2024-03-04T09:00:00Z' });
  assert.equal(r.events[0]!.time, Date.parse('2024-03-04T09:00:00Z'));
});

test('splitMulti: lists on `;`, statuses keep their inner semicolons, empty parts dropped', () => {
  assert.deepEqual(splitMulti('a@x;b@y'), ['a@x', 'b@y']);
  assert.deepEqual(splitMulti('a@x;'), ['a@x']);
  assert.deepEqual(splitMulti(''), []);
  assert.deepEqual(splitMulti('250 2.1.5 Recipient OK;550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found'), ['250 2.1.5 Recipient OK', '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found']);
  assert.deepEqual(splitMulti('[{LRT=};{LED=x}];ok'), ['[{LRT=};{LED=x}]', 'ok']);
  assert.deepEqual(splitMulti('}];a;b'), ['}]', 'a', 'b'], 'a stray closing bracket does not swallow the rest');
});

test('parseExportTime: the forms PowerShell writes', () => {
  assert.equal(parseExportTime('/Date(1709542801115)/'), 1709542801115);
  assert.equal(parseExportTime('2024-03-04T10:00:01.115+01:00'), Date.parse('2024-03-04T09:00:01.115Z'));
  assert.equal(parseExportTime('3/4/2024 9:00:01 PM'), Date.parse('2024-03-04T21:00:01Z'));
  assert.equal(parseExportTime('3/4/2024 12:00:01 AM'), Date.parse('2024-03-04T00:00:01Z'));
  assert.equal(parseExportTime('3/4/2024 13:00:01'), Date.parse('2024-03-04T13:00:01Z'));
  assert.ok(Number.isNaN(parseExportTime('04.03.2024 09:00:01')));
});

test('a subject that reads like a type name is kept; only list columns are checked for lost values', () => {
  const { event, lost } = trackingExportEvent({ Timestamp: '2024-03-04T09:00:00Z', EventId: 'SEND', Source: 'SMTP', MessageSubject: 'System.String[]', Recipients: 'System.String[]' }, { file: 'f', kind: 'csv', line: 2 });
  assert.equal(event.fields['message-subject'], 'System.String[]');
  assert.deepEqual(lost, ['Recipients']);
});

test('data/exchange-logs.yaml: every export property maps to a message tracking field; lists and numbers are fields of their log type', () => {
  const m = exchangeLogMap();
  const trk = m.trackingExport.spec;
  const fields = new Set(trk.fields);
  for (const [prop, name] of m.trackingExport.properties) assert.ok(fields.has(name), `${prop} -> ${name}`);
  for (const c of m.trackingExport.collections) assert.ok(fields.has(c), c);
  for (const t of m.types) {
    const f = new Set(t.fields ?? []);
    for (const n of [...(t.lists ?? []), ...(t.numbers ?? []), ...(t.time ? [t.time] : []), ...(t.host ? [t.host] : [])]) assert.ok(f.has(n), `${t.log_type}: ${n}`);
  }
  assert.deepEqual(m.types.map((t) => t.service), ['messagetracking', 'agentlog', 'smtpreceive', 'smtpsend']);
  const raw = parse(readFileSync(dataPath('exchange-logs.yaml'), 'utf8')) as { tracking_export: { log_type: string } };
  raw.tracking_export.log_type = 'Nope';
  assert.throws(() => parseExchangeLogMap(JSON.stringify(raw), 'x.yaml'), /x\.yaml: tracking_export.log_type 'Nope'/);
});

test('tracehound fields lists the Exchange logsources and their field names from the data file', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fields', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { mappings: unknown[]; exchange: { product: string; log_types: { service: string; fields: string[]; lists: string[] }[]; tracking_export: { properties: Record<string, string> } } };
  assert.ok(doc.mappings.length > 0, 'the Windows mappings are still there');
  assert.equal(doc.exchange.product, 'exchange');
  const trk = doc.exchange.log_types.find((t) => t.service === 'messagetracking')!;
  assert.deepEqual(trk.fields, F2013.split(','));
  assert.ok(trk.lists.includes('recipient-address'));
  assert.equal(doc.exchange.tracking_export.properties['Recipients'], 'recipient-address');
  assert.deepEqual(doc.exchange.log_types.map((t) => t.service), ['messagetracking', 'agentlog', 'smtpreceive', 'smtpsend']);
});
