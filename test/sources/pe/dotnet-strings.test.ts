// The user-string heap and manifest resources of real agent DLLs (mcs, a .resources file written by
// Mono's ResourceWriter), what the audit makes of them, and DLLs whose #US heap is damaged on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePe } from '../../../src/sources/pe/pe.js';
import { metadataLayout } from '../../../src/sources/pe/dotnet.js';
import { printableStrings, readDotNetStrings, STRING_LIMITS } from '../../../src/sources/pe/dotnet-strings.js';
import { agentTargets, classifyTargets, MAX_TARGETS_PER_KIND } from '../../../src/audit/targets.js';
import { readCollection, auditCollection } from '../../../src/audit/run.js';
import { analyseDll } from '../../../src/audit/dll.js';
import { SKIP_NO_MCS, compileAgent, writeResources } from '../../support/agent-binaries.js';
import { ROOT, writeCollection, type AgentEntry } from '../../support/exchange-collection.js';
import { renderMarkdownReport } from '../../../src/report/markdown.js';

const skip = SKIP_NO_MCS;
let dir: string | null = null;
after(() => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); });

const LITERALS = [
  'minister.office@gov.example',
  'Ambassador <ambassador@mfa.example.org>; deputy@mfa.example.org',
  '@embassy.example',
  '^.*@(mfa|mod)\\.example\\.(org|net)$',
  '(?i)subject:\\s*(invoice|payment)\\s+\\d{4,}',
  'C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Roaming\\Microsoft\\Windows\\msmsgs.dat',
  '\\\\fileserver01\\share$\\drop\\out.bin',
  '%TEMP%\\~wmsg.tmp',
  'https://update.example.net/api/v2/check?id=7',
  '198.51.100.23',
  // look-alikes that are none of these
  'Processing message {0} from {1}',
  'System.Collections.Generic',
  'winmail.dat',
  '15.0.0.0',
];

interface Built { agent: string; plain: string; resources: string }
let bins: Built | null = null;
function built(): Built {
  if (bins !== null) return bins;
  dir = mkdtempSync(join(tmpdir(), 'tracehound-us-'));
  const resources = writeResources(dir, 'Config.resources', {
    Recipients: 'board@corp.example;ceo@corp.example',
    ReplyFolder: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Pickup\\',
    Pattern: '^[A-Z]{3}-\\d{6}$',
  });
  const notes = join(dir, 'notes.txt');
  writeFileSync(notes, 'exfil to http://203.0.113.9:8080/u and archive@collect.example\n');
  bins = {
    resources,
    agent: compileAgent(dir, {
      file: 'targets.dll', namespace: 'Contoso.Filter', factory: 'FilterAgentFactory', base: 'smtp', strings: LITERALS,
      resources: [{ file: resources, name: 'Contoso.Filter.Config.resources' }, { file: notes, name: 'notes.txt' }],
    }),
    plain: compileAgent(dir, { file: 'plain.dll', namespace: 'Plain.Agent', factory: 'PlainAgentFactory', base: 'routing' }),
  };
  return bins;
}

test('#US: every string literal of the agent, in order, with its heap offset', { skip }, () => {
  const s = readDotNetStrings(parsePe(readFileSync(built().agent)))!;
  assert.deepEqual(s.problems, []);
  assert.deepEqual(s.truncated, []);
  const values = s.userStrings.map((u) => u.value);
  for (const l of LITERALS) assert.ok(values.includes(l), `missing ${JSON.stringify(l)}`);
  const layout = metadataLayout(parsePe(readFileSync(built().agent)))!;
  for (const u of s.userStrings) assert.ok(u.offset > layout.metadataOffset, 'offsets are file offsets inside the metadata');
  // an agent without literals has an empty (or absent) heap
  const plain = readDotNetStrings(parsePe(readFileSync(built().plain)))!;
  assert.deepEqual(plain.userStrings.filter((u) => /@|\\/.test(u.value)), []);
});

test('manifest resources: names, sizes, and the strings of a real .resources file and a text file', { skip }, () => {
  const bytes = readFileSync(built().agent);
  const s = readDotNetStrings(parsePe(bytes))!;
  assert.deepEqual(s.resources.map((r) => [r.name, r.location]), [['Contoso.Filter.Config.resources', 'embedded'], ['notes.txt', 'embedded']]);
  const res = s.resources[0]!;
  assert.equal(res.size, readFileSync(built().resources).length);
  assert.deepEqual(Buffer.from(bytes.subarray(res.offset!, res.offset! + res.size)), readFileSync(built().resources), 'the offset points at the embedded bytes');
  assert.deepEqual(res.strings, ['Pattern', '^[A-Z]{3}-\\d{6}$', 'Recipients', 'board@corp.example;ceo@corp.example', 'ReplyFolder', 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Pickup\\']);
  assert.ok(s.resources[1]!.strings.some((x) => x.includes('http://203.0.113.9:8080/u')));
});

test('targets: addresses, domains, regexes, paths, URLs and IPs, and no look-alikes', { skip }, () => {
  const t = agentTargets(readDotNetStrings(parsePe(readFileSync(built().agent)))!);
  assert.deepEqual(t.emails.sort(), ['ambassador@mfa.example.org', 'archive@collect.example', 'board@corp.example', 'ceo@corp.example', 'deputy@mfa.example.org', 'minister.office@gov.example']);
  assert.deepEqual(t.domains, ['embassy.example']);
  assert.ok(t.regexes.includes('^.*@(mfa|mod)\\.example\\.(org|net)$'));
  assert.ok(t.regexes.includes('(?i)subject:\\s*(invoice|payment)\\s+\\d{4,}'));
  assert.ok(t.regexes.some((r) => r.includes('^[A-Z]{3}-\\d{6}$')));
  assert.ok(!t.regexes.includes('Processing message {0} from {1}'));
  assert.deepEqual(t.paths.sort(), [
    '%TEMP%\\~wmsg.tmp',
    'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Pickup\\',
    'C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Roaming\\Microsoft\\Windows\\msmsgs.dat',
    '\\\\fileserver01\\share$\\drop\\out.bin',
  ]);
  assert.deepEqual(t.urls.sort(), ['http://203.0.113.9:8080/u', 'https://update.example.net/api/v2/check?id=7']);
  assert.deepEqual(t.ips.sort(), ['198.51.100.23', '203.0.113.9']);
  assert.ok(t.examined.userStrings >= LITERALS.length && t.examined.resourceStrings >= 4);
});

test('the classifier: bounded lists with the overflow counted, prose and namespaces left alone', () => {
  const many = Array.from({ length: MAX_TARGETS_PER_KIND + 7 }, (_, i) => `user${i}@corp.example`);
  const c = classifyTargets([...many, 'Value cannot be null. (Parameter name: item) [see docs]', 'Microsoft.Exchange.Data.Transport', 'config.xml', '999.1.1.1', '10.0.0.1']);
  assert.equal(c.emails.length, MAX_TARGETS_PER_KIND);
  assert.equal(c.dropped.emails, 7);
  assert.deepEqual(c.regexes, []);
  assert.deepEqual(c.domains, []);
  assert.deepEqual(c.ips, ['10.0.0.1']);
});

test('printableStrings: ASCII and UTF-16LE runs in file order, at most `max`', () => {
  const b = Buffer.concat([Buffer.from('\x00\x01hello world\x02'), Buffer.from('wide text\x00', 'utf16le'), Buffer.from('\x00abc\x00tail-string')]);
  assert.deepEqual(printableStrings(b, 10), ['hello world', 'wide text', 'tail-string']);
  assert.deepEqual(printableStrings(b, 1), ['hello world']);
  assert.ok(STRING_LIMITS.minRun > 3);
});

/** The file offset and size of the #US heap, from its stream header. */
function usHeap(bytes: Buffer): { header: number; start: number; size: number } {
  const md = metadataLayout(parsePe(bytes))!.metadataOffset;
  const at = bytes.indexOf(Buffer.from('#US\0'), md);
  assert.ok(at > md);
  const header = at - 8;
  return { header, start: md + bytes.readUInt32LE(header), size: bytes.readUInt32LE(header + 4) };
}

test('damaged #US: a lying entry length is reported with its offset, the strings before it are kept', { skip }, () => {
  const bytes = Buffer.from(readFileSync(built().agent));
  const h = usHeap(bytes);
  const good = readDotNetStrings(parsePe(bytes))!.userStrings;
  const victim = good[3]!;
  // A two-byte compressed length of 0x3fff bytes (its second byte overwrites the text): far past the heap's end.
  const lenSize = bytes[victim.offset]! & 0x80 ? 2 : 1;
  assert.equal(lenSize, 1, 'the chosen literal is short');
  bytes[victim.offset] = 0xbf; bytes[victim.offset + 1] = 0xff;
  const s = readDotNetStrings(parsePe(bytes))!;
  assert.deepEqual(s.userStrings.map((u) => u.value), good.slice(0, 3).map((u) => u.value));
  assert.equal(s.problems.length, 1);
  assert.equal(s.problems[0]!.offset, victim.offset);
  assert.match(s.problems[0]!.message, new RegExp(`#US: an entry of 16383 bytes at offset ${victim.offset} runs past the end of the heap at ${h.start + h.size}`));
  // an invalid compressed-integer lead byte
  bytes[victim.offset] = 0xff;
  const bad = readDotNetStrings(parsePe(bytes))!;
  assert.equal(bad.problems[0]!.offset, victim.offset);
  assert.match(bad.problems[0]!.message, /invalid compressed integer lead byte 0xff/);
});

test('damaged #US: a heap that runs past the metadata is refused with the stream header offset, and the audit goes on', { skip }, async () => {
  const bytes = Buffer.from(readFileSync(built().agent));
  const h = usHeap(bytes);
  bytes.writeUInt32LE(0x7fffff00, h.header + 4);
  assert.throws(() => readDotNetStrings(parsePe(bytes)), (e: Error & { offset?: number }) => /stream #US .* lies outside/.test(e.message) && e.offset === h.header);
  const file = join(dir!, 'us-past-end.dll');
  writeFileSync(file, bytes);
  const r = await analyseDll(file, file, []);
  assert.match(r.dotnetError ?? '', new RegExp(`#US.*\\(offset ${h.header}\\)`));
  assert.equal(r.targets, null);
});

test('the audit: the agent finding carries fields.targets, and the Markdown report shows them', { skip }, async () => {
  const agent: AgentEntry = { name: 'Contoso Filter', factory: 'Contoso.Filter.FilterAgentFactory', assemblyPath: `${ROOT}TransportRoles\\agents\\Filter\\targets.dll`, baseType: 'Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgent' };
  const coll = writeCollection(join(dir!, 'collection'), { role: 'Mailbox', agents: [agent], dlls: { [agent.assemblyPath]: built().agent } });
  const read = await readCollection([coll], []);
  const { findings } = auditCollection(read.collection);
  const f = findings.find((x) => x.check === 'unknown-agent');
  assert.ok(f, findings.map((x) => x.check).join(', '));
  const t = f.fields['targets'] as Record<string, string[]>;
  assert.ok(t['emails']!.includes('minister.office@gov.example'));
  assert.ok(t['regexes']!.includes('^.*@(mfa|mod)\\.example\\.(org|net)$'));
  assert.ok(t['urls']!.includes('https://update.example.net/api/v2/check?id=7'));
  assert.equal(t['problems'], undefined);
  const md = renderMarkdownReport(findings);
  assert.match(md, /targets/);
  assert.match(md, /minister\.office@gov\.example/);
});
