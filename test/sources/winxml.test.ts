// Rendered Windows event XML (wevtutil / Get-WinEvent ToXml / Event Viewer / libevtx): the streaming
// tokenizer, the evtx-to-JSON shape it builds, its bounds and how it recovers from broken events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { readWinXmlEvents, WinXmlSplitter, type WinXmlItem } from '../../src/sources/winxml/reader.js';
import { detectKindOfBytes } from '../../src/sources/detect.js';
import { toEvent } from '../../src/events/normalize.js';

const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-wx-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let seq = 0;
function file(content: string | Buffer): string {
  const p = join(tmp, `in-${++seq}.xml`);
  fs.writeFileSync(p, content);
  return p;
}
async function readAll(path: string, opts = {}): Promise<WinXmlItem[]> {
  const out: WinXmlItem[] = [];
  for await (const it of readWinXmlEvents(path, opts)) out.push(it);
  return out;
}
type Rec = Extract<WinXmlItem, { kind: 'record' }>;
type Err = Extract<WinXmlItem, { kind: 'error' }>;
const records = (items: WinXmlItem[]) => items.filter((i): i is Rec => i.kind === 'record');
const errors = (items: WinXmlItem[]) => items.filter((i): i is Err => i.kind === 'error');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ev = (r: Rec | undefined): any => (r!.value as any).Event;

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';
function event(id: number, data: string, extra = ''): string {
  return `<Event xmlns="${NS}">
  <System>
    <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}" />
    <EventID>${id}</EventID>
    <Version>5</Version>
    <Level>4</Level>
    <Task>1</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-05-01T10:00:00.1234567Z" />
    <EventRecordID>${1000 + id}</EventRecordID>
    <Correlation />
    <Execution ProcessID="3544" ThreadID="4272" />
    <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
    <Computer>EXCH01.corp.example</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <EventData>
${data}
  </EventData>${extra}
</Event>`;
}
const proc = (cmd: string) => `    <Data Name="Image">C:\\Windows\\System32\\cmd.exe</Data>\n    <Data Name="CommandLine">${cmd}</Data>\n    <Data Name="ProcessId">4460</Data>`;

test('a wevtutil-style document: declaration, <Events> root, the evtx-to-JSON shape, typed System fields', async () => {
  const p = file(`<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n${event(1, proc('cmd /c whoami')).replace(/\n/g, '\r\n')}\r\n${event(1, proc('x'))}\r\n</Events>\r\n`);
  const items = await readAll(p);
  assert.deepEqual(errors(items), []);
  const rs = records(items);
  assert.equal(rs.length, 2);
  assert.equal(rs[0]!.line, 3);
  assert.equal(rs[1]!.line, 3 + 23);
  const e = ev(rs[0]);
  assert.deepEqual(e['#attributes'], { xmlns: NS });
  assert.equal(e.System.EventID, 1);
  assert.equal(e.System.EventRecordID, 1001);
  assert.equal(e.System.Version, 5);
  assert.equal(e.System.Level, 4);
  assert.equal(e.System.Task, 1);
  assert.equal(e.System.Opcode, 0);
  assert.equal(e.System.Keywords, '0x8000000000000000');
  assert.equal(e.System.Correlation, null);
  assert.deepEqual(e.System.Execution, { '#attributes': { ProcessID: 3544, ThreadID: 4272 } });
  assert.deepEqual(e.System.Provider, { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '{5770385f-c22a-43e0-bf4c-06f5698ffbd9}' } });
  assert.deepEqual(e.System.TimeCreated, { '#attributes': { SystemTime: '2024-05-01T10:00:00.1234567Z' } });
  // EventData values stay text: the XML does not say their type.
  assert.deepEqual(e.EventData, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c whoami', ProcessId: '4460' });
  const n = toEvent(rs[0]!.value, { file: p, kind: 'xml', line: rs[0]!.line })!;
  assert.equal(n.fields['EventID'], 1);
  assert.equal(n.fields['Execution_ProcessID'], 3544);
  assert.equal(n.fields['CommandLine'], 'cmd /c whoami');
  assert.equal(n.logsource.category, 'process_creation');
  assert.equal(n.host, 'EXCH01.corp.example');
  assert.equal(n.time, Date.parse('2024-05-01T10:00:00.123Z'));
});

test('events without a root element (libevtx), a BOM, comments and PIs between them', async () => {
  const p = file(`\ufeff<!-- exported -->\n${event(1, proc('a'))}\n\n<?pi x?>\n${event(2, proc('b'))}\n\n`);
  const items = await readAll(p);
  assert.deepEqual(errors(items), []);
  assert.deepEqual(records(items).map((r) => [r.line, ev(r).System.EventID, ev(r).EventData.CommandLine]), [[2, 1, 'a'], [27, 2, 'b']]);
});

test('entities, character references, CDATA, comments inside values, attribute normalisation', async () => {
  const data = `    <Data Name="CommandLine">a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#x1F600; <![CDATA[<raw> & ]]>e<!-- c -->f</Data>
    <Data Name="Multi">line1\r\nline2&#13;</Data>
    <Data Name="Space"> </Data>
    <Data Name="Empty"></Data>
    <Data Name="SelfClosed"/>
    <Data Name='Quoted"'>x</Data>`;
  const p = file(event(1, data).replace('<Security UserID="S-1-5-18" />', '<Security UserID="S-1-5-18"\n  Extra="a\tb&#10;c" />'));
  const items = await readAll(p);
  assert.deepEqual(errors(items), []);
  const e = ev(records(items)[0]);
  assert.equal(e.EventData.CommandLine, 'a <b> & "c" \'d\' AB\u{1F600} <raw> & ef');
  assert.equal(e.EventData.Multi, 'line1\nline2\r');
  assert.equal(e.EventData.Space, ' ');
  assert.equal(e.EventData.Empty, '');
  assert.equal(e.EventData.SelfClosed, '');
  assert.equal(e.EventData['Quoted"'], 'x');
  assert.deepEqual(e.System.Security['#attributes'], { UserID: 'S-1-5-18', Extra: 'a b\nc' });
});

test('unnamed Data elements (MSExchange Management) become the Data list; UserData keeps its tree', async () => {
  const unnamed = `<Event xmlns="${NS}"><System><Provider Name="MSExchange CmdletLogs" /><EventID Qualifiers="16388">6</EventID><Channel>MSExchange Management</Channel><Computer>EX</Computer></System>
<EventData><Data>Install-TransportAgent</Data><Data>-Name "Evil" -AssemblyPath ".\\x.dll"</Data><Data></Data></EventData></Event>`;
  const one = `<Event xmlns="${NS}"><System><EventID>6</EventID></System><EventData><Data>only</Data></EventData></Event>`;
  const userData = `<Event xmlns="${NS}"><System><EventID>1102</EventID><Channel>Security</Channel></System><UserData>
  <LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">
    <SubjectUserSid>S-1-5-21-1</SubjectUserSid>
    <SubjectUserName>admin</SubjectUserName>
  </LogFileCleared>
</UserData></Event>`;
  const items = await readAll(file(`${unnamed}\n${one}\n${userData}\n`));
  assert.deepEqual(errors(items), []);
  const [a, b, c] = records(items);
  assert.deepEqual(ev(a).EventData, { Data: { '#text': ['Install-TransportAgent', '-Name "Evil" -AssemblyPath ".\\x.dll"', ''] } });
  assert.deepEqual(ev(a).System.EventID, { '#attributes': { Qualifiers: '16388' }, '#text': 6 });
  assert.deepEqual(ev(b).EventData, { Data: { '#text': 'only' } });
  assert.deepEqual(ev(c).UserData, {
    LogFileCleared: { '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' }, SubjectUserSid: 'S-1-5-21-1', SubjectUserName: 'admin' },
  });
  const n = toEvent(a!.value, { file: 'x', kind: 'xml', line: 1 })!;
  assert.deepEqual(n.fields['Data'], ['Install-TransportAgent', '-Name "Evil" -AssemblyPath ".\\x.dll"', '']);
  assert.equal(n.fields['EventID'], 6);
  assert.equal(toEvent(c!.value, { file: 'x', kind: 'xml', line: 1 })!.fields['SubjectUserName'], 'admin');
});

test('RenderingInfo (Get-WinEvent / Event Viewer) is kept under Event and does not touch System fields', async () => {
  const p = file(event(1, proc('a'), `\n  <RenderingInfo Culture="en-US">\n    <Message>Process Create</Message>\n    <Level>Information</Level>\n    <Keywords><Keyword>Audit</Keyword></Keywords>\n  </RenderingInfo>`));
  const r = records(await readAll(p));
  assert.equal(ev(r[0]).RenderingInfo.Message, 'Process Create');
  assert.deepEqual(ev(r[0]).RenderingInfo.Keywords, { Keyword: 'Audit' });
  const n = toEvent(r[0]!.value, { file: p, kind: 'xml', line: 1 })!;
  assert.equal(n.fields['Level'], 4);
});

test('a malformed event is reported with its line and the next event is read', async () => {
  const bad = event(2, '    <Data Name="CommandLine">oops</Dta>');
  const unclosedQuote = event(3, '    <Data Name="CommandLine>oops</Data>');
  const undefinedEntity = event(4, '    <Data Name="CommandLine">&nbsp;</Data>');
  const notClosed = event(5, proc('never closed')).replace(/<\/Event>$/, '');
  const text = [event(1, proc('first')), bad, unclosedQuote, undefinedEntity, notClosed, event(6, proc('last'))].join('\n');
  const items = await readAll(file(text));
  const rs = records(items);
  assert.deepEqual(rs.map((r) => ev(r).System.EventID), [1, 6]);
  const errs = errors(items);
  assert.deepEqual(errs.map((e) => e.line), [24, 45, 66, 87]);
  assert.match(errs[0]!.message, /event starting at line 24: end tag <\/Dta> where <\/Data> was expected \(line 42\); event skipped/);
  assert.match(errs[2]!.message, /undefined entity &nbsp;/);
  assert.match(errs[3]!.message, /not closed before the next <Event>/);
  assert.equal(rs[1]!.line, 110);
  // The same, fed one character at a time.
  const s = new WinXmlSplitter();
  const byChar: WinXmlItem[] = [];
  for (const ch of text) byChar.push(...s.push(ch));
  byChar.push(...s.end());
  assert.deepEqual(byChar, items);
});

test('an event left open at the end of the file is reported', async () => {
  const items = await readAll(file(`<Events>\n${event(1, proc('a'))}\n<Event xmlns="${NS}"><System><EventID>2</Event`));
  assert.equal(records(items).length, 1);
  assert.deepEqual(errors(items).map((e) => e.line), [25]);
});

test('an oversized event is skipped with its line; reading continues at the next event', async () => {
  const big = event(2, `    <Data Name="CommandLine">${'A'.repeat(200_000)}</Data>`);
  const items = await readAll(file([event(1, proc('a')), big, event(3, proc('c'))].join('\n')), { maxEventChars: 100_000 });
  assert.deepEqual(records(items).map((r) => ev(r).System.EventID), [1, 3]);
  assert.deepEqual(errors(items).map((e) => e.line), [24]);
  assert.match(errors(items)[0]!.message, /larger than 100000 characters/);
  // An unterminated comment does not swallow the events after it.
  const items2 = await readAll(file([event(1, proc('a')).replace('<System>', '<System><!-- no end'), 'x'.repeat(150_000), event(3, proc('c'))].join('\n')), { maxEventChars: 100_000 });
  assert.deepEqual(records(items2).map((r) => ev(r).System.EventID), [3]);
  assert.equal(errors(items2).length, 1);
});

test('nesting is bounded', async () => {
  const deep = `<Event><System><EventID>1</EventID></System><UserData>${'<a>'.repeat(100)}x${'</a>'.repeat(100)}</UserData></Event>\n${event(2, proc('b'))}`;
  const items = await readAll(file(deep));
  assert.deepEqual(records(items).map((r) => ev(r).System.EventID), [2]);
  assert.match(errors(items)[0]!.message, /nested deeper than 64/);
});

test('a DOCTYPE (and so any entity declaration) is rejected and nothing after it is read', async () => {
  const xxe = `<?xml version="1.0"?>\n<!DOCTYPE Events [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n<Events>${event(1, '    <Data Name="CommandLine">&xxe;</Data>')}</Events>`;
  const items = await readAll(file(xxe));
  assert.equal(records(items).length, 0);
  assert.equal(errors(items).length, 1);
  assert.equal(errors(items)[0]!.line, 2);
  assert.match(errors(items)[0]!.message, /document type declaration/);
});

test('bytes that are not UTF-8: the event holding them is reported, the others are read', async () => {
  const a = Buffer.from(event(1, proc('a')) + '\n');
  const b = Buffer.from(event(2, proc('b\u00e9')) + '\n');
  const i = b.indexOf(Buffer.from('\u00e9'));
  b[i] = 0xff; // not UTF-8
  const c = Buffer.from(event(3, proc('c\u00e9')) + '\n');
  const items = await readAll(file(Buffer.concat([a, b, c])));
  assert.deepEqual(records(items).map((r) => [r.line, ev(r).EventData.CommandLine]), [[1, 'a'], [47, 'c\u00e9']]);
  assert.deepEqual(errors(items).map((e) => e.line), [24]);
  assert.match(errors(items)[0]!.message, /not valid UTF-8 \(byte 0xff at offset \d+\) at line 43; event skipped/);
  // a character split across read chunks is not an error
  const long = Buffer.from(event(4, proc('\u00e9'.repeat(700_000))));
  const r = await readAll(file(long));
  assert.deepEqual(errors(r), []);
  assert.equal(ev(records(r)[0]).EventData.CommandLine.length, 700_000);
});

test('UTF-16 with a BOM (Windows PowerShell Out-File) is detected and read', async () => {
  const text = `<?xml version="1.0" encoding="utf-16"?>\r\n<Events>${event(7, proc('x'))}</Events>\r\n`;
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  assert.equal(detectKindOfBytes(le), 'xml');
  const r = records(await readAll(file(le)));
  assert.deepEqual(r.map((x) => ev(x).System.EventID), [7]);
});

test('detection: XML by its first non-blank character; not-XML files report no events', async () => {
  for (const t of ['<?xml version="1.0"?><Events/>', '  \n<Events>', '\ufeff<Event xmlns="x">', '<!-- c -->']) assert.equal(detectKindOfBytes(Buffer.from(t)), 'xml', t);
  assert.equal(detectKindOfBytes(Buffer.from('{"a":1}')), 'json');
  assert.equal(detectKindOfBytes(Buffer.from('hello')), 'unknown');
  assert.deepEqual(await readAll(file('<?xml version="1.0"?>\n<Events>\n</Events>\n')), []);
  const other = await readAll(file('<configuration><agents/></configuration>'));
  assert.deepEqual(other, [{ kind: 'error', line: 1, message: 'no <Event> element in this XML file' }]);
});
