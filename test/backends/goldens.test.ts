// Golden tests of the SPL, ES|QL and EQL backends: every modifier and condition form, with the
// pitfalls of ../shared/docs/SIGMA-notes.md §2 checked explicitly (case-insensitivity, regex negation
// in Splunk, wildcard escaping, windash, base64offset, cidr, null/exists, 1 of/all of, keywords).
// The expected queries are in test/backends/golden/<target>.json; UPDATE_GOLDEN=1 rewrites them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { convertDocuments, makeBackend } from '../../src/sigma/backends/index.js';

/** name -> [detection, logsource line] */
const CASES: Record<string, [string, string?]> = {
  'contains (case-insensitive)': ['sel:\n  CommandLine|contains: Install-TransportAgent\ncondition: sel'],
  'startswith and an endswith list': ["sel:\n  Image|endswith:\n    - '\\cmd.exe'\n    - '\\pwsh.exe'\n  CurrentDirectory|startswith: 'C:\\Temp\\'\ncondition: sel"],
  'wildcards in the middle and ?': ["sel:\n  Image: 'C:\\Windows\\\\*\\cmd.ex?'\ncondition: sel"],
  'an escaped star is a literal star': ["sel:\n  Image: 'C:\\Program Files\\*\\EdgeTransport.exe'\ncondition: sel"],
  'quotes and backslashes': ["sel:\n  CommandLine|contains: 'C:\\Users\\\"x\"'\ncondition: sel"],
  'cased': ["sel:\n  CommandLine|cased|contains: 'TransportAgent'\ncondition: sel"],
  'windash': ["sel:\n  CommandLine|windash|contains: ' -AssemblyPath '\ncondition: sel"],
  'base64offset': ['sel:\n  CommandLine|base64offset|contains: Install-Transport\ncondition: sel'],
  'wide base64offset': ['sel:\n  CommandLine|wide|base64offset|contains: ping\ncondition: sel'],
  'regex (case-sensitive)': ["sel:\n  CommandLine|re: '-AssemblyPath\\s+\"?[A-Z]:\\\\Users\\\\'\ncondition: sel"],
  'regex |i with an anchor': ["sel:\n  CommandLine|re|i: '^powershell.+-enc'\ncondition: sel"],
  'regex with word boundaries': ["sel:\n  CommandLine|re|i: '\\b(?:Install|Enable)-TransportAgent\\b'\ncondition: sel"],
  'negated regex': ["sel:\n  Image|endswith: '\\powershell.exe'\nfilter:\n  CommandLine|re: '-File\\s'\ncondition: sel and not filter"],
  'negated regex inside an AND': ["sel:\n  Image|endswith: '\\powershell.exe'\nfilter_p:\n  ParentImage|endswith: '\\explorer.exe'\nfilter_r:\n  CommandLine|re: '-File\\s'\ncondition: sel and not (filter_p and filter_r)"],
  'regex in an OR': ["sel:\n  Image|endswith: '\\powershell.exe'\nr:\n  CommandLine|re: 'Install-\\w+'\ncondition: sel or r"],
  'cidr': ['sel:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - 192.168.0.0/16\ncondition: sel', 'category: network_connection'],
  'null': ['sel:\n  ParentImage: null\ncondition: sel'],
  'exists false': ['sel:\n  ParentImage|exists: false\ncondition: sel'],
  'exists true, negated': ['sel:\n  ParentImage|exists: true\ncondition: not sel'],
  'empty string': ["sel:\n  ParentImage: ''\ncondition: sel"],
  'numbers and a comparison': ['sel:\n  EventID: 4688\n  ProcessId|gt: 1000\ncondition: sel', 'service: security'],
  '1 of, not 1 of': ["sel_img:\n  Image|endswith: '\\cmd.exe'\nsel_cli:\n  CommandLine|contains: 'whoami'\nfilter_a:\n  User|contains: 'SYSTEM'\nfilter_b:\n  ParentImage: null\ncondition: 1 of sel_* and not 1 of filter_*"],
  'all of them, contains|all': ["sel_a:\n  Image|endswith: '\\cmd.exe'\nsel_b:\n  CommandLine|contains|all:\n    - '/c'\n    - 'whoami'\ncondition: all of them"],
  'keywords': ['keywords:\n  - Install-TransportAgent\n  - Enable-TransportAgent\ncondition: keywords', 'service: msexchange-management'],
  'unnamed Data field': ['sel:\n  EventID: 6\n  Data|contains: Install-TransportAgent\ncondition: sel', 'service: msexchange-management'],
  'fieldref': ['sel:\n  ParentImage|fieldref: Image\ncondition: sel'],
  'neq': ["sel:\n  User|neq: 'NT AUTHORITY\\SYSTEM'\ncondition: sel"],
};

const TARGETS = ['spl', 'esql', 'eql'] as const;
type T = (typeof TARGETS)[number];

async function convertAll(target: T): Promise<Record<string, string>> {
  const b = await makeBackend(target);
  const out: Record<string, string> = {};
  for (const [name, [det, ls]] of Object.entries(CASES)) {
    const r = parseSigmaText(`title: t\nlogsource:\n  product: windows\n  ${ls ?? 'category: process_creation'}\ndetection:\n${det.replace(/^/gm, '  ')}\n`, 't.yml');
    assert.deepEqual(r.errors, [], name);
    const [c] = convertDocuments(r.docs, b);
    out[name] = c!.query ?? `ERROR: ${c!.error}`;
  }
  return out;
}

const file = (t: T) => fileURLToPath(new URL(`./golden/${t}.json`, import.meta.url));

for (const target of TARGETS) {
  test(`${target}: every modifier and condition form gives the golden query`, async () => {
    const got = await convertAll(target);
    // a missing golden file fails (it is written only on request, never compared with itself)
    if (process.env['UPDATE_GOLDEN']) writeFileSync(file(target), JSON.stringify(got, null, 2) + '\n');
    const want = JSON.parse(readFileSync(file(target), 'utf8')) as Record<string, string>;
    for (const name of Object.keys(CASES)) assert.equal(got[name], want[name], `${target}: ${name}`);
  });
}

test('SPL pitfalls: always parenthesised, case-insensitive terms, regexes and their negations in one where clause', async () => {
  const q = await convertAll('spl');
  // OR groups are parenthesised (SPL binds OR tighter than AND)
  assert.match(q['startswith and an endswith list']!, /\(Image="\*\\\\cmd\.exe" OR Image="\*\\\\pwsh\.exe"\) CurrentDirectory="C:\\\\Temp\\\\\*"/);
  // a negated regex is negated in the where clause, never a positive `| regex`
  assert.match(q['negated regex']!, /Image="\*\\\\powershell\.exe"\n\| where NOT \(\(isnotnull\(CommandLine\) AND match\(CommandLine, /);
  assert.doesNotMatch(q['negated regex']!, /\| regex/);
  assert.match(q['negated regex inside an AND']!, /\| where NOT \(\(isnotnull\(ParentImage\) AND match\(ParentImage, "\(\?i\)\\\\\\\\explorer\\\\\.exe\\\\z"\)\) AND \(isnotnull\(CommandLine\) AND match/);
  // a regex inside an OR takes the whole OR into the where clause
  assert.match(q['regex in an OR']!, /^source=\S+ EventCode="1"\n\| where \(\(isnotnull\(Image\) AND match\(Image, .*\)\) OR \(isnotnull\(CommandLine\) AND match\(CommandLine, "Install-\[0-9A-Z_a-z\]\+"\)\)\)$/);
  // ? and a literal * cannot be search terms
  assert.match(q['wildcards in the middle and ?']!, /match\(Image, "\(\?si\)\\\\AC:\\\\\\\\Windows\\\\\\\\\.\*\\\\\\\\cmd\\\\\.ex\.\\\\z"\)/);
  assert.match(q['an escaped star is a literal star']!, /Program Files\\\\\*/);
  // base64 is case-sensitive: never a (case-insensitive) search term
  assert.match(q['base64offset']!, /match\(CommandLine, "SW5zdGFsbC1UcmFuc3Bvcn"\)/);
  // windash: every dash
  for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) assert.ok(q['windash']!.includes(`CommandLine="* ${d}AssemblyPath *"`), d);
  assert.match(q['null']!, /NOT ParentImage=\*$/);
  assert.match(q['keywords']!, /\("\*Install-TransportAgent\*" OR "\*Enable-TransportAgent\*"\)/);
});

test('ES|QL pitfalls: case-insensitivity by lower-casing both sides, whole-value RLIKE, null-safe negation', async () => {
  const q = await convertAll('esql');
  assert.match(q['contains (case-insensitive)']!, /TO_LOWER\(process\.command_line\) LIKE "\*install-transportagent\*"/);
  assert.match(q['cased']!, /process\.command_line LIKE "\*TransportAgent\*"/);
  // LIKE escapes backslashes; ? stays a wildcard
  assert.match(q['wildcards in the middle and ?']!, /LIKE """c:\\\\windows\\\\\*\\\\cmd\.ex\?"""/);
  assert.match(q['an escaped star is a literal star']!, /== """c:\\program files\*\\edgetransport\.exe"""/);
  // |re|i: the field and the pattern are lower-cased; RLIKE is a whole-value match
  assert.match(q['regex |i with an anchor']!, /TO_LOWER\(process\.command_line\) RLIKE "\(powershell\[\^\\n\\r/);
  assert.match(q['regex (case-sensitive)']!, /process\.command_line RLIKE "\.\*\(-AssemblyPath/);
  // under NOT a test also needs the field, so a missing field satisfies NOT as in Sigma
  assert.match(q['negated regex']!, /AND NOT \(process\.command_line IS NOT NULL AND process\.command_line RLIKE/);
  assert.match(q['cidr']!, /CIDR_MATCH\(destination\.ip, "10\.0\.0\.0\/8"\)/);
  assert.match(q['null']!, /process\.parent\.executable IS NULL\)$/);
  assert.match(q['fieldref']!, /TO_LOWER\(process\.parent\.executable\) == TO_LOWER\(process\.executable\)/);
  assert.match(q['keywords']!, /TO_LOWER\(message\) LIKE "\*install-transportagent\*"/);
});

test('EQL pitfalls: `:` for case-insensitive wildcards, like for cased, regex~ for |i and literal wildcards, sequences', async () => {
  const q = await convertAll('eql');
  assert.match(q['contains (case-insensitive)']!, /process\.command_line : "\*Install-TransportAgent\*"/);
  assert.match(q['cased']!, /process\.command_line like "\*TransportAgent\*"/);
  assert.match(q['base64offset']!, /process\.command_line like \("\*SW5zdGFsbC1UcmFuc3Bvcn\*", "\*luc3RhbGwtVHJhbnNwb3J0\*", "\*JbnN0YWxsLVRyYW5zcG9yd\*"\)/);
  // EQL has no escape for a literal * in `:` patterns (Elasticsearch turns * and ? into LIKE wildcards): a regex
  assert.match(q['an escaped star is a literal star']!, /process\.executable regex~ """C:\\\\Program Files\\\*\\\\EdgeTransport\\\.exe"""/);
  assert.match(q['regex with word boundaries']!, /regex~ "\(\.\*\[\^0-9A-Za-z_\]\)\?\(\(Install\|Enable\)-TransportAgent\)\(\[\^0-9A-Za-z_\]\.\*\)\?"/);
  assert.match(q['negated regex']!, /not \(\?process\.command_line != null and process\.command_line regex /);
  assert.match(q['null']!, /\?process\.parent\.executable == null\)$/);
  assert.match(q['fieldref']!, /^ERROR: EQL cannot compare a field with another field/);
  assert.match(q['1 of, not 1 of']!, /and not \(\(\?winlog\.event_data\.User != null and winlog\.event_data\.User : "\*SYSTEM\*"\) or \?process\.parent\.executable == null\)/);
});
