// hunt's triage options: --min-level, --rule-status, --exclude-rules (and the shipped noisy list),
// --summary, the table's rule column and 80-column layout, decoder problems one line per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cli, tempDir } from '../report/fixtures.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { loadPlaceholderDir, loadRules, ruleFiles } from '../../src/hunt/load-rules.js';
import { ExclusionList, parseExclusions, selectDocuments } from '../../src/findings/triage.js';
import { parseSigmaText } from '../../src/sigma/parse.js';

interface F { id: string; title: string; severity: string; rule_id: string | null; check?: string; count: number; host: string | null }
const RANK: Record<string, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };
const findings = (stdout: string): F[] => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as F);
const dir = tempDir('th-triage-');

const all = (() => {
  const r = cli('hunt', 'samples', '--format', 'jsonl', '--no-db');
  assert.equal(r.status, 0, r.stderr);
  return findings(r.stdout);
})();

test('--min-level: only findings at or above it, audit findings included; what was left out is said', () => {
  assert.ok(all.some((f) => RANK[f.severity]! < 3) && all.some((f) => f.check) && all.some((f) => f.rule_id));
  const r = cli('hunt', 'samples', '--format', 'jsonl', '--no-db', '--min-level', 'high');
  assert.equal(r.status, 0, r.stderr);
  const got = findings(r.stdout);
  assert.deepEqual(got.map((f) => f.id).sort(), all.filter((f) => RANK[f.severity]! >= 3).map((f) => f.id).sort());
  assert.match(r.stderr, /left out: \d+ rules below --min-level high, 7 audit findings below --min-level high/);
  const bad = cli('hunt', 'samples', '--no-db', '--min-level', 'severe');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--min-level must be one of informational, low, medium, high, critical; got 'severe'/);
});

test('--exclude-rules: by id prefix, by title, by audit check; the rest unchanged', () => {
  const byId = all.find((f) => f.rule_id && /^[0-9a-f]{8}-/.test(f.rule_id))!;
  const byTitle = all.find((f) => f.rule_id && f.rule_id !== byId.rule_id)!;
  const file = join(dir, 'exclude.yaml');
  writeFileSync(file, `rules:\n  - ${byId.rule_id!.slice(0, 8)}\n  - title: ${JSON.stringify(byTitle.title)}\n    reason: noisy here\n  - check: dll-not-collected\n`);
  const r = cli('hunt', 'samples', '--format', 'jsonl', '--no-db', '--exclude-rules', file);
  assert.equal(r.status, 0, r.stderr);
  const gone = (f: F) => f.rule_id === byId.rule_id || f.rule_id === byTitle.rule_id || f.check === 'dll-not-collected';
  assert.deepEqual(findings(r.stdout).map((f) => f.id).sort(), all.filter((f) => !gone(f)).map((f) => f.id).sort());
  assert.match(r.stderr, /left out: 2 rules by --exclude-rules, 7 audit findings by --exclude-rules/);

  writeFileSync(file, 'rules: {a: 1}\n');
  const bad = cli('hunt', 'samples', '--no-db', '--exclude-rules', file);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--exclude-rules: .*exclude\.yaml: expected a list/);
  const missing = cli('hunt', 'samples', '--no-db', '--exclude-rules', join(dir, 'nope.yaml'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
});

test('--rule-status: rules of other statuses do not run (the bundled pack is experimental); a bad status is a usage error', () => {
  const r = cli('hunt', 'samples', '--format', 'jsonl', '--no-db', '--rule-status', 'stable,test,experimental');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(findings(r.stdout).length, all.length);
  const none = cli('hunt', 'samples', '--format', 'jsonl', '--no-db', '--rule-status', 'stable');
  assert.equal(none.status, 2, 'no rule left to run');
  const packRules = readdirSync('rules/t1505.002').filter((f) => f.endsWith('.yml')).length;
  assert.match(none.stderr, new RegExp(`no rule loaded .*\\(${packRules} left out by --min-level, --rule-status or --exclude-rules\\)`));
  const bad = cli('hunt', 'samples', '--no-db', '--rule-status', 'stable,beta');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--rule-status takes a comma-separated list of stable, test, experimental, deprecated, unsupported; got 'stable,beta'/);
});

test('--summary: counts per severity, top rules and hosts, first and last time; JSON with --format json', () => {
  const r = cli('hunt', 'samples', '--format', 'json', '--no-db', '--summary');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { schema: string; findings: number; by_severity: Record<string, number>; top_rules: { rule: string; findings: number }[]; top_hosts: { host: string; findings: number }[]; first_seen: string; more_rules: number };
  assert.equal(s.schema, 'tracehound.summary/1');
  assert.equal(s.findings, all.length);
  for (const sev of Object.keys(RANK)) assert.equal(s.by_severity[sev], all.filter((f) => f.severity === sev).length, sev);
  const perRule = new Map<string, number>();
  for (const f of all) perRule.set(f.rule_id ?? f.check!, (perRule.get(f.rule_id ?? f.check!) ?? 0) + 1);
  assert.equal(s.top_rules[0]!.findings, Math.max(...perRule.values()));
  for (const x of s.top_rules) assert.equal(x.findings, perRule.get(x.rule));
  assert.equal(s.top_rules.length + s.more_rules, perRule.size);
  assert.equal(s.top_hosts.reduce((n, h) => n + h.findings, 0), all.length);
  const text = cli('hunt', 'samples', '--format', 'table', '--no-db', '--summary');
  assert.match(text.stdout, /^── SUMMARY ─+\n\d+ findings: \d+ critical, \d+ high/);
  assert.doesNotMatch(text.stdout, /^SEVERITY/m, 'the summary only');
  assert.equal(cli('hunt', 'samples', '--no-db', '--summary', '--per-event').status, 2);
});

test('table at 80 columns: no line longer, a rule column with the id prefix, the summary at the end', () => {
  const home = tempDir('th-home-');
  const r = cli('hunt', 'samples', '--format', 'table', '--db', join(home, 'c.db'));
  assert.equal(r.status, 0);
  const narrow = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'hunt', 'samples', '--format', 'table', '--no-db'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80', NO_COLOR: '1', TRACEHOUND_HOME: home } });
  assert.equal(narrow.status, 0, narrow.stderr);
  const lines = narrow.stdout.trimEnd().split('\n');
  for (const l of lines) assert.ok([...l].length <= 80, `longer than 80: ${l}`);
  assert.match(lines[0]!, /^SEVERITY\s+SCORE\s+RULE\s+FINDING$/);
  const rule = all.find((f) => f.rule_id && /^[0-9a-f]{8}-/.test(f.rule_id))!;
  assert.ok(lines.some((l) => l.includes(` ${rule.rule_id!.slice(0, 8)} `)), 'the rule id prefix is shown');
  assert.ok(lines.some((l) => /^\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+EXCH01/.test(l)), 'the second line: time and host');
  assert.ok(lines.includes('top rules') && lines.includes('top hosts'));
  const wide = r.stdout.split('\n');
  assert.match(wide[0]!, /^SEVERITY\s+SCORE\s+RULE\s+FINDING\s+HOST\s+COUNT\s+FIRST SEEN \(UTC\)\s+EVIDENCE$/);
});

test('decoder and record problems: one line per file, every one with --verbose', () => {
  const file = join(dir, 'broken.jsonl');
  writeFileSync(file, ['{"EventID":1}', '{bad', '{"EventID":2}', '[1,', 'nope', '{"x":'].join('\n') + '\n');
  const r = cli('hunt', file, '--no-db', '--format', 'jsonl');
  const mine = r.stderr.split('\n').filter((l) => l.includes('broken.jsonl:') || l.includes('broken.jsonl '));
  assert.equal(mine.length, 1, r.stderr);
  assert.match(mine[0]!, /broken\.jsonl:2: .*\(and 3 more in this file; --verbose lists them\)$/);
  const v = cli('hunt', file, '--no-db', '--format', 'jsonl', '--verbose');
  assert.equal(v.stderr.split('\n').filter((l) => /broken\.jsonl:\d+: /.test(l)).length, 4, v.stderr);
});

test('exclusion lists: prefixes need 8 characters, titles match without case, entries are checked', () => {
  const list = new ExclusionList(parseExclusions('- 3b5e9a04\n- 3b5e\n- title: Some Rule\n  reason: r\n', 'x.yaml'));
  assert.equal(list.find(['3b5e9a04-7c21-4f86-a0d3-58e1c7b2f690'])?.match[0], '3b5e9a04');
  assert.equal(list.find(['3b5e0000-0000-0000-0000-000000000000']), undefined, 'a 4-character prefix is not a prefix');
  assert.equal(list.find([undefined, 'some rule'])?.reason, 'r');
  assert.throws(() => parseExclusions('- {reason: no key}\n', 'y.yaml'), /y\.yaml: entry 1: expected a rule id, title or check/);
  assert.throws(() => parseExclusions('rules: [\n', 'z.yaml'), /z\.yaml: not valid YAML/);
  assert.deepEqual(parseExclusions('', 'e.yaml'), []);
});

test('selectDocuments keeps the rules a kept correlation reads, even below --min-level', () => {
  const text = readFileSync('rules/t1505.002/correlation_transport_agent_then_shell.yml', 'utf8');
  const corr = parseSigmaText(text, 'c.yml').docs.find((d) => d.type === 'correlation')!;
  assert.ok(corr.type === 'correlation' && corr.meta.level === 'critical');
  const docs = loadRules(['rules/t1505.002'], loadPlaceholderDir()).docs;
  const kept = selectDocuments(docs, { minLevel: 'critical' });
  for (const ref of corr.rules) assert.ok(kept.some((d) => d.meta.id === ref || d.meta.name === ref), `${ref} kept for the correlation`);
  assert.ok(kept.length < docs.length);
});

test('the shipped noisy list: every entry has an id, a title and a reason, and names that SigmaHQ rule', { skip: SKIP_NO_CORPORA }, () => {
  const doc = parseYaml(readFileSync('data/triage/noisy-rules.yaml', 'utf8')) as { rules: { id: string; title: string; reason: string }[] };
  assert.ok(doc.rules.length >= 5);
  const titles = new Map<string, string>();
  for (const f of ruleFiles(join(CORPORA, 'sigma-rules'))) {
    const t = readFileSync(f, 'utf8');
    const id = /^id: (\S+)/m.exec(t)?.[1];
    if (id) titles.set(id, /^title: (.*)$/m.exec(t)?.[1] ?? '');
  }
  for (const e of doc.rules) {
    assert.ok(e.reason.length > 20, `${e.id}: a reason`);
    assert.equal(titles.get(e.id), e.title, `${e.id} is '${e.title}' in SigmaHQ`);
  }
  const list = new ExclusionList(parseExclusions(readFileSync('data/triage/noisy-rules.yaml', 'utf8'), 'noisy'));
  assert.ok(list.find(['0badd08f-c6a3-4630-90d3-6875cca440be']));
});
