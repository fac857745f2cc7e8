// tracehound's own T1505 / T1505.002 content: it loads and validates, every section is present and
// real text, the playbook has its stable ids in a safe order, the validator rejects broken content,
// and (with the shared ATT&CK bundle) none of it is copied from ATT&CK's own wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ContentError, PHASES, REQUIRED_STEP_IDS, contentIds, parseTechniqueContent, techniqueContent,
  type FullContent, type OverviewContent,
} from '../../src/knowledge/content.js';
import { playbookStep, playbookStepIds } from '../../src/knowledge/playbook.js';
import { importAttack } from '../../src/knowledge/attack-import.js';
import { dataPath } from '../../src/util/package-root.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const FILE = dataPath('knowledge', 'T1505.002.yaml');
const full = () => techniqueContent('T1505.002') as FullContent;
const rawDoc = () => parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;

/** Every string in a value, with its path. */
function strings(v: unknown, path = ''): [string, string][] {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => strings(x, path ? `${path}.${k}` : k));
  return [];
}

test('both content files load and validate', () => {
  assert.deepEqual(contentIds(), ['T1505', 'T1505.002']);
  const c = full();
  assert.equal(c.kind, 'full');
  assert.equal(c.id, 'T1505.002');
  assert.equal(c.name, 'Transport Agent');
  assert.equal(c.parent, 'T1505');
  assert.deepEqual(c.tactics, ['persistence']);
  const p = techniqueContent('T1505') as OverviewContent;
  assert.equal(p.kind, 'overview');
  assert.equal(techniqueContent('T1059'), null);
  assert.equal(techniqueContent('not an id'), null);
});

test('T1505 outlines all six sub-techniques of ATT&CK v18', () => {
  const p = techniqueContent('T1505') as OverviewContent;
  assert.deepEqual(p.sub_techniques.map((s) => `${s.id} ${s.name}`), [
    'T1505.001 SQL Stored Procedures', 'T1505.002 Transport Agent', 'T1505.003 Web Shell',
    'T1505.004 IIS Components', 'T1505.005 Terminal Services DLL', 'T1505.006 vSphere Installation Bundles',
  ]);
  for (const s of p.sub_techniques) assert.ok(s.summary.length >= 150, `${s.id}: a real paragraph`);
});

test('every required section of T1505.002 is present and non-empty', () => {
  const c = full();
  assert.ok(c.summary.length > 400);
  assert.ok(c.why.length >= 4);
  const how = c.how_it_works.map((h) => h.title + ' ' + h.text).join('\n');
  for (const w of ['agents.config', 'fetagents.config', 'priority', 'factory', 'EdgeTransport.exe', 'MSExchangeFrontendTransport.exe', 'NETWORK SERVICE', 'Install-TransportAgent', 'Enable-TransportAgent'])
    assert.ok(how.toLowerCase().includes(w.toLowerCase()), `how it works mentions ${w}`);
  // procedure examples: LightNeuron per ESET, the CTID emulation, the Atomic test
  const ln = c.procedures.find((p) => p.attack_id === 'S0395');
  assert.ok(ln && /ESET/.test(ln.name + ln.text) && ln.sources.includes('S9'));
  assert.ok(c.procedures.some((p) => p.kind === 'emulation' && /Center for Threat-Informed Defense/.test(p.text) && /Connection Filtering/.test(p.text)));
  assert.ok(c.procedures.some((p) => p.kind === 'test' && p.text.includes('43e92449-ff60-46e9-83a3-1a38089df94d')));
  assert.deepEqual(c.platforms.map((p) => p.name), ['Windows', 'Linux']);
  assert.ok(c.permissions.length >= 3);
  assert.ok(c.detection.length >= 4);
  assert.ok(c.false_positives.length >= 4);
  const pb = c.playbook;
  for (const k of ['log_sources', 'key_indicators', 'questions', 'escalation', 'steps'] as const) assert.ok(pb[k].length >= 3, `playbook.${k}`);
  assert.ok(c.references.length >= 10);
  for (const r of c.references) if (r.url) assert.match(r.url, /^https:\/\//);
});

test('the telemetry table covers every source the brief names, with the snap-in logging gap', () => {
  const rows = full().telemetry;
  const has = (source: RegExp, event: RegExp) => rows.find((r) => source.test(r.source) && event.test(r.event));
  const need: [RegExp, RegExp][] = [
    [/MSExchange Management/, /^1$/], [/MSExchange Management/, /^3$/], [/MSExchange Management/, /^6$/],
    [/PowerShell/, /4103/], [/PowerShell/, /4104/],
    [/Sysmon/, /^1$/], [/Sysmon/, /^7$/], [/Sysmon/, /^11$/], [/Sysmon/, /^13$/],
    [/Security/, /4688/], [/System/, /7036/],
    [/MSExchange Extensibility/, /1050.1057/], [/MSExchangeTransport/, /16023/], [/MSExchangeTransport/, /7001/],
    [/[Mm]essage tracking/, /./], [/admin audit log/, /./],
    [/DeviceProcessEvents/, /./], [/DeviceFileEvents/, /./], [/DeviceImageLoadEvents/, /./], [/DeviceRegistryEvents/, /./],
  ];
  for (const [s, e] of need) assert.ok(has(s, e), `a row for ${s} ${e}`);
  const gap = has(/MSExchange Management/, /^3$/)!;
  assert.equal(gap.default, 'no');
  assert.match(gap.indicates + ' ' + gap.note, /snap-in/);
  assert.match(gap.note ?? '', /confirm/i, 'the gap is flagged as inferred, not verified');
  assert.equal(has(/MSExchange Management/, /^6$/)!.default, 'yes');
  for (const r of rows) assert.ok(['yes', 'no', 'partial'].includes(r.default));
});

test('mitigations: only ones that apply, each with concrete Exchange steps', () => {
  const m = full().mitigations;
  for (const id of ['M1047', 'M1045', 'M1026']) assert.ok(m.some((x) => x.id === id), `${id} (linked in ATT&CK)`);
  for (const x of m) {
    assert.ok(x.steps.length >= 2, `${x.id} has steps`);
    assert.ok(x.steps.some((s) => /Exchange|agents\.config|Transport|Get-|Set-/.test(s)), `${x.id} steps are Exchange-specific`);
  }
});

test('every playbook id other code refers to exists, with phase, title and text', () => {
  const ids = playbookStepIds();
  for (const id of REQUIRED_STEP_IDS) {
    const s = playbookStep(id);
    assert.ok(s, `step ${id}`);
    assert.ok((PHASES as readonly string[]).includes(s.phase));
    assert.ok(s.title.length > 10 && s.text.length > 80, `${id} has a title and real text`);
    assert.ok(Array.isArray(s.commands));
    assert.ok(ids.includes(id));
  }
  assert.equal(playbookStep('no-such-step'), null);
  const expectPhase: Record<string, string> = {
    'l1-verify-registrations': 'l1', 'l1-check-dll': 'l1', 'l1-who-when': 'l1', 'l1-escalate': 'l1',
    't2-scope-execution': 't2', 't2-collect': 't2', 't2-hunt-fleet': 't2',
    'contain-disable-uninstall': 'containment', 'eradicate-remove-files': 'eradication', 'recover-credentials': 'recovery',
  };
  for (const [id, ph] of Object.entries(expectPhase)) assert.equal(playbookStep(id)!.phase, ph, id);
  // a copy: changing it does not change the playbook
  playbookStep('l1-check-dll')!.commands.push('x');
  assert.ok(!playbookStep('l1-check-dll')!.commands.includes('x'));
});

test('containment comes before eradication and disables and uninstalls before the DLL is deleted', () => {
  const ids = playbookStepIds();
  const steps = ids.map((id) => playbookStep(id)!);
  const rank = (p: string) => (PHASES as readonly string[]).indexOf(p);
  for (let i = 1; i < steps.length; i++) assert.ok(rank(steps[i]!.phase) >= rank(steps[i - 1]!.phase), `${steps[i]!.id} is in phase order`);
  const contain = ids.indexOf('contain-disable-uninstall'), eradicate = ids.indexOf('eradicate-remove-files');
  assert.ok(contain >= 0 && eradicate > contain);

  const c = playbookStep('contain-disable-uninstall')!;
  assert.match(c.text, /Disable-TransportAgent and then Uninstall-TransportAgent/);
  assert.match(c.text, /restart[\s\S]*MSExchangeTransport/);
  assert.match(c.text, /before any of the agent's files is\s+deleted/);
  assert.match(c.text, /transport will not start/);
  const cmd = (re: RegExp) => c.commands.findIndex((x) => re.test(x));
  const dis = cmd(/^Disable-TransportAgent\b/), un = cmd(/^Uninstall-TransportAgent\b/), rs = cmd(/^Restart-Service MSExchangeTransport\b/);
  assert.ok(dis >= 0 && un > dis && rs > un, 'Disable, then Uninstall, then restart transport');
  assert.ok(!c.commands.some((x) => /Remove-Item|Move-Item|\bdel\b/i.test(x)), 'containment deletes no file');

  const e = playbookStep('eradicate-remove-files')!;
  assert.match(e.text, /after the containment step/);
  assert.ok(e.commands.some((x) => /Move-Item|Remove-Item/.test(x)));
  // no step before eradication removes or moves files
  for (const s of steps.slice(0, eradicate)) assert.ok(!s.commands.some((x) => /Remove-Item|Move-Item/.test(x)), `${s.id} removes nothing`);
});

test('no section is a placeholder', () => {
  const bad = /\b(TODO|TBD|FIXME|XXX)\b|lorem ipsum|to be written|placeholder|coming soon|^\s*(\.\.\.|…|-|n\/a)\s*$/i;
  for (const id of contentIds()) {
    const c = techniqueContent(id)!;
    for (const [path, s] of strings(c)) {
      assert.ok(!bad.test(s), `${id} ${path}: '${s.slice(0, 60)}'`);
      assert.notEqual(s.trim(), '', `${id} ${path} is empty`);
    }
  }
  // the prose fields are sentences, not stubs
  const c = full();
  const prose = [c.summary, ...c.why, ...c.how_it_works.map((h) => h.text), ...c.procedures.map((p) => p.text), ...c.detection.map((d) => d.text),
    ...c.playbook.steps.map((s) => s.text), ...c.false_positives, ...c.permissions];
  for (const p of prose) assert.ok(p.split(/\s+/).length >= 10, `prose: '${p.slice(0, 60)}'`);
});

test('the validator names the file and the key of a broken content file', () => {
  const check = (mutate: (d: Record<string, unknown>) => void, re: RegExp) => {
    const d = rawDoc();
    mutate(d);
    assert.throws(() => parseTechniqueContent(d, 'x/T1505.002.yaml'), (e: unknown) => e instanceof ContentError && /^x\/T1505\.002\.yaml: /.test(e.message) && re.test(e.message));
  };
  check((d) => { delete d['summary']; }, /summary: must be a non-empty string/);
  check((d) => { d['why'] = []; }, /why: must be a non-empty list/);
  check((d) => { d['summry'] = 'x'; }, /summry: unknown key/);
  check((d) => { (d['telemetry'] as Record<string, unknown>[])[2]!['default'] = 'maybe'; }, /telemetry\[2\]\.default: must be yes, no or partial/);
  check((d) => { (d['how_it_works'] as Record<string, unknown>[])[0]!['text'] = 'TODO: write this'; }, /how_it_works\[0\]\.text: unfinished text/);
  check((d) => { (d['mitigations'] as Record<string, unknown>[])[0]!['id'] = 'X1'; }, /mitigations\[0\]\.id: 'X1' is not an ATT&CK mitigation id/);
  check((d) => { (d['detection'] as Record<string, unknown>[])[0]!['sources'] = ['S99']; }, /detection\[0\]\.sources: 'S99' is not a tag/);
  check((d) => {
    const steps = (d['playbook'] as Record<string, unknown>)['steps'] as Record<string, unknown>[];
    const i = steps.findIndex((s) => s['id'] === 'eradicate-remove-files');
    const [e] = steps.splice(i, 1);
    steps.splice(4, 0, e!); // eradication among the L1 steps
  }, /playbook\.steps\[\d+\]\.phase: phase 't2' comes after phase 'eradication'/);
  check((d) => {
    const pb = d['playbook'] as Record<string, unknown>;
    pb['steps'] = (pb['steps'] as Record<string, unknown>[]).filter((s) => s['id'] !== 'l1-who-when');
  }, /playbook\.steps: the step 'l1-who-when' is missing/);
  check((d) => {
    const steps = (d['playbook'] as Record<string, unknown>)['steps'] as Record<string, unknown>[];
    steps[1]!['id'] = steps[0]!['id'];
  }, /duplicate step id/);
  assert.throws(() => parseTechniqueContent([], 'y.yaml'), /y\.yaml: \(document\): must be a mapping/);
});

// Our content is written in our own words: no run of 8 words matches ATT&CK's official text for
// T1505 and its sub-techniques, their mitigations, procedure examples and analytics.
test('the content does not copy ATT&CK text', { skip: SKIP_NO_CORPORA }, async () => {
  const x = await importAttack(join(CORPORA, 'attack-stix', 'enterprise-attack.json.gz'));
  const official: string[] = [];
  for (const t of Object.values(x.techniques).filter((t) => t.id === 'T1505' || t.id.startsWith('T1505.'))) {
    official.push(t.description, ...t.mitigations.map((m) => m.description), ...t.procedures.map((p) => p.description));
    for (const s of t.detection_strategies) for (const a of s.analytics) official.push(a.description, ...a.mutable_elements.map((m) => m.description));
  }
  const words = (s: string) => s.toLowerCase().replace(/\(citation:[^)]*\)/g, ' ').match(/[a-z0-9]+/g) ?? [];
  const grams = new Set<string>();
  for (const o of official) { const w = words(o); for (let i = 0; i + 8 <= w.length; i++) grams.add(w.slice(i, i + 8).join(' ')); }
  assert.ok(grams.size > 500, 'the official text was read');
  for (const id of contentIds()) {
    for (const [path, s] of strings(techniqueContent(id))) {
      const w = words(s);
      for (let i = 0; i + 8 <= w.length; i++) assert.ok(!grams.has(w.slice(i, i + 8).join(' ')), `${id} ${path} repeats ATT&CK's words: '${w.slice(i, i + 8).join(' ')}'`);
    }
  }
});
