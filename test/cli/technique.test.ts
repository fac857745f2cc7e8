// `tracehound technique` and `tracehound attack import|info` end to end: the page in all three
// formats with and without an ATT&CK store, other techniques, unknown ids, and a hostile bundle
// whose text tries to drive the terminal or inject Markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-technique-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const EMPTY_HOME = join(tmp, 'empty-home');
const STACK = /\n\s+at .+:\d+:\d+\)?$|internal error/m;

function run(args: string[], home = EMPTY_HOME) {
  // never the real home: TRACEHOUND_HOME points at a temporary folder, HOME too
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20,
    env: { ...process.env, NO_COLOR: '1', TRACEHOUND_HOME: home, HOME: join(tmp, 'home'), USERPROFILE: join(tmp, 'home') },
  });
  assert.equal(r.error, undefined);
  assert.doesNotMatch(r.stderr, STACK, 'no stack trace');
  return r;
}

// ---- without an ATT&CK store ----------------------------------------------------------------------

test('T1505.002 without a store: our content in all three formats, with a note that ATT&CK fields are missing', () => {
  const t = run(['technique', 'T1505.002']);
  assert.equal(t.status, 0, t.stderr);
  for (const h of ['SUMMARY (TRACEHOUND)', 'WHY ATTACKERS USE IT', 'HOW IT WORKS', 'PROCEDURE EXAMPLES', 'PLATFORMS AND PERMISSIONS', 'TELEMETRY', 'DETECTION', 'MITIGATIONS', 'FALSE POSITIVES', 'PLAYBOOK', 'REFERENCES'])
    assert.ok(t.stdout.includes(`\n${h}\n`), `section ${h}`);
  assert.match(t.stdout, /^T1505\.002 {2}Transport Agent\n/);
  assert.match(t.stdout, /No ATT&CK data is imported/);
  assert.doesNotMatch(t.stdout, /DESCRIPTION \(MITRE ATT&CK\)/);
  assert.match(t.stdout, /\[contain-disable-uninstall\]/);
  assert.ok(t.stdout.indexOf('[contain-disable-uninstall]') < t.stdout.indexOf('[eradicate-remove-files]'));
  assert.match(t.stdout, /PS> Disable-TransportAgent -Identity/);
  for (const l of t.stdout.split('\n')) if (!l.includes('PS> ') && !/https?:\/\//.test(l)) assert.ok(l.length <= 100, `line within 100 columns: ${l}`);

  const md = run(['technique', 'T1505.002', '--format', 'markdown']);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^# \[T1505\.002\]\(https:\/\/attack\.mitre\.org\/techniques\/T1505\/002\/\) Transport Agent\n/);
  assert.match(md.stdout, /\n## Telemetry\n\n\| Source \| Event id \/ table \| On by default\? \| What it indicates \|\n\|---\|---\|---\|---\|\n/);
  assert.match(md.stdout, /\n```powershell\nDisable-TransportAgent -Identity '<agent name>'/);
  assert.equal((md.stdout.match(/^```/gm) ?? []).length % 2, 0, 'code fences are balanced');

  const js = run(['technique', 't1505.002', '--format', 'json']);
  assert.equal(js.status, 0, js.stderr);
  const page = JSON.parse(js.stdout) as { id: string; tracehound: { playbook: { steps: { id: string }[] } }; attack: unknown; attack_store: unknown; notes: string[] };
  assert.equal(page.id, 'T1505.002');
  assert.equal(page.attack, null);
  assert.equal(page.attack_store, null);
  assert.ok(page.tracehound.playbook.steps.some((s) => s.id === 'recover-credentials'));
  assert.match(js.stderr, /No ATT&CK data is imported/);
});

test('T1505 without a store: the overview with its six sub-techniques', () => {
  const t = run(['technique', 'T1505']);
  assert.equal(t.status, 0, t.stderr);
  for (const s of ['T1505.001', 'T1505.002', 'T1505.003', 'T1505.004', 'T1505.005', 'T1505.006']) assert.match(t.stdout, new RegExp(`\\n${s.replace('.', '\\.')} {2}\\S`));
});

test('unknown or malformed ids, bad options and missing stores exit 2 with a clear message', () => {
  const u = run(['technique', 'T1059']);
  assert.equal(u.status, 2);
  assert.equal(u.stdout, '');
  assert.match(u.stderr, /^tracehound: unknown technique T1059: tracehound has no content for it \(it has T1505, T1505\.002\), and no ATT&CK data is imported .*tracehound attack import/);
  const bad = run(['technique', 'T15O5']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'T15O5' is not an ATT&CK technique id/);
  assert.equal(run(['technique']).status, 2);
  assert.equal(run(['technique', 'T1505.002', 'T1505']).status, 2);
  const f = run(['technique', 'T1505.002', '--format', 'csv']);
  assert.equal(f.status, 2);
  assert.match(f.stderr, /--format must be one of table, markdown, json; got 'csv'/);
  assert.equal(run(['attack', 'info']).status, 2);
  assert.equal(run(['attack', 'frobnicate', 'x']).status, 2);
  assert.equal(run(['technique', '--help']).status, 0);
  assert.equal(run(['attack', '--help']).status, 0);
});

// ---- a hostile bundle -------------------------------------------------------------------------------

const ESC = '\x1b[2J\x1b]0;pwned\x07\x1b[31m';
const BIDI = '\u202e';
const HOSTILE = `Owned ${ESC}red${BIDI}evil\r\n# Heading from the bundle\n[click me](javascript:alert(1)) <img src=x onerror=alert(1)> | a | b |\n*bold* _it_ \`tick\` ![img](http://x/y.png) &amp; <script>x</script>`;

function hostileBundle(): string {
  const ap = (id: string, stix: string, name: string, description: string, extra: Record<string, unknown> = {}) => ({
    type: 'attack-pattern', id: `attack-pattern--${stix}`, created: '2020-01-01T00:00:00.000Z', modified: '2025-01-01T00:00:00.000Z', name, description,
    external_references: [{ source_name: 'mitre-attack', external_id: id, url: `https://attack.mitre.org/techniques/${id}` }, { source_name: `Ref ${ESC}`, url: 'javascript:alert(2)', description: 'ref <b>x</b>' }],
    kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: `persistence${ESC}` }], x_mitre_platforms: [`Windows${BIDI}`], x_mitre_version: '1.0', ...extra,
  });
  return JSON.stringify({
    type: 'bundle', id: 'bundle--hostile', objects: [
      ap('T1505.002', 'a', `Transport Agent${ESC}`, HOSTILE, { x_mitre_is_subtechnique: true }),
      ap('T1059', 'b', `Command ${ESC} Interpreter`, `${HOSTILE}(Citation: Ref ${ESC})`),
      { type: 'course-of-action', id: 'course-of-action--m', name: `Audit ${ESC}`, external_references: [{ source_name: 'mitre-attack', external_id: 'M1047' }] },
      { type: 'malware', id: 'malware--s', name: `Evil${ESC}`, external_references: [{ source_name: 'mitre-attack', external_id: 'S0395' }] },
      { type: 'relationship', id: 'relationship--1', relationship_type: 'mitigates', source_ref: 'course-of-action--m', target_ref: 'attack-pattern--a', description: HOSTILE },
      { type: 'relationship', id: 'relationship--2', relationship_type: 'uses', source_ref: 'malware--s', target_ref: 'attack-pattern--b', description: HOSTILE },
      { type: 'marking-definition', id: 'marking-definition--1', definition_type: 'statement', definition: { statement: `MITRE ${ESC}` } },
    ],
  });
}

function assertTerminalSafe(out: string, markdown = false) {
  assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'no control or bidi character reaches the terminal');
  // shown, not interpreted (in Markdown the backslash and bracket are escaped once more)
  assert.ok(out.includes(markdown ? '\\\\x1b\\[2J' : '\\x1b[2J'), 'escape sequences are shown, not interpreted');
  assert.ok(out.includes(markdown ? '\\\\u202e' : '\\u202e'));
}

test('a hostile bundle: terminal escapes made visible, Markdown neutralised', () => {
  const home = join(tmp, 'hostile-home');
  const src = join(tmp, 'hostile.json');
  fs.writeFileSync(src, hostileBundle());
  const imp = run(['attack', 'import', src], home);
  assert.equal(imp.status, 0, imp.stderr);
  assert.ok(fs.existsSync(join(home, 'attack.json')), 'the store is in $TRACEHOUND_HOME');
  assert.ok(!fs.existsSync(join(tmp, 'home', '.tracehound')), 'nothing written to the home folder');

  for (const id of ['T1505.002', 'T1059']) {
    const t = run(['technique', id], home);
    assert.equal(t.status, 0, t.stderr);
    assertTerminalSafe(t.stdout);
    assert.match(t.stdout, /Owned \\x1b\[2J\\x1b\]0;pwned\\x07\\x1b\[31mred\\u202eevil/);

    const md = run(['technique', id, '--format', 'markdown'], home);
    assert.equal(md.status, 0, md.stderr);
    assertTerminalSafe(md.stdout, true);
    const body = md.stdout;
    assert.doesNotMatch(body, /(^|[^\\])<(img|script|b)\b/, 'no raw HTML from the bundle');
    assert.doesNotMatch(body, /(?<!\\)\]\(javascript:/, 'no link from the bundle (an escaped \\] opens none)');
    assert.doesNotMatch(body, /(^|[^\\])!\[/, 'no image from the bundle');
    assert.doesNotMatch(body, /^# Heading from the bundle/m, 'no heading from the bundle');
    assert.doesNotMatch(body, /^\|.*\| a \| b \|/m, 'no table row from the bundle');
    assert.ok(body.includes('\\# Heading from the bundle'));
    assert.ok(body.includes('\\[click me\\]'));
    assert.ok(body.includes('\\<img src=x onerror=alert(1)\\>'));
    assert.ok(body.includes('\\*bold\\* \\_it\\_ \\`tick\\`'));
    assert.ok(body.includes('\\&amp;'));
    // every link in the page is one tracehound built from a checked id
    for (const m of body.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) assert.match(m[1]!, /^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/$/);

    const js = run(['technique', id, '--format', 'json'], home);
    assert.equal(js.status, 0, js.stderr);
    assert.doesNotMatch(js.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, 'JSON escapes control and bidi characters');
    const page = JSON.parse(js.stdout) as { attack: { description: string } };
    assert.equal(page.attack.description.startsWith(`Owned ${ESC}`), true, 'JSON keeps the data as it is');
  }
  const other = run(['technique', 'T1059'], home);
  assert.match(other.stdout, /tracehound has no own content for T1059/);
});

test('a damaged store is an error naming the file', () => {
  const home = join(tmp, 'damaged-home');
  fs.mkdirSync(home, { recursive: true });
  fs.writeFileSync(join(home, 'attack.json'), '{"format":"tracehound-attack","format_version":99}');
  const t = run(['technique', 'T1505.002'], home);
  assert.equal(t.status, 2);
  assert.match(t.stderr, /attack\.json: store format version 99, this tracehound reads version 1; run 'tracehound attack import' again/);
});

test('attack import: malformed input exits 2 naming the file', () => {
  const bad = join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"type":"bundle","id":"bundle--x"}');
  const r = run(['attack', 'import', bad, '--store', join(tmp, 'bad-store')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`cannot import ATT&CK data: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a STIX bundle without an 'objects' array`));
  assert.ok(!fs.existsSync(join(tmp, 'bad-store', 'attack.json')), 'no store written');
  const none = run(['attack', 'import', join(tmp, 'nope.json')]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /nope\.json: no such file or folder/);
});

// ---- with the shared ATT&CK v18.1 bundle -------------------------------------------------------------

test('with the shared ATT&CK bundle imported (--store): official fields merged, other techniques shown', { skip: SKIP_NO_CORPORA }, () => {
  const store = join(tmp, 'full-store');
  const imp = run(['attack', 'import', join(CORPORA, 'attack-stix', 'enterprise-attack.json.gz'), '--store', store, '--format', 'json', '--out', join(tmp, 'import.json')]);
  assert.equal(imp.status, 0, imp.stderr);
  const m = imp.stderr.match(/imported .* in (\d+\.\d+) s: 24771 STIX objects/);
  assert.ok(m, imp.stderr);
  console.log(`# attack import (CLI, end to end): ${m[1]} s`);
  const summary = JSON.parse(fs.readFileSync(join(tmp, 'import.json'), 'utf8')) as { counts: Record<string, number>; store: string };
  assert.equal(summary.counts['attack-pattern'], 835);
  assert.equal(summary.store, join(store, 'attack.json'));

  const info = run(['attack', 'info', '--store', store]);
  assert.equal(info.status, 0, info.stderr);
  assert.match(info.stdout, /techniques: +\d+ techniques, \d+ sub-techniques/);

  const t = run(['technique', 'T1505.002', '--store', store]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /\nDESCRIPTION \(MITRE ATT&CK\)\n/);
  assert.match(t.stdout, /Adversaries may abuse Microsoft transport agents/);
  assert.match(t.stdout, /S0395 LightNeuron \(malware\)/);
  assert.match(t.stdout, /ATT&CK detection strategy DET0166/);
  assert.match(t.stdout, /AN0472 \(Windows\)/);
  assert.match(t.stdout, /M1047 Audit {2}\(linked to this technique in ATT&CK\)/);
  assert.match(t.stdout, /M1018 User Account Management {2}\(tracehound addition\)/);
  assert.match(t.stdout, /Copyright 2015-2025, The MITRE Corporation/);
  assert.doesNotMatch(t.stdout, /No ATT&CK data is imported/);

  const md = run(['technique', 'T1505.002', '--store', store, '--format', 'markdown', '--out', join(tmp, 'page.md')]);
  assert.equal(md.status, 0, md.stderr);
  assert.equal(md.stdout, '');
  const page = fs.readFileSync(join(tmp, 'page.md'), 'utf8');
  assert.match(page, /\n## Description \(MITRE ATT\\&CK\)\n/);
  assert.match(page, /\n### ATT\\&CK detection strategy DET0166: /);

  const js = JSON.parse(run(['technique', 'T1505.002', '--store', store, '--format', 'json']).stdout) as {
    attack: { name: string; parent: string; mitigations: { id: string }[]; procedures: { id: string }[]; detection_strategies: { id: string }[] };
    tracehound: { id: string }; attack_store: { file: string };
  };
  assert.equal(js.attack.name, 'Transport Agent');
  assert.equal(js.attack.parent, 'T1505');
  assert.deepEqual(js.attack.mitigations.map((x) => x.id), ['M1026', 'M1045', 'M1047']);
  assert.ok(js.attack.procedures.some((p) => p.id === 'S0395'));
  assert.deepEqual(js.attack.detection_strategies.map((d) => d.id), ['DET0166']);
  assert.equal(js.tracehound.id, 'T1505.002');
  assert.equal(js.attack_store.file, join(store, 'attack.json'));

  const other = run(['technique', 'T1059.001', '--store', store]);
  assert.equal(other.status, 0, other.stderr);
  assert.match(other.stdout, /^T1059\.001 {2}PowerShell\n/);
  assert.match(other.stdout, /tracehound has no own content for T1059\.001/);
  assert.match(other.stdout, /\nPROCEDURE EXAMPLES\n/);
  assert.doesNotMatch(other.stdout, /\nPLAYBOOK\n/);

  const unknown = run(['technique', 'T9999', '--store', store]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown technique T9999: .* not in the imported ATT&CK data/);
});

test('technique --queries adds the bundled rules of the technique, converted to the target', () => {
  const r = run(['technique', 'T1505.002', '--queries', 'kql', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const page = JSON.parse(r.stdout) as { queries: { target: string; rules: { title: string; query?: string; error?: string }[] } };
  assert.equal(page.queries.target, 'kql');
  const files = fs.readdirSync(join(ROOT, 'rules', 't1505.002')).filter((f) => f.endsWith('.yml'));
  assert.equal(page.queries.rules.length, files.length, 'one entry per rule and correlation of the pack');
  assert.ok(page.queries.rules.every((q) => q.query !== undefined || q.error !== undefined));
  assert.ok(page.queries.rules.some((q) => /DeviceProcessEvents/.test(q.query ?? '')));
  const md = run(['technique', 'T1505.002', '--queries', 'spl', '--format', 'markdown']);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /Detection queries \(spl/);
  const bad = run(['technique', 'T1505.002', '--queries', 'sparql']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--queries must be one of/);
});
