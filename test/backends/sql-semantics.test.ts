// The SQL backend against tracehound's matcher on crafted rules and events that exercise every
// modifier and condition form and the awkward event shapes (case, missing and null fields,
// multi-valued fields, numbers, nested objects, no logsource): DuckDB and SQLite must return exactly
// the (rule, event) pairs the in-process engine does, for every rule they convert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSigmaText } from '../../src/sigma/parse.js';
import type { SigmaDocument } from '../../src/sigma/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { SqlBackend } from '../../src/sigma/backends/sql.js';
import { convertDocuments } from '../../src/sigma/backends/index.js';
import { rowJson } from '../../src/export/event-table.js';
import { diff, duckPairs, inProcessPairs, rowsOf, sqlitePairs } from './sql-harness.js';

const DETECTIONS: Record<string, string> = {
  contains: `sel:\n  CommandLine|contains: Install-TransportAgent\ncondition: sel`,
  endswith_list: `sel:\n  Image|endswith:\n    - '\\cmd.exe'\n    - '\\powershell.exe'\n    - '\\pwsh.exe'\ncondition: sel`,
  middle_wildcard: `sel:\n  Image: 'C:\\Windows\\*\\cmd.exe'\ncondition: sel`,
  one_char: `sel:\n  Image: 'C:\\Windows\\System32\\cmd.ex?'\ncondition: sel`,
  escaped_wildcards: `sel:\n  CommandLine|contains: 'lit\\*star\\?q'\ncondition: sel`,
  percent_underscore: `sel:\n  CommandLine|contains: '100%_done'\ncondition: sel`,
  quote: `sel:\n  CommandLine|contains: "it's"\ncondition: sel`,
  windash: `sel:\n  CommandLine|windash|contains: ' -enc '\ncondition: sel`,
  windash_two: `sel:\n  CommandLine|windash|contains: ' -a -b'\ncondition: sel`,
  base64offset: `sel:\n  CommandLine|base64offset|contains: Install-TransportAgent\ncondition: sel`,
  wide_base64offset: `sel:\n  CommandLine|wide|base64offset|contains: ping\ncondition: sel`,
  base64: `sel:\n  CommandLine|base64|contains: 'cmd'\ncondition: sel`,
  re: `sel:\n  CommandLine|re: 'Install-\\w+Agent$'\ncondition: sel`,
  re_i: `sel:\n  CommandLine|re|i: '^install-transportagent'\ncondition: sel`,
  re_m: `sel:\n  CommandLine|re|m: '^second line$'\ncondition: sel`,
  re_s: `sel:\n  CommandLine|re|s: 'first.+second'\ncondition: sel`,
  re_dot: `sel:\n  CommandLine|re: 'first.+second'\ncondition: sel`,
  re_class: `sel:\n  CommandLine|re: '[A-Z]:\\\\Temp\\\\[^\\\\]+\\.exe'\ncondition: sel`,
  re_space: `sel:\n  CommandLine|re: '\\s-nop\\s'\ncondition: sel`,
  cidr: `sel:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - 192.168.1.0/24\n    - 172.16.0.0/12\ncondition: sel`,
  cidr_v6: `sel:\n  DestinationIp|cidr:\n    - '::1/128'\n    - 'fe80::/10'\n    - 'fc00::/7'\ncondition: sel`,
  exists_true: `sel:\n  User|exists: true\ncondition: sel`,
  exists_false: `sel:\n  User|exists: false\ncondition: sel`,
  null: `sel:\n  User: null\ncondition: sel`,
  not_null: `sel:\n  User: null\ncondition: not sel`,
  empty: `sel:\n  User: ''\ncondition: sel`,
  any_value: `sel:\n  User: '*'\ncondition: sel`,
  fieldref: `sel:\n  Image|fieldref: ParentImage\ncondition: sel`,
  fieldref_endswith: `sel:\n  ParentCommandLine|fieldref|endswith: CommandLine\ncondition: sel`,
  fieldref_cased: `sel:\n  Image|fieldref|cased: ParentImage\ncondition: sel`,
  gt: `sel:\n  ProcessId|gt: 1000\ncondition: sel`,
  lte: `sel:\n  ProcessId|lte: 5\ncondition: sel`,
  number: `sel:\n  EventID: 4688\ncondition: sel`,
  number_list: `sel:\n  EventID:\n    - 1\n    - 4688\ncondition: sel`,
  bool: `sel:\n  Signed: true\ncondition: sel`,
  keyword: `keywords:\n  - transportagent\ncondition: keywords`,
  keyword_all: `keywords:\n  '|all':\n    - install\n    - agent\ncondition: keywords`,
  keyword_number: `keywords:\n  - 4688\ncondition: keywords`,
  data_multi: `sel:\n  Data|contains: Install-TransportAgent\ncondition: sel`,
  data_eq: `sel:\n  Data: 'Remote-ManagementShell-Unknown'\ncondition: sel`,
  contains_all: `sel:\n  CommandLine|contains|all:\n    - install\n    - agent\ncondition: sel`,
  cased: `sel:\n  CommandLine|cased: 'Cmd /c dir'\ncondition: sel`,
  cased_contains: `sel:\n  CommandLine|cased|contains: 'TransportAgent'\ncondition: sel`,
  nested: `sel:\n  Process.Name: agent.exe\ncondition: sel`,
  one_of: `sel_a:\n  Image|endswith: '\\cmd.exe'\nsel_b:\n  CommandLine|contains: whoami\nfilter_x:\n  User|contains: SYSTEM\ncondition: 1 of sel_* and not 1 of filter_*`,
  all_of: `sel_a:\n  Image|endswith: '\\cmd.exe'\nsel_b:\n  CommandLine|contains: dir\ncondition: all of sel_*`,
  neq: `sel:\n  CommandLine|neq: 'cmd /c dir'\ncondition: sel`,
  or_fields: `sel:\n  - Image|endswith: '\\whoami.exe'\n  - OriginalFileName: whoami.exe\ncondition: sel`,
  non_ascii: `sel:\n  CommandLine|contains: 'ÄÖ'\ncondition: sel`,
  newline: `sel:\n  CommandLine: "first line\\nsecond line"\ncondition: sel`,
};

function doc(name: string, i: number, detection: string, logsource = '  product: windows\n  category: process_creation'): string {
  return `title: t_${name}\nid: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}\nlogsource:\n${logsource}\ndetection:\n${detection.replace(/^/gm, '  ')}\n`;
}

function rules(): SigmaDocument[] {
  const docs: SigmaDocument[] = [];
  let i = 0;
  for (const [name, det] of Object.entries(DETECTIONS)) {
    const r = parseSigmaText(doc(name, ++i, det), `${name}.yml`);
    assert.deepEqual(r.errors, [], name);
    docs.push(...r.docs);
  }
  // logsource variants
  for (const [name, ls] of [['service_security', '  product: windows\n  service: security'], ['no_category', '  product: windows']] as const) {
    docs.push(...parseSigmaText(doc(name, ++i, `sel:\n  CommandLine|contains: whoami\ncondition: sel`, ls), `${name}.yml`).docs);
  }
  // a filter (filters spec: it suppresses the matches of the rules it applies to where it holds)
  const f = parseSigmaText(`title: no SYSTEM\nfilter:\n  rules: any\n  sel:\n    User|contains: SYSTEM\n  condition: sel\nlogsource:\n  product: windows\n  category: process_creation\n`, 'filter.yml');
  assert.deepEqual(f.errors, []);
  docs.push(...f.docs);
  return docs;
}

const PC = { product: 'windows', service: 'sysmon', category: 'process_creation' };

function ev(fields: Record<string, FieldValue>, logsource: Event['logsource'] = PC): Event {
  return { ref: { file: 'crafted.jsonl', kind: 'jsonl', line: 1 }, time: Date.UTC(2026, 0, 1), logsource, fields };
}

const EVENTS: Event[] = [
  ev({ EventID: 1, Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c dir', ParentImage: 'C:\\Windows\\explorer.exe', User: 'CORP\\alice', ProcessId: 4242 }),
  ev({ EventID: '4688', Image: 'C:\\WINDOWS\\SysWOW64\\CMD.EXE', CommandLine: 'Cmd /c dir', User: 'NT AUTHORITY\\SYSTEM', ProcessId: '3' }),
  ev({ Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'powershell -nop -c Install-TransportAgent -Name x', User: null, ProcessId: ' 1001 ' }),
  ev({ Image: 'C:\\Windows\\System32\\cmd.ex_', CommandLine: 'install-transportagent x', ProcessId: 'abc' }),
  ev({ Image: 'c:\\windows\\temp\\cmd.exe', CommandLine: 'run lit*star?q now', ParentImage: 'c:\\windows\\temp\\cmd.exe', User: '' }),
  ev({ Image: 'C:\\x\\pwsh.exe', CommandLine: 'run litXstarYq now', ParentImage: 'C:\\X\\PWSH.EXE' }),
  ev({ CommandLine: 'process 100%_done', Image: 'C:\\Temp\\a.exe' }),
  ev({ CommandLine: 'process 100xxdone', Image: 'C:\\Temp\\b.exe' }),
  ev({ CommandLine: "it's quoted" }),
  ev({ CommandLine: 'powershell –enc AAAA', ParentCommandLine: 'parent powershell –enc AAAA' }),
  ev({ CommandLine: 'powershell /enc AAAA', Image: 'C:\\Windows\\System32\\whoami.exe' }),
  ev({ CommandLine: 'tool /a ―b' }),
  ev({ CommandLine: 'powershell -e ' + Buffer.from('xx Install-TransportAgent yy').toString('base64') }),
  ev({ CommandLine: 'powershell -e ' + Buffer.from('  ping 10.0.0.1', 'utf16le').toString('base64') }),
  ev({ CommandLine: 'x ' + Buffer.from('cmd').toString('base64') + ' y' }),
  ev({ CommandLine: 'Install-TransportAgent\n' }),
  ev({ CommandLine: 'Install-TransportAgent\n\n' }),
  ev({ CommandLine: 'first line\nsecond line' }),
  ev({ CommandLine: 'first line\r\nsecond line\r\n' }),
  ev({ CommandLine: 'first line\u2028second line' }),
  ev({ CommandLine: 'C:\\Temp\\evil.exe -nop\t-c' }),
  ev({ CommandLine: 'c:\\temp\\evil.exe\u00a0-nop\u00a0x' }),
  ev({ DestinationIp: '10.1.2.3' }), ev({ DestinationIp: '010.001.002.003' }), ev({ DestinationIp: ' 192.168.1.77 ' }),
  ev({ DestinationIp: '192.168.2.1' }), ev({ DestinationIp: '172.31.255.255' }), ev({ DestinationIp: '172.32.0.1' }),
  ev({ DestinationIp: '::ffff:10.9.9.9' }), ev({ DestinationIp: '10.1.2' }), ev({ DestinationIp: '256.1.1.1' }), ev({ DestinationIp: ['8.8.8.8', '10.0.0.1'] }),
  ...['fe80::1', 'FE80:0:0::abcd', '[fe80::1]', 'fe80::1%eth0', '::1', '0:0:0:0:0:0:0:1', '::FFFF:a01:203', '0:0:0:0:0:ffff:10.1.2.3', '2001:db8::1', 'fd12:3456::', '1::2::3', ':::', ' ::1 ', 'febf:ffff::', 'fec0::1', '::ffff:256.1.1.1'].map((ip) => ev({ DestinationIp: ip })),
  ev({ Signed: true, Image: 'a' }), ev({ Signed: 'TRUE', Image: 'b' }), ev({ Signed: 'false' }), ev({ Signed: 1 }),
  ev({ EventID: 4688.0 }), ev({ EventID: '04688' }), ev({ EventID: [1, 2] }),
  ev({ Data: ['Install-TransportAgent', '-Name "x"', 'Remote-ManagementShell-Unknown'], Channel: 'MSExchange Management' }, { product: 'windows', service: 'msexchange-management' }),
  ev({ Data: ['Get-Mailbox', null, 'remote-managementshell-unknown'] }),
  ev({ Data: 'Install-TransportAgent -Name y' }),
  ev({ Process: { Name: 'agent.exe', Path: 'C:\\x' }, Other: [{ deep: 'Install-TransportAgent' }] }),
  ev({ 'Process.Name': 'AGENT.EXE' }),
  ev({ CommandLine: 'ÄÖ upper', Image: 'x' }), ev({ CommandLine: 'äö lower' }),
  ev({ CommandLine: 'whoami /all', User: 'NT AUTHORITY\\SYSTEM', Image: 'C:\\Windows\\System32\\cmd.exe' }),
  ev({ CommandLine: 'whoami /all', Image: 'C:\\Windows\\System32\\cmd.exe' }),
  ev({ CommandLine: 'whoami', Image: 'C:\\Windows\\System32\\whoami.exe' }, { product: 'windows', service: 'security', category: 'process_creation' }),
  ev({ CommandLine: 'whoami /priv' }, {}),
  ev({ CommandLine: 'whoami /priv', OriginalFileName: 'WHOAMI.EXE' }, { product: 'windows', service: 'sysmon', category: 'file_event' }),
  ev({ CommandLine: 'whoami /groups' }, { product: 'linux', category: 'process_creation' }),
  ev({ EventID: 12, TargetObject: 'HKLM\\x' }, { product: 'windows', service: 'sysmon', category: 'registry_event', categories: ['registry_event', 'registry_add'] }),
  ev({}),
];

test('the SQL backend matches exactly what the in-process engine matches (crafted rules and events, DuckDB and SQLite)', async () => {
  const docs = rules();
  const want = inProcessPairs(docs, EVENTS);
  const rows = rowsOf(EVENTS);
  const dir = mkdtempSync(join(tmpdir(), 'th-sql-'));
  try {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, rows.map((r) => rowJson(r) + '\n').join(''));
    for (const dialect of ['duckdb', 'sqlite'] as const) {
      const convs = convertDocuments(docs, new SqlBackend(dialect));
      const converted = new Set(convs.filter((c) => c.query !== undefined).map((c) => c.rule_id!));
      const failed = convs.filter((c) => c.error !== undefined);
      const run = dialect === 'duckdb' ? await duckPairs(file, convs, 10) : sqlitePairs(rows, convs);
      assert.deepEqual(run.failures, [], `${dialect}: queries that failed to run`);
      const d = diff(want, run.pairs, converted);
      const name = (p: string) => { const id = p.slice(0, p.indexOf('|')); return `${docs.find((x) => x.meta.id === id)?.meta.title}@${p.slice(p.indexOf('|') + 1)}`; };
      console.log(`sql ${dialect}: ${converted.size}/${convs.length} crafted rules converted; ${want.size} in-process pairs; not converted: ${failed.map((c) => `${c.title} (${c.reason})`).join(', ') || 'none'}`);
      assert.deepEqual({ missing: d.missing.map(name), extra: d.extra.map(name) }, { missing: [], extra: [] }, `${dialect} differs from the in-process engine`);
      if (dialect === 'duckdb') assert.ok(converted.size >= Object.keys(DETECTIONS).length, 'DuckDB expresses every crafted rule');
      for (const c of failed) assert.ok(c.error && c.reason, 'a rule not converted says why');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
