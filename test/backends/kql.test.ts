// KQL proofs: every rule of the T1505.002 pack, and every SigmaHQ Windows rule KQL can express,
// converts; Microsoft's Kusto parser and semantic analyser, given the schemas of the Defender XDR and
// Sentinel tables the mapping queries, reports no syntax error, unknown column or type error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { loadPlaceholderDir, loadRules } from '../../src/hunt/load-rules.js';
import { KqlBackend, kqlString } from '../../src/sigma/backends/kql.js';
import { convertDocuments } from '../../src/sigma/backends/index.js';
import { loadMapping } from '../../src/sigma/backends/mapping.js';
import type { Conversion } from '../../src/sigma/backends/types.js';
import { diagnose, globalsFor, type KustoDiagnostic } from './kusto.js';
import { parseSigmaText } from '../../src/sigma/parse.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function errorsOf(convs: Conversion[]): { c: Conversion; d: KustoDiagnostic[] }[] {
  const g = globalsFor(loadMapping('kql'));
  const out: { c: Conversion; d: KustoDiagnostic[] }[] = [];
  for (const c of convs) {
    if (c.query === undefined) continue;
    const d = diagnose(c.query, g).filter((x) => x.severity === 'Error');
    if (d.length) out.push({ c, d });
  }
  return out;
}

function show(bad: { c: Conversion; d: KustoDiagnostic[] }[]): string {
  return bad.slice(0, 5).map(({ c, d }) => `${c.rule_id} ${c.title}:\n${c.query}\n${d.map((x) => `  ${x.code} ${x.message} at '${c.query!.substr(x.start, Math.max(x.length, 20))}'`).join('\n')}`).join('\n\n');
}

test('every T1505.002 rule and correlation converts to KQL that Kusto parses and analyses cleanly', () => {
  const loaded = loadRules([join(ROOT, 'rules', 't1505.002')], loadPlaceholderDir());
  assert.deepEqual(loaded.errors, []);
  const convs = convertDocuments(loaded.docs, new KqlBackend(loadMapping('kql')));
  // the mail-flow rules read messages tracehound assembles itself: refused with that reason, never half-converted
  const derived = new Set(loaded.docs.filter((d) => d.type === 'rule' && d.logsource.service === 'mailflow').map((d) => d.meta.title));
  assert.ok(derived.size >= 6);
  for (const c of convs.filter((x) => derived.has(x.title))) assert.match(c.error ?? '', /logsource exchange\/mailflow.*run tracehound hunt/);
  const failed = convs.filter((c) => c.error !== undefined && !derived.has(c.title));
  assert.deepEqual(failed.map((c) => `${c.title}: ${c.error}`), [], 'every other rule of ours converts to KQL');
  const bad = errorsOf(convs.filter((c) => !derived.has(c.title)));
  console.log(`kql t1505.002: ${convs.length} rules (${convs.filter((c) => c.type === 'correlation').length} correlations) converted, ${convs.length - bad.length} Kusto-clean`);
  assert.equal(bad.length, 0, show(bad));
});

test('KQL string literals and the query shapes Kusto accepts (pitfalls)', () => {
  const g = globalsFor(loadMapping('kql'));
  const conv = (detection: string, logsource = 'category: process_creation') => {
    const r = parseSigmaText(`title: t\nlogsource:\n  product: windows\n  ${logsource}\ndetection:\n${detection.replace(/^/gm, '  ')}\n`, 't.yml');
    assert.deepEqual(r.errors, []);
    const [c] = convertDocuments(r.docs, new KqlBackend(loadMapping('kql')));
    return c!;
  };
  assert.equal(kqlString('C:\\Windows\\"x"'), '@"C:\\Windows\\""x"""');
  assert.equal(kqlString('a\nb\\c'), '"a\\nb\\\\c"');
  const cases: [string, RegExp][] = [
    ['sel:\n  CommandLine|contains: Install-TransportAgent\ncondition: sel', /ProcessCommandLine contains "Install-TransportAgent"/],
    ['sel:\n  Image|endswith: \'\\cmd.exe\'\ncondition: sel', /FolderPath endswith @"\\cmd\.exe"/],
    // `\*` is a literal star (SIGMA-notes §1.4), `\\*` a backslash then a wildcard
    ['sel:\n  Image: \'C:\\Windows\\*\\cmd.exe\'\ncondition: sel', /FolderPath =~ @"C:\\Windows\*\\cmd\.exe"/],
    ['sel:\n  Image: \'C:\\Windows\\\\*\\cmd.exe\'\ncondition: sel', /FolderPath matches regex @"\(\?si\)\^C:\\\\Windows\\\\\.\*\\\\cmd\\\.exe\$"/],
    ['sel:\n  Image: \'C:\\Windows\\System32\\cmd.ex?\'\ncondition: sel', /FolderPath matches regex @"\(\?si\)\^C:\\\\Windows\\\\System32\\\\cmd\\\.ex\.\$"/],
    ['sel:\n  CommandLine|cased: Cmd\ncondition: sel', /ProcessCommandLine == "Cmd"/],
    ['sel:\n  CommandLine|windash|contains: " -enc "\ncondition: sel', /ProcessCommandLine contains " \/enc "/],
    ['sel:\n  CommandLine|re: \'\\s-nop\\s\'\ncondition: sel', /ProcessCommandLine matches regex @"\[\\x09-\\x0D /],
    ['sel:\n  Image: null\ncondition: sel', /isempty\(FolderPath\)/],
    ['sel:\n  Image|exists: true\ncondition: not sel', /not\(isnotempty\(FolderPath\)\)/],
    ['sel:\n  DestinationIp|cidr: 10.0.0.0/8\ncondition: sel', /ipv4_is_in_range\(RemoteIP, "10\.0\.0\.0\/8"\)/],
    ['sel:\n  Hashes|contains: SHA256=ABCDEF\ncondition: sel', /SHA256 startswith "ABCDEF"/],
  ];
  for (const [det, want] of cases) {
    const c = conv(det, det.includes('DestinationIp') ? 'category: network_connection' : 'category: process_creation');
    assert.match(c.query ?? c.error!, want, det);
    assert.deepEqual(diagnose(c.query!, g).filter((x) => x.severity === 'Error'), [], c.query);
  }
  // every other predicate kind, checked by Kusto
  for (const [det, ls] of [
    ['sel:\n  ParentImage|fieldref|endswith: Image\ncondition: sel', 'category: process_creation'],
    ['sel:\n  UtcTime|hour|gte: 20\ncondition: sel', 'category: process_creation'],
    ['sel:\n  ProcessId|gt: 1000\n  ParentProcessId|lte: 4\ncondition: sel', 'category: process_creation'],
    ['sel:\n  LogonType:\n    - 3\n    - 10\n  TargetUserName|endswith: $\ncondition: sel', 'service: security'],
    ['sel:\n  ObjectName|re|i: \'\\\\lsass\\.exe$\'\n  AccessMask|cidr: 10.0.0.0/8\ncondition: not sel', 'service: security'],
    ['keywords:\n  - mimikatz\ncondition: keywords', 'service: security'],
    ['sel:\n  Data: \'x < y & "z"\'\n  param1|exists: true\ncondition: sel', 'service: system'],
    ['sel:\n  TargetObject|endswith: \'\\CurrentVersion\\Run\\evil\'\ncondition: sel', 'category: registry_set'],
  ] as const) {
    const c = conv(det, ls);
    assert.ok(c.query, `${det}: ${c.error}`);
    assert.deepEqual(diagnose(c.query, g).filter((x) => x.severity === 'Error'), [], c.query);
  }
  // Defender's tables have no column holding every value: a keyword rule goes to the next mapping
  // that can express it (Sysmon's events in the Event table)
  const kw = conv('keywords:\n  - mimikatz\ncondition: keywords');
  assert.match(kw.query ?? '', /^Event\n\| where \(EventLog =~ "Microsoft-Windows-Sysmon\/Operational" and EventID == 1\)/);
  // a construct no mapping can express is refused with the reason
  const no = conv('sel:\n  Data|fieldref: Other\ncondition: sel', 'service: msexchange-management');
  assert.match(no.error ?? '', /several values|not supported|cannot/);
  // ... and on the Event table search the event data
  const kw2 = conv('keywords:\n  - Install-TransportAgent\ncondition: keywords', 'service: msexchange-management');
  assert.match(kw2.query!, /mv-apply th_value = extract_all/);
  assert.deepEqual(diagnose(kw2.query!, g).filter((x) => x.severity === 'Error'), []);
});

test('every SigmaHQ Windows rule KQL can express converts and is Kusto-clean; conversion time', { skip: SKIP_NO_CORPORA, timeout: 600_000 }, () => {
  const t0 = performance.now();
  const loaded = loadRules([join(CORPORA, 'sigma-rules', 'windows')]);
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const convs = convertDocuments(loaded.docs, new KqlBackend(loadMapping('kql')));
  const convertMs = performance.now() - t1;
  const ok = convs.filter((c) => c.query !== undefined);
  const reasons = new Map<string, number>();
  for (const c of convs) if (c.error) reasons.set(c.reason!, (reasons.get(c.reason!) ?? 0) + 1);
  const t2 = performance.now();
  const bad = errorsOf(convs);
  const checkMs = performance.now() - t2;
  console.log(`kql SigmaHQ windows: ${convs.length} rules loaded in ${loadMs.toFixed(0)} ms, converted in ${convertMs.toFixed(0)} ms: ${ok.length} converted, ` +
    `${convs.length - ok.length} not (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}); Kusto-clean ${ok.length - bad.length}/${ok.length} (checked in ${checkMs.toFixed(0)} ms)`);
  for (const c of convs) if (c.error) assert.ok(c.reason, `${c.rule_id}: a failure has a reason`);
  assert.equal(convs.length, 2407);
  assert.ok(ok.length >= 2390, `nearly every rule converts (${ok.length})`);
  assert.equal(bad.length, 0, show(bad));
});
