// Exchange Server text logs: the published header and field shapes of Exchange 2010, 2013-2019 and
// Subscription Edition (message tracking MSGTRK/MSGTRKMS/MSGTRKMD/MSGTRKMA, AgentLog, SMTP Receive
// and Send protocol logs), written here from Microsoft's field lists and the line shapes public
// parsers test with (our own values), plus broken input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { ExchangeLogParser, readExchangeLog, splitLogLine, MAX_LOG_LINE_CHARS, type ExchangeLogItem } from '../../src/sources/exchangelog/reader.js';
import { LineSplitter, type LineOut } from '../../src/util/lines.js';
import { detectKindOfBytes } from '../../src/sources/detect.js';
import { logLineEvent } from '../../src/events/exchange-logs.js';
import type { Event } from '../../src/events/model.js';

const BOM = '\ufeff';
const F2010 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data';
const F2013 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version';
const SMTP = 'date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context';
const AGENT = 'Timestamp,SessionId,LocalEndpoint,RemoteEndpoint,EnteredOrgFromIP,MessageId,P1FromAddress,P2FromAddresses,Recipient,NumRecipients,Agent,Event,Action,SmtpResponse,Reason,ReasonData,Diagnostics,NetworkMsgID,TenantID,Directionality';

function header(version: string, logType: string, fields: string, date = '2024-03-04T09:00:00.000Z'): string {
  return `#Software: Microsoft Exchange Server\r\n#Version: ${version}\r\n#Log-type: ${logType}\r\n#Date: ${date}\r\n#Fields: ${fields}\r\n`;
}

function file(text: string | Buffer): string {
  const f = join(mkdtempSync(join(tmpdir(), 'th-exlog-')), 'MSGTRK2024030409-1.LOG');
  writeFileSync(f, text);
  return f;
}

async function read(text: string | Buffer): Promise<{ items: ExchangeLogItem[]; events: Event[]; errors: { line: number; message: string }[] }> {
  const f = file(text);
  const items: ExchangeLogItem[] = [];
  for await (const it of readExchangeLog(f)) items.push(it);
  const events = items.flatMap((it) => it.kind === 'record' ? [logLineEvent(it.header, it.cells, { file: f, kind: 'exchangelog', line: it.line })] : []);
  const errors = items.flatMap((it) => it.kind === 'error' ? [{ line: it.line, message: it.message }] : []);
  return { items, events, errors };
}

test('Exchange 2010 message tracking (MSGTRK, #Version 14): the 2010 field set, quoted source-context, BOM', async () => {
  const text = BOM + header('14.0.0.0', 'Message Tracking Log', F2010, '2016-04-05T00:00:02.052Z') +
    '2016-04-05T00:00:02.052Z,,,,,"MDB:61914740-3f1b-4ddb-94e0-557196870cfa, Mailbox:279f077c-216f-4323-a9ee-48e50ffd3cad, Event:269492708, MessageClass:IPM.Note.StorageQuotaWarning.Warning, CreationTime:2016-04-05T00:00:01.022Z, ClientType:System",,STOREDRIVER,SUBMIT,,<0b5a2f3e1c@EX2010.corp.test>,,,,,,,Warning: mailbox almost full,admin@corp.test,,,,,,,\r\n' +
    '2016-04-05T00:00:03.101Z,10.1.0.4,EX2010,10.1.0.5,EX2010-HUB,08D35C8A1F2B3C4D,EX2010-HUB\\Default EX2010-HUB,SMTP,RECEIVE,81604378625,<0b5a2f3e1c@EX2010.corp.test>,ann@corp.test;ben@corp.test,,10402,2,,,Warning: mailbox almost full,admin@corp.test,admin@corp.test,2016-04-05T00:00:02.987Z;SRV=EX2010.corp.test:TOTAL=0,Originating,,10.1.0.4,10.1.0.5,\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors, []);
  assert.equal(events.length, 2);
  const [submit, receive] = events as [Event, Event];
  assert.deepEqual(submit.logsource, { product: 'exchange', service: 'messagetracking' });
  assert.equal(submit.ref.line, 6);
  assert.match(submit.fields['source-context'] as string, /^MDB:61914740.*, ClientType:System$/);
  assert.equal(submit.fields['event-id'], 'SUBMIT');
  assert.equal(submit.fields['client-ip'], undefined, 'empty cells are absent');
  assert.equal(submit.host, undefined, 'no server-hostname: no host');
  assert.equal(submit.time, Date.parse('2016-04-05T00:00:02.052Z'));
  assert.deepEqual(receive.fields['recipient-address'], ['ann@corp.test', 'ben@corp.test']);
  assert.equal(receive.fields['total-bytes'], 10402);
  assert.equal(receive.fields['recipient-count'], 2);
  assert.equal(receive.host, 'EX2010-HUB');
  assert.equal(receive.fields['network-message-id'], undefined, '2010 has no network-message-id column');
  assert.equal(receive.fields['message-info'], '2016-04-05T00:00:02.987Z;SRV=EX2010.corp.test:TOTAL=0', 'message-info is not a list');
});

test('Exchange 2016 mailbox submission (MSGTRKMS, #Version 15.01): IPv6 with zone, quotes, commas in the subject, 2013+ columns', async () => {
  const text = BOM + header('15.01.2375.007', 'Message Tracking Log', F2013, '2022-09-19T15:02:29.339Z') +
    '2022-09-19T15:02:29.450Z,fe80::1c2d:3e4f:5a6b:7c8d%3,MBX01.corp.test,fe80::1c2d:3e4f:5a6b:7c8d%3,MBX01,"MDB:7d1f0a52-2c5e-4b1a-9d3f-11aa22bb33cc, Mailbox:5e6f7a8b-0c1d-4e2f-8a9b-08da9fd00918, Event:63779422, MessageClass:IPM.Note, CreationTime:2022-09-19T15:02:29.211Z, ClientType:MOMT, SubmissionAssistant:MailboxTransportSubmissionEmailAssistant",,STOREDRIVER,RECEIVE,438,<DB7PR01MB4242@corp.test>,6a638d20-1e63-493a-80a2-08da9a4ff8da,dana@example.org,To,3750222,1,,,"Invoice 2022-09, ""urgent"", please pay",carl@corp.test,carl@corp.test,04I: ,Originating,,192.0.2.44,fe80::1c2d:3e4f:5a6b:7c8d%3,S:MailboxDatabaseGuid=7d1f0a52-2c5e-4b1a-9d3f-11aa22bb33cc;S:DeliveryPriority=Normal;S:AccountForest=corp.test,Email,0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0,15.01.2375.007\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors, []);
  const e = events[0]!;
  assert.equal(e.fields['message-subject'], 'Invoice 2022-09, "urgent", please pay');
  assert.equal(e.fields['client-ip'], 'fe80::1c2d:3e4f:5a6b:7c8d%3');
  assert.equal(e.fields['network-message-id'], '6a638d20-1e63-493a-80a2-08da9a4ff8da');
  assert.deepEqual(e.fields['recipient-status'], ['To']);
  assert.deepEqual(e.fields['recipient-address'], ['dana@example.org'], 'a single value is still a list');
  assert.equal(e.fields['custom-data'], 'S:MailboxDatabaseGuid=7d1f0a52-2c5e-4b1a-9d3f-11aa22bb33cc;S:DeliveryPriority=Normal;S:AccountForest=corp.test');
  assert.equal(e.fields['transport-traffic-type'], 'Email');
  assert.equal(e.fields['schema-version'], '15.01.2375.007');
  assert.equal(e.host, 'MBX01');
});

test('Exchange SE (#Version 15.02.2562) transport MSGTRK: FAIL statuses keep their own semicolons; references and related recipients are lists', async () => {
  const text = header('15.02.2562.017', 'Message Tracking Log', F2013) +
    '2024-03-04T09:10:00.000Z,10.0.0.5,EX01,10.0.0.6,EX02,,,ROUTING,FAIL,12884901890,<m2@corp.test>,1b2c3d4e-0000-4000-8000-08dc3c1a2b3c,gone@corp.test;also@corp.test,550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found;[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}],1200,2,list@corp.test,<r1@corp.test>;<r2@corp.test>,subject,eve@corp.test,eve@corp.test,,Originating,,,,,Email,,15.02.2562.017\r\n' +
    '2024-03-04T09:10:01.000Z,,,,EX02,Transport Rule Agent,,AGENT,AGENTINFO,12884901891,<m3@corp.test>,2b2c3d4e-0000-4000-8000-08dc3c1a2b3c,x@corp.test,,900,1,,,s,y@corp.test,y@corp.test,,Originating,,,,S:TRA=ETR|ruleId=9f3a|st=3/4/2024 9:09:58 AM|action=AddToRecipient|sev=1|mode=Enforce,Email,,15.02.2562.017\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors, []);
  const [fail, agent] = events as [Event, Event];
  assert.deepEqual(fail.fields['recipient-status'], [
    '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found',
    '[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]',
  ]);
  assert.deepEqual(fail.fields['reference'], ['<r1@corp.test>', '<r2@corp.test>']);
  assert.deepEqual(fail.fields['related-recipient-address'], ['list@corp.test']);
  assert.equal(agent.fields['source-context'], 'Transport Rule Agent');
  assert.equal(agent.fields['custom-data'], 'S:TRA=ETR|ruleId=9f3a|st=3/4/2024 9:09:58 AM|action=AddToRecipient|sev=1|mode=Enforce');
});

test('MSGTRKMD and MSGTRKMA files are read the same way (the content, not the name, decides)', async () => {
  for (const name of ['MSGTRKMD2024030409-1.LOG', 'MSGTRKMA2024030409-1.LOG', 'renamed.txt']) {
    const dir = mkdtempSync(join(tmpdir(), 'th-exlog-'));
    const f = join(dir, name);
    writeFileSync(f, header('15.02.1544.004', 'Message Tracking Log', F2013) +
      '2024-03-04T09:00:05.000Z,,,,MBX02,,,STOREDRIVER,DELIVER,77,<m@corp.test>,3c2c3d4e-0000-4000-8000-08dc3c1a2b3c,ann@corp.test,250 2.0.0 Delivered,5000,1,,,s,eve@corp.test,eve@corp.test,,Incoming,,,,,Email,,15.02.1544.004\r\n');
    const items: ExchangeLogItem[] = [];
    for await (const it of readExchangeLog(f)) items.push(it);
    const rec = items.find((i) => i.kind === 'record');
    assert.ok(rec && rec.kind === 'record', name);
    assert.equal(logLineEvent(rec.header, rec.cells, { file: f, kind: 'exchangelog', line: rec.line }).fields['event-id'], 'DELIVER');
  }
});

test('AgentLog: service agentlog, Timestamp is the time, P2FromAddresses a list, NumRecipients a number', async () => {
  const text = BOM + header('15.0.0.0', 'Agent Log', AGENT, '2022-09-13T14:38:59.177Z') +
    '2022-09-13T14:38:59.177Z,08DA95A1B2C3D4E5,10.0.0.10:25,198.51.100.7:46904,198.51.100.7,,ann@example.org,ann@example.org;,bob@corp.test,1,Inbound Trust Agent,OnEndOfHeaders,ModifyHeaders,,,,Cross premises headers filtered,4d2c3d4e-0000-4000-8000-08dc3c1a2b3c,,Incoming\r\n' +
    '2022-09-13T14:40:00.001Z,08DA95A1B2C3D4E6,10.0.0.10:25,203.0.113.9:50000,203.0.113.9,<spam@bad.test>,x@bad.test,"Promo, cheap <x@bad.test>",bob@corp.test,1,Content Filter Agent,OnEndOfData,RejectMessage,550 5.7.1 Message rejected as spam by Content Filtering.,SclAtOrAboveRejectThreshold,"9",,5d2c3d4e-0000-4000-8000-08dc3c1a2b3c,,Incoming\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors, []);
  const [trust, spam] = events as [Event, Event];
  assert.deepEqual(trust.logsource, { product: 'exchange', service: 'agentlog' });
  assert.equal(trust.time, Date.parse('2022-09-13T14:38:59.177Z'));
  assert.deepEqual(trust.fields['P2FromAddresses'], ['ann@example.org']);
  assert.equal(trust.fields['NumRecipients'], 1);
  assert.equal(trust.fields['Agent'], 'Inbound Trust Agent');
  assert.deepEqual(spam.fields['P2FromAddresses'], ['Promo, cheap <x@bad.test>']);
  assert.equal(spam.fields['ReasonData'], '9');
  assert.equal(spam.fields['Action'], 'RejectMessage');
});

test('SMTP Receive and Send protocol logs (2010 and 2013+ share the fields): services smtpreceive and smtpsend', async () => {
  const recv = header('15.0.0.0', 'SMTP Receive Protocol Log', SMTP, '2023-01-11T16:00:04.113Z') +
    '2023-01-11T15:59:51.433Z,FE01\\Default Frontend FE01,08DAF3EC62278461,0,10.0.0.10:25,198.51.100.33:56026,+,,\r\n' +
    '2023-01-11T15:59:51.434Z,FE01\\Default Frontend FE01,08DAF3EC62278461,1,10.0.0.10:25,198.51.100.33:56026,>,"220 FE01.corp.test Microsoft ESMTP MAIL Service ready at Wed, 11 Jan 2023 16:59:51 +0100",\r\n' +
    '2023-01-11T16:00:01.010Z,FE01\\Default Frontend FE01,08DAF3EC62278461,7,10.0.0.10:25,198.51.100.33:56026,*,,"TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256"\r\n';
  const r = await read(recv);
  assert.deepEqual(r.errors, []);
  assert.equal(r.events.length, 3);
  assert.deepEqual(r.events[0]!.logsource, { product: 'exchange', service: 'smtpreceive' });
  assert.equal(r.events[0]!.fields['event'], '+');
  assert.equal(r.events[0]!.fields['data'], undefined);
  assert.equal(r.events[1]!.fields['sequence-number'], 1);
  assert.match(r.events[1]!.fields['data'] as string, /^220 FE01.corp.test .* \+0100$/);
  assert.match(r.events[2]!.fields['context'] as string, /, MAC hash/);
  const send = header('14.0.0.0', 'SMTP Send Protocol Log', SMTP, '2019-01-25T00:03:58.478Z') +
    '2019-01-25T00:04:00.100Z,Internet Send,08D675E58CA1DA99,0,,203.0.113.25:25,*,,attempting to connect\r\n' +
    '2019-01-25T00:04:00.300Z,Internet Send,08D675E58CA1DA99,3,10.0.0.6:50012,203.0.113.25:25,>,MAIL FROM:<ann@corp.test> SIZE=2048,\r\n';
  const s = await read(send);
  assert.deepEqual(s.errors, []);
  assert.deepEqual(s.events.map((e) => e.logsource.service), ['smtpsend', 'smtpsend']);
  assert.equal(s.events[1]!.fields['data'], 'MAIL FROM:<ann@corp.test> SIZE=2048');
});

test('an unknown #Log-type is read with its own #Fields; its service is named from the log type', async () => {
  const text = header('15.01.2375.007', 'HttpProxy Logs', 'DateTime,RequestId,Protocol,UrlStem,ClientIpAddress,ServerHostName,HttpStatus') +
    '2023-01-09T19:00:00.130Z,5e58f5e5-1ddc-48d3-82c6-0199bc121640,Autodiscover,/autodiscover/autodiscover.xml,198.51.100.2,CAS01,200\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(events[0]!.logsource, { product: 'exchange', service: 'httpproxy-logs' });
  assert.equal(events[0]!.time, Date.parse('2023-01-09T19:00:00.130Z'));
  assert.equal(events[0]!.host, 'CAS01');
  assert.equal(events[0]!.fields['HttpStatus'], '200', 'values of unknown logs stay text');
});

test('a new header block mid-file (files joined together, a #Fields change) gives the new columns', async () => {
  const text = BOM + header('14.0.0.0', 'Message Tracking Log', F2010) +
    `2016-04-05T00:00:02.052Z${',x'.repeat(25)}\r\n`.replace(',x', ',10.1.0.4') +
    BOM + header('15.02.1544.004', 'Message Tracking Log', F2013) +
    `2024-03-04T09:00:05.000Z${',y'.repeat(29)}\r\n` +
    header('15.0.0.0', 'SMTP Receive Protocol Log', SMTP) +
    '2024-03-04T09:00:06.000Z,FE01\\Default Frontend FE01,08DC,0,10.0.0.10:25,198.51.100.33:56026,+,,\r\n';
  const { events, errors, items } = await read(text);
  assert.deepEqual(errors, []);
  assert.equal(items.filter((i) => i.kind === 'header').length, 3);
  assert.equal(events.length, 3);
  assert.equal(events[0]!.fields['client-ip'], '10.1.0.4');
  assert.equal(events[0]!.fields['network-message-id'], undefined);
  assert.equal(events[1]!.fields['schema-version'], 'y');
  assert.deepEqual(events[2]!.logsource, { product: 'exchange', service: 'smtpreceive' });
  assert.equal(events[2]!.ref.line, 18);
});

test('bad lines are reported with their line and skipped; the lines after them are read', async () => {
  const good = (n: number) => `2024-03-04T09:00:0${n}.000Z,FE01\\c,08DC,${n},10.0.0.10:25,198.51.100.33:56026,+,,`;
  const text = '2024-03-04T08:59:59.000Z,orphan line before the header\r\n' + header('15.0.0.0', 'SMTP Receive Protocol Log', SMTP) +
    good(1) + '\r\n' +
    '2024-03-04T09:00:02.000Z,FE01\\c,08DC,2,10.0.0.10:25,198.51.100.33:56026,>,"never closed,\r\n' +
    '2024-03-04T09:00:03.000Z,too,few\r\n' +
    '2024-03-04T09:00:04.000Z,FE01\\c,08DC,4,10.0.0.10:25,198.51.100.33:56026,>,"quoted"junk,\r\n' +
    good(5) + '\r\n' +
    '#Fields: a,a\r\n' +
    'skipped,under a broken #Fields\r\n' +
    '#Fields: x,y\r\n' +
    '1,2\r\n';
  const { events, errors } = await read(text);
  assert.deepEqual(errors.map((e) => e.line), [1, 8, 9, 10, 12]);
  assert.match(errors[0]!.message, /before any #Fields/);
  assert.match(errors[1]!.message, /quoted cell 8 is not closed/);
  assert.match(errors[2]!.message, /3 cells, the #Fields line has 9/);
  assert.match(errors[3]!.message, /text after the closing quote/);
  assert.match(errors[4]!.message, /empty or repeated/);
  assert.deepEqual(events.map((e) => e.ref.line), [7, 11, 15]);
  assert.deepEqual({ ...events[2]!.fields }, { x: '1', y: '2' });
});

test('an overlong line and invalid UTF-8 are reported; reading goes on or stops where it must', async () => {
  const long = header('15.0.0.0', 'SMTP Receive Protocol Log', SMTP) + 'x'.repeat(MAX_LOG_LINE_CHARS + 10) + '\r\n' +
    '2024-03-04T09:00:01.000Z,c,s,1,l,r,+,,\r\n';
  const a = await read(long);
  assert.equal(a.errors.length, 1);
  assert.equal(a.errors[0]!.line, 6);
  assert.match(a.errors[0]!.message, /longer than/);
  assert.equal(a.events.length, 1);
  assert.equal(a.events[0]!.ref.line, 7);
  const bad = Buffer.concat([Buffer.from(header('15.0.0.0', 'SMTP Receive Protocol Log', SMTP) + '2024-03-04T09:00:01.000Z,c,s,1,l,r,+,,\r\n2024-03-04T09:00:02.000Z,c,s,2,l,r,<,'), Buffer.from([0xff]), Buffer.from(',\r\nmore\r\n')]);
  const b = await read(bad);
  assert.equal(b.events.length, 1);
  assert.equal(b.errors.length, 1);
  assert.match(b.errors[0]!.message, /not valid UTF-8 \(byte 0xff at offset \d+\)/);
  assert.equal(b.errors[0]!.line, 7);
});

test('__proto__ as a field name is an ordinary field', async () => {
  const { events } = await read(header('1', 'Odd Log', 'date-time,__proto__') + '2024-03-04T09:00:01.000Z,polluted\r\n');
  assert.equal(Object.getPrototypeOf(events[0]!.fields), null);
  assert.equal(Object.getOwnPropertyDescriptor(events[0]!.fields, '__proto__')?.value, 'polluted');
});

test('detection by content: #Software: Microsoft Exchange with or without a BOM; other # files are not Exchange logs', () => {
  assert.equal(detectKindOfBytes(Buffer.from(header('15.0.0.0', 'Message Tracking Log', F2013))), 'exchangelog');
  assert.equal(detectKindOfBytes(Buffer.from(BOM + header('14.0.0.0', 'Agent Log', AGENT))), 'exchangelog');
  assert.equal(detectKindOfBytes(Buffer.from('#Software: Microsoft Internet Information Services 10.0\n#Fields: date time\n')), 'unknown');
  assert.equal(detectKindOfBytes(Buffer.from('#TYPE Microsoft.Exchange.Management.TransportLogSearchTasks.MessageTrackingEvent\r\n"Timestamp","EventId"\r\n')), 'csv');
  assert.equal(detectKindOfBytes(Buffer.from('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"/></Objs>')), 'clixml');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">', 'utf16le')]);
  assert.equal(detectKindOfBytes(utf16), 'clixml');
  assert.equal(detectKindOfBytes(Buffer.from('<Events><Event/></Events>')), 'xml');
});

test('splitLogLine: Exchange CSV quoting', () => {
  assert.deepEqual(splitLogLine('a,b,,'), ['a', 'b', '', '']);
  assert.deepEqual(splitLogLine('"a,b","say ""hi""",c'), ['a,b', 'say "hi"', 'c']);
  assert.deepEqual(splitLogLine('"",x,""'), ['', 'x', '']);
  assert.deepEqual(splitLogLine('x,"y",'), ['x', 'y', '']);
  assert.deepEqual(splitLogLine('a"b,c'), ['a"b', 'c']);
  assert.equal(typeof splitLogLine('"a'), 'string');
});

test('property: any text split anywhere never throws, and every record has as many cells as its #Fields line', () => {
  const piece = fc.oneof(
    fc.constantFrom('#Software: Microsoft Exchange Server', '#Fields: a,b,c', '#Fields: date-time,recipient-address', '#Log-type: Message Tracking Log', '#Fields: ,', '"', '""', ',', ';', '\r\n', '\n', '\ufeff', '#', '{', '[', ' ', '__proto__'),
    fc.string({ maxLength: 12 }),
  );
  fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat({ max: 400 }), { maxLength: 6 }), (parts, cuts) => {
    const text = parts.join('');
    const lines = new LineSplitter(64);
    const parser = new ExchangeLogParser();
    const out: ExchangeLogItem[] = [];
    const ls: LineOut[] = [];
    let at = 0;
    for (const c of [...cuts].sort((x, y) => x - y)) { lines.push(text.slice(at, Math.max(at, c)), ls); at = Math.max(at, c); }
    lines.push(text.slice(at), ls);
    lines.end(ls);
    for (const l of ls) parser.line(l, out);
    for (const it of out) {
      if (it.kind !== 'record') continue;
      assert.equal(it.cells.length, it.header.fields.length);
      const ev = logLineEvent(it.header, it.cells, { file: 'f', kind: 'exchangelog', line: it.line });
      assert.equal(typeof ev.time, 'number');
    }
    // the same lines whatever the cuts
    const whole = new LineSplitter(64).push(text);
    assert.deepEqual(ls.slice(0, whole.length), whole);
  }), { numRuns: 500 });
});

test('property: any bytes after an Exchange header are read without throwing (bad UTF-8 included)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-exlog-prop-'));
  let n = 0;
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (bytes, bom) => {
    const f = join(dir, `f${n++}.LOG`);
    writeFileSync(f, Buffer.concat([Buffer.from((bom ? BOM : '') + header('15.0.0.0', 'Message Tracking Log', F2013)), bytes]));
    for await (const it of readExchangeLog(f)) {
      if (it.kind === 'record') logLineEvent(it.header, it.cells, { file: f, kind: 'exchangelog', line: it.line });
      else if (it.kind === 'error') assert.ok(it.line >= 1 && it.message.length > 0);
    }
  }), { numRuns: 150 });
});
