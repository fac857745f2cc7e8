// `tracehound hunt` end to end: output records in every format, hostile evidence, exit codes, time window, --out.
import { test } from 'node:test';
import { processCreationRule } from '../support/sigma.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

// Every hunt records into the case store: keep it (and the CLI children, which inherit this) out of the real home.
const HOME = fs.mkdtempSync(join(os.tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
process.on('exit', () => fs.rmSync(HOME, { recursive: true, force: true }));

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = join('samples', 'demo-exchange01.jsonl');
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const STACK = /\n\s+at .+:\d+:\d+\)?$|internal error/m;

function hunt(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'hunt', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.error, undefined);
  return r;
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((l, i) => {
    try { return JSON.parse(l) as Record<string, unknown>; } catch { assert.fail(`stdout line ${i + 1} is not JSON: ${l}`); }
  });
}

interface Match {
  rule_id: string; rule_title: string; level: string; time: string | null; host: string | null;
  source: { file: string; kind: string; line?: number; record?: number };
  fields: Record<string, unknown>;
  correlation?: true; rules?: string[]; events?: { file: string; kind: string; line?: number }[];
}

interface Finding {
  id: string; title: string; severity: string; confidence: string; techniques: string[]; host: string | null;
  first_seen: string | null; last_seen: string | null; count: number; evidence: { file: string; kind: string; line?: number }[];
  fields: Record<string, unknown>; rule_id?: string; check?: string; playbook: unknown; correlation?: boolean;
}

/** RFC 4180 CSV -> rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"' && cell === '') { quoted = true; i++; continue; }
    assert.notEqual(c, '"', `stray quote in an unquoted CSV cell at offset ${i}`);
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; continue; }
    cell += c; i++;
  }
  assert.equal(quoted, false, 'unterminated quoted CSV cell');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// ---- the bundled demo evidence --------------------------------------------------------------

const sampleLines = fs.readFileSync(join(ROOT, SAMPLE), 'utf8').split('\n');

let perEventRun: ReturnType<typeof hunt> | undefined;
function perEvent() {
  return (perEventRun ??= hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl'));
}

test('--per-event --format jsonl: every line is a complete match record', () => {
  const r = perEvent();
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  const recs = jsonLines(r.stdout) as unknown as Match[];
  const plain = recs.filter((m) => !m.correlation);
  assert.ok(plain.length >= 4, `expected rule matches, got ${plain.length}`);
  for (const m of plain) {
    for (const k of ['rule_id', 'rule_title', 'level', 'time', 'host', 'source', 'fields'] as const) assert.ok(k in m, `missing ${k}: ${JSON.stringify(m)}`);
    assert.match(m.rule_id, /^[0-9a-f-]{36}$/);
    assert.ok(m.rule_title.length > 0);
    assert.ok(['informational', 'low', 'medium', 'high', 'critical'].includes(m.level));
    assert.ok(m.time && !Number.isNaN(Date.parse(m.time)), `bad time ${m.time}`);
    assert.equal(m.host, 'EXCH01.corp.example');
    assert.equal(m.source.file, SAMPLE);
    assert.equal(m.source.kind, 'jsonl');
    assert.ok(Number.isInteger(m.source.line) && m.source.line! >= 1, `bad line ${m.source.line}`);
    // source.line is the 1-based line of the JSON-lines input: that line holds this very event
    const original = JSON.parse(sampleLines[m.source.line! - 1]!) as { Event: { System: { EventRecordID: number; TimeCreated: { '#attributes': { SystemTime: string } } } } };
    assert.equal(m.fields['EventRecordID'], original.Event.System.EventRecordID, `line ${m.source.line} is another event`);
    assert.equal(m.time, original.Event.System.TimeCreated['#attributes'].SystemTime);
    assert.equal(typeof m.fields, 'object');
  }
  // the demo story: the failed install (line 5) matches the management-log failure rule
  assert.deepEqual(plain.filter((m) => m.source.line === 5).map((m) => m.rule_id).sort(),
    ['0d8b6e71-2f4a-4a3c-9e15-7c62b90d4e38']);
  // and the shell started by EdgeTransport.exe (line 9) is critical
  const shell = plain.find((m) => m.source.line === 9);
  assert.equal(shell?.level, 'critical');
  assert.match(String(shell?.fields['ParentImage']), /EdgeTransport\.exe$/);
});

test('--per-event: the correlation line carries correlation:true, the joined rules and events', () => {
  const recs = jsonLines(perEvent().stdout) as unknown as Match[];
  const corr = recs.filter((m) => m.correlation === true);
  assert.equal(corr.length, 1);
  const c = corr[0]!;
  assert.equal(c.rule_id, '9f17d3b6-0e4c-4a28-b5d1-e63a2c8f7a05');
  assert.equal(c.level, 'critical');
  assert.deepEqual([...c.rules!].sort(), ['3b5e9a04-7c21-4f86-a0d3-58e1c7b2f690', 'c4e2a871-5b09-4d3e-96f7-1a8d0e5c3b24']);
  assert.ok(Array.isArray(c.events) && c.events.length >= 2);
  // each joined event is one the per-event output reported for one of the joined rules
  const plain = recs.filter((m) => !m.correlation);
  for (const e of c.events) {
    assert.equal(e.file, SAMPLE);
    assert.ok(plain.some((m) => m.source.line === e.line && c.rules!.includes(m.rule_id)), `joined event line ${e.line} is not a match of a joined rule`);
  }
  assert.equal(c.host, 'EXCH01.corp.example');
});

test('findings as --format json: an array of complete findings', () => {
  const r = hunt(SAMPLE, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  const findings = JSON.parse(r.stdout) as Finding[];
  assert.ok(Array.isArray(findings) && findings.length >= 4);
  for (const f of findings) {
    for (const k of ['id', 'title', 'severity', 'confidence', 'techniques', 'host', 'first_seen', 'last_seen', 'count', 'evidence', 'fields', 'playbook'] as const) {
      assert.ok(k in f, `finding lacks ${k}: ${JSON.stringify(f).slice(0, 200)}`);
    }
    assert.ok(typeof f.rule_id === 'string' || typeof f.check === 'string', 'finding has neither rule_id nor check');
    assert.match(f.id, /^[0-9a-f]{8,}$/);
    assert.ok(['informational', 'low', 'medium', 'high', 'critical'].includes(f.severity));
    assert.ok(['low', 'medium', 'high'].includes(f.confidence));
    assert.ok(Array.isArray(f.techniques));
    assert.ok(f.count >= 1);
    assert.ok(f.evidence.length >= 1);
    for (const e of f.evidence) { assert.equal(e.file, SAMPLE); assert.ok(e.line! >= 1); }
    assert.ok(f.first_seen! <= f.last_seen!, `${f.first_seen} > ${f.last_seen}`);
    assert.equal(f.host, 'EXCH01.corp.example');
  }
  assert.ok(findings.some((f) => f.techniques.includes('T1505.002')), 'no finding names T1505.002');
  // the management log: the failed install (line 5) and the successful enable (line 7) are separate rules
  const mgmt = findings.find((f) => f.rule_id === '6a0f3c52-9d1e-4c57-8b2a-3e7d41f0c9a1');
  assert.equal(mgmt?.count, 1);
  assert.deepEqual(mgmt?.evidence.map((e) => e.line), [7]);
  assert.deepEqual(findings.find((f) => f.rule_id === '0d8b6e71-2f4a-4a3c-9e15-7c62b90d4e38')?.evidence.map((e) => e.line), [5]);
  assert.equal(new Set(findings.map((f) => f.id)).size, findings.length, 'finding ids are not unique');
  // most severe first
  assert.equal(findings[0]!.severity, 'critical');
});

test('findings as --format csv: header row, one row per finding, proper quoting', () => {
  const json = JSON.parse(hunt(SAMPLE, '--format', 'json').stdout) as Finding[];
  const r = hunt(SAMPLE, '--format', 'csv');
  assert.equal(r.status, 0, r.stderr);
  const rows = parseCsv(r.stdout);
  const header = rows[0]!;
  for (const k of ['id', 'title', 'severity', 'host', 'first_seen', 'count', 'rule_id', 'evidence']) assert.ok(header.includes(k), `no ${k} column`);
  assert.equal(rows.length - 1, json.length);
  for (const row of rows) assert.equal(row.length, header.length);
  const col = (name: string) => header.indexOf(name);
  // a title with a comma survives as one cell
  const titles = rows.slice(1).map((row) => row[col('title')]);
  assert.ok(titles.includes('Transport Agent Registered, Then the Transport Worker Starts a Shell'), titles.join(' | '));
  assert.match(r.stdout, /"Transport Agent Registered, Then the Transport Worker Starts a Shell"/);
  // a JSON cell with quotes is quoted with doubled quotes and parses back
  const fields = JSON.parse(rows[1]![col('fields')]!) as unknown;
  assert.equal(typeof fields, 'object');
});

// ---- hostile evidence, temp rules --------------------------------------------------------------

const ESC = '\u001b';
const RLO = '\u202e';
const evidence = join(tmp, 'evidence');
const hostileFile = join(evidence, 'hostile.jsonl');
const rulesHigh = join(tmp, 'rules-high');
const rulesBad = join(tmp, 'rules-bad');
fs.mkdirSync(evidence);
fs.mkdirSync(rulesHigh);
fs.mkdirSync(rulesBad);

function sysmon1(time: string, computer: string, commandLine: string, record: number) {
  return JSON.stringify({
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID: 1,
        TimeCreated: { '#attributes': { SystemTime: time } }, EventRecordID: record,
        Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: computer,
      },
      EventData: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: commandLine, ParentImage: 'C:\\Windows\\explorer.exe' },
    },
  });
}

fs.writeFileSync(hostileFile, [
  sysmon1('2025-03-01T10:00:00Z', `MX${ESC}[31m-RED${RLO}exe.txt`, `cmd /c echo th-marker ${ESC}[31mred ${ESC}]0;title\u0007 ${RLO}fdp.exe`, 1),
  sysmon1('2025-03-01T10:05:00Z', '=HYPERLINK("http://x.test","click")', 'cmd /c th-marker second', 2),
  sysmon1('2025-03-01T11:00:00Z', 'mx-plain', 'cmd /c nothing to see', 3),
].join('\n') + '\n');

fs.writeFileSync(join(rulesHigh, 'marker.yml'), processCreationRule('"Marker command line \\u202e (test rule)"', '5d0c9a1e-77aa-4f0b-9d6e-2a4b8c1e3f70', 'CommandLine|contains: th-marker'));

fs.writeFileSync(join(rulesBad, 'broken.yml'), 'title: Broken\nid: 5d0c9a1e-77aa-4f0b-9d6e-2a4b8c1e3f71\ndetection:\n  selection:\n    CommandLine|nosuchmodifier: x\n  condition: selection\n');

test('--format table escapes terminal control sequences and bidi overrides', () => {
  for (const extra of [['--per-event'], []]) {
    const r = hunt(hostileFile, '--rules', rulesHigh, '--format', 'table', ...extra);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.trim() !== '');
    assert.ok(rows.length >= 3, `expected a header and two rows:\n${r.stdout}`);
    assert.ok(!r.stdout.includes(ESC), `raw ESC in table output (${extra.join(' ')})`);
    assert.ok(!r.stdout.includes(RLO), `raw U+202E in table output (${extra.join(' ')})`);
    assert.ok(!r.stdout.includes('\u0007'), 'raw BEL in table output');
    // the hostile host name is shown, made visible
    assert.ok(r.stdout.includes('\\x1b') || r.stdout.includes('\\u001b'), `escape not made visible:\n${r.stdout}`);
    assert.ok(r.stdout.includes('\\u202e'), `U+202E not made visible:\n${r.stdout}`);
    assert.ok(!r.stderr.includes(ESC) && !r.stderr.includes(RLO), 'raw control characters on stderr');
  }
});

test('JSON output keeps hostile values intact (escaped by JSON, no raw control characters)', () => {
  const r = hunt(hostileFile, '--rules', rulesHigh, '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0);
  assert.ok(!r.stdout.includes(ESC));
  const recs = jsonLines(r.stdout) as unknown as Match[];
  assert.equal(recs.length, 2);
  assert.ok(String(recs[0]!.fields['CommandLine']).includes(`${ESC}[31m`), 'the value itself must be preserved');
});

test('--format csv neutralises cells a spreadsheet would run as formulas', () => {
  for (const extra of [['--per-event'], []]) {
    const r = hunt(hostileFile, '--rules', rulesHigh, '--format', 'csv', ...extra);
    assert.equal(r.status, 0, r.stderr);
    const rows = parseCsv(r.stdout);
    const host = rows[0]!.indexOf('host');
    assert.ok(host >= 0);
    const hosts = rows.slice(1).map((row) => row[host]!);
    assert.ok(hosts.some((h) => h.includes('HYPERLINK')), `hostile host not in output: ${hosts.join(' | ')}`);
    for (const row of rows.slice(1)) for (const cell of row) assert.doesNotMatch(cell, /^[=+@\t\r]/, `formula cell: ${cell}`);
  }
});

test('--fail-on: 1 when a finding at or above the level exists, 0 otherwise', () => {
  const high = hunt(hostileFile, '--rules', rulesHigh, '--format', 'jsonl', '--fail-on', 'high');
  assert.equal(high.status, 1, high.stderr);
  assert.ok(jsonLines(high.stdout).length > 0, 'findings are still printed');
  const medium = hunt(hostileFile, '--rules', rulesHigh, '--format', 'jsonl', '--fail-on', 'medium');
  assert.equal(medium.status, 1);
  const critical = hunt(hostileFile, '--rules', rulesHigh, '--format', 'jsonl', '--fail-on', 'critical');
  assert.equal(critical.status, 0, critical.stderr);
  // the bundled rules on the demo evidence have a critical finding
  assert.equal(hunt(SAMPLE, '--format', 'jsonl', '--fail-on', 'critical', '-q').status, 1);
});

test('exit 2 with a message for usage and input errors, never a stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing input path', [join(tmp, 'no-such-evidence'), '--format', 'jsonl'], /no-such-evidence/],
    ['--rules without a valid rule', [SAMPLE, '--rules', rulesBad, '--format', 'jsonl'], /no rule/],
    ['--rules pointing nowhere', [SAMPLE, '--rules', join(tmp, 'no-such-rules'), '--format', 'jsonl'], /no rule|no-such-rules/],
    ['unknown option', [SAMPLE, '--no-such-option'], /no-such-option/],
    ['unknown format', [SAMPLE, '--format', 'xml'], /xml/],
    ['bad --fail-on level', [SAMPLE, '--fail-on', 'severe'], /fail-on/],
    ['bad --from time', [SAMPLE, '--from', 'last tuesday'], /--from/],
    ['no PATH', ['--format', 'jsonl'], /PATH/],
  ];
  for (const [what, args, message] of cases) {
    const r = hunt(...args);
    assert.equal(r.status, 2, `${what}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /tracehound: /, `${what}: no message`);
    assert.match(r.stderr, message, `${what}: message does not say what is wrong:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, STACK, `${what}: stack trace`);
  }
});

test('--to with a bare date includes that whole day; --from after --to is a usage error', () => {
  const day = jsonLines(hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--to', '2026-11-02').stdout);
  const all = jsonLines(perEvent().stdout);
  assert.equal(day.length, all.length);
  const before = jsonLines(hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--to', '2026-11-01').stdout);
  assert.equal(before.length, 0);
  const bad = hunt(SAMPLE, '--rules', 'rules', '--from', '2026-11-03', '--to', '2026-11-02');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--from is later than --to/);
});

test('--from/--to keep only events inside the window', () => {
  const all = (jsonLines(perEvent().stdout) as unknown as Match[]).filter((m) => !m.correlation);
  const from = '2026-11-02T09:43:00Z', to = '2026-11-02T10:00:00Z';
  const r = hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--from', from, '--to', to);
  assert.equal(r.status, 0, r.stderr);
  const inside = jsonLines(r.stdout) as unknown as Match[];
  const expected = all.filter((m) => m.time! >= '2026-11-02T09:43:00.000Z' && m.time! <= '2026-11-02T10:00:00.000Z');
  assert.ok(expected.length > 0 && expected.length < all.length);
  assert.equal(inside.length, expected.length);
  assert.deepEqual(inside.map((m) => `${m.rule_id}@${m.source.line}`).sort(), expected.map((m) => `${m.rule_id}@${m.source.line}`).sort());
  // the shell event at 13:07 is outside, so the correlation cannot complete
  assert.ok(!inside.some((m) => m.correlation));

  const onlyFrom = jsonLines(hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--from', '2026-11-02T12:00:00Z').stdout) as unknown as Match[];
  assert.deepEqual(onlyFrom.map((m) => m.source.line), [9]);
  const onlyTo = jsonLines(hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--to', '2026-11-02T09:42:59Z').stdout) as unknown as Match[];
  assert.deepEqual(onlyTo.map((m) => m.source.line), [4, 5], 'the DLL drop (line 4) and the failed install (line 5)');
});

test('--out FILE writes the records to FILE and nothing to stdout', () => {
  const out = join(tmp, 'matches.jsonl');
  const r = hunt(SAMPLE, '--rules', 'rules', '--per-event', '--format', 'jsonl', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const written = jsonLines(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(written, jsonLines(perEvent().stdout));
  // without --format, a file gets JSON lines
  const out2 = join(tmp, 'findings.out');
  const r2 = hunt(SAMPLE, '--out', out2);
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(jsonLines(fs.readFileSync(out2, 'utf8')).every((f) => typeof f['id'] === 'string'));
});

test('a rule with several problems is skipped once and counted once', () => {
  const dir = join(tmp, 'rules-many-errors');
  fs.mkdirSync(dir);
  fs.writeFileSync(join(dir, 'many.yml'), 'title: A\ntitle: B\nid: 5d0c9a1e-77aa-4f0b-9d6e-2a4b8c1e3f72\ndetection:\n  sel: {a: 1\n  condition: "sel\n');
  const r = hunt(SAMPLE, '--rules', 'rules', '--rules', dir, '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /rule skipped: .*many\.yml:\d+:\d+ \[5d0c9a1e-77aa-4f0b-9d6e-2a4b8c1e3f72\]/);
  assert.match(r.stderr, /\d+ rules and \d+ correlations loaded, 1 failed/);
  assert.ok(jsonLines(r.stdout).length >= 4, 'the good rules still ran');
});

test('bundled rules are used when --rules is not given', () => {
  const bundled = jsonLines(hunt(SAMPLE, '--per-event', '--format', 'jsonl').stdout);
  assert.deepEqual(bundled, jsonLines(perEvent().stdout));
});

test('hunt over the SigmaHQ regression data: the EVTX files give the same matches as their JSON renderings', { skip: SKIP_NO_CORPORA }, () => {
  const r = hunt(join(CORPORA, 'sigma-regression', 'regression_data'), '--rules', join(CORPORA, 'sigma-rules'), '--per-event', '--format', 'jsonl', '-q');
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  const recs = jsonLines(r.stdout) as unknown as Match[];
  const count = (ext: RegExp) => {
    const m = new Map<string, number>();
    for (const x of recs) if (ext.test(x.source.file)) { const k = `${x.rule_id} ${x.source.file.replace(ext, '')}`; m.set(k, (m.get(k) ?? 0) + 1); }
    return m;
  };
  const fromJson = count(/\.json$/), fromEvtx = count(/\.evtx$/);
  assert.ok([...fromJson.values()].reduce((a, b) => a + b, 0) > 150, `only ${recs.length} matches`);
  assert.deepEqual([...fromEvtx].sort(), [...fromJson].sort());
  for (const x of recs.filter((m) => m.source.file.endsWith('.evtx')).slice(0, 20)) assert.equal(x.source.kind, 'evtx');
});
