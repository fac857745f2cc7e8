// Synthetic scenarios: the generator is deterministic, every file it writes reads back through our
// readers as the events the manifest lists (at the lines it gives), the formats agree, and the
// bundled rules catch every intrusion stage at its expected level while the benign week stays quiet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  DEFAULT_SEED, OUTPUT_FORMATS, SCENARIO_NAMES, generateScenario, renderScenario, writeScenarios,
  type Manifest, type ScenarioManifest, type ScenarioName, type ScenarioRecord,
} from '../../src/scenario/index.js';
import { hunt } from '../../src/hunt/run.js';
import { loadPlaceholderDir, loadRules } from '../../src/hunt/load-rules.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { levelOf } from '../../src/sigma/model.js';
import { SEVERITY_RANK } from '../../src/findings/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { packageRoot } from '../../src/util/package-root.js';
import { scenarioCommand } from '../../src/cli/scenario.js';
import { UsageError } from '../../src/cli/args.js';

const tmp = mkdtempSync(join(tmpdir(), 'th-scenario-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file under `dir`, relative and '/'-separated, sorted. */
function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(relative(base, p).split(sep).join('/'));
  }
  return out;
}

/** Scenarios generated with the default seed, once. */
const generated = new Map<ScenarioName, ReturnType<typeof generateScenario>>();
function defaultScenario(name: ScenarioName): ReturnType<typeof generateScenario> {
  let g = generated.get(name);
  if (!g) generated.set(name, (g = generateScenario(name)));
  return g;
}

const rel = (dir: string, file: string) => relative(dir, file).split(sep).join('/');
const locKey = (file: string, line: number) => `${file}:${line}`;

/** Where each record is, from the manifest: `file:line` -> record id. */
function locations(m: ScenarioManifest): Map<string, string> {
  const at = new Map<string, string>();
  for (const [id, e] of Object.entries(m.events)) for (const l of e.at) {
    assert.ok(!at.has(locKey(l.file, l.line)), `two records at ${l.file}:${l.line}`);
    at.set(locKey(l.file, l.line), id);
  }
  return at;
}

// ---- the evidence every test below reads: all scenarios, all formats, the default seed -----------

const EVIDENCE = join(tmp, 'evidence');
let manifest: Manifest;
const scenarioOf = (name: ScenarioName) => manifest.scenarios.find((s) => s.name === name)!;

before(() => {
  manifest = writeScenarios(SCENARIO_NAMES, EVIDENCE, { seed: DEFAULT_SEED });
});

// ---- determinism ------------------------------------------------------------------------------------

test('the same seed gives byte-identical files and manifest; another seed gives other bytes', () => {
  // writeScenarios twice (files and manifest), on the smallest scenario
  const a = join(tmp, 'det-a'), b = join(tmp, 'det-b');
  writeScenarios(['atomic'], a, { seed: 42 });
  writeScenarios(['atomic'], b, { seed: 42 });
  const files = listFiles(a);
  assert.deepEqual(listFiles(b), files);
  assert.ok(files.includes('manifest.json'));
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between two runs with seed 42`);
  for (const name of SCENARIO_NAMES) {
    const at42 = renderScenario(generateScenario(name, { seed: 42 }));
    const again = renderScenario(generateScenario(name, { seed: 42 }));
    assert.deepEqual(again.map((f) => f.path), at42.map((f) => f.path));
    for (const [i, f] of at42.entries()) assert.ok(f.content === again[i]!.content, `${name}: ${f.path} differs between two generations with seed 42`);
    const at43 = renderScenario(generateScenario(name, { seed: 43 }));
    const same = at42.filter((f) => at43.some((g) => g.path === f.path && g.content === f.content)).map((f) => f.path);
    assert.deepEqual(same, [], `${name}: files identical under seeds 42 and 43`);
  }
});

test('seeds are whole numbers; large ones work and differ', () => {
  assert.throws(() => generateScenario('atomic', { seed: -1 }), /seed/);
  assert.throws(() => generateScenario('atomic', { seed: 1.5 }), /seed/);
  const big = renderScenario(generateScenario('atomic', { seed: 2 ** 40 }), ['jsonl']).map((f) => f.content).join('');
  const big2 = renderScenario(generateScenario('atomic', { seed: 2 ** 40 + 1 }), ['jsonl']).map((f) => f.content).join('');
  assert.notEqual(big, big2);
});

// ---- read back ------------------------------------------------------------------------------------

const EVERYTHING_ID = '5c0e7a1e-0000-4000-8000-000000000001';
const EVERYTHING = `title: Every scenario record
id: ${EVERYTHING_ID}
status: test
logsource:
  product: windows
detection:
  keywords:
    - corp.example
  condition: keywords
level: informational
`;

/**
 * One hunt per scenario folder, shared by the tests below: the bundled rules (with the tuning
 * placeholders, as the hunt command loads them) plus a rule that matches every record. The
 * latter's hits give every event read, by location; the others are the detections.
 */
interface HuntResult {
  events: Map<string, Event>;
  summary: Awaited<ReturnType<typeof hunt>>;
  ruleErrors: string[];
  /** per location: the highest level of a bundled rule (or correlation) that matched, and which */
  best: Map<string, { rank: number; rules: Set<string> }>;
  hits: { title: string; level: string; loc: string }[];
  correlations: { title: string; level: string; events: string[] }[];
}
const hunts = new Map<ScenarioName, Promise<HuntResult>>();
function huntScenario(name: ScenarioName): Promise<HuntResult> {
  let p = hunts.get(name);
  if (!p) hunts.set(name, (p = runHunt(name)));
  return p;
}
async function runHunt(name: ScenarioName): Promise<HuntResult> {
  const ruleFile = join(tmp, 'everything.yml');
  writeFileSync(ruleFile, EVERYTHING);
  const bundled = loadRules([join(packageRoot(), 'rules')], loadPlaceholderDir());
  const everything = loadRules([ruleFile]);
  assert.deepEqual(everything.errors, []);
  const ruleset = new RuleSet([...bundled.docs, ...everything.docs]);
  const ruleErrors = [...bundled.errors.map((e) => `${e.path}:${e.line}: ${e.message}`), ...ruleset.problems.map((p) => `${p.path}: ${p.message}`)];
  const events = new Map<string, Event>();
  const best = new Map<string, { rank: number; rules: Set<string> }>();
  const note = (loc: string, rank: number, rule: string) => {
    const b = best.get(loc) ?? { rank: -1, rules: new Set<string>() };
    b.rank = Math.max(b.rank, rank);
    b.rules.add(rule);
    best.set(loc, b);
  };
  const hits: HuntResult['hits'] = [];
  const summary = await hunt({
    paths: [join(EVIDENCE, name)], ruleset, threads: 0,
    onHit: (h) => {
      const loc = locKey(rel(EVIDENCE, h.event.ref.file), h.event.ref.line ?? -1);
      if (h.rule.meta.id === EVERYTHING_ID) {
        assert.ok(!events.has(loc), `two events read at ${loc}`);
        events.set(loc, h.event);
        return;
      }
      const level = levelOf(h.rule.meta);
      note(loc, SEVERITY_RANK[level], `${h.rule.meta.title} (${level})`);
      hits.push({ title: h.rule.meta.title ?? '?', level, loc });
    },
  });
  const correlations = summary.correlationHits.map((c) => {
    const level = levelOf(c.rule.meta);
    const evs = c.events.map((e) => locKey(rel(EVIDENCE, e.ref.file), e.ref.line ?? -1));
    for (const loc of evs) note(loc, SEVERITY_RANK[level], `⛓ ${c.rule.meta.title} (${level})`);
    return { title: c.rule.meta.title ?? '?', level, events: evs };
  });
  return { events, summary, ruleErrors, best, hits, correlations };
}

const str = (v: FieldValue | undefined): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

for (const name of SCENARIO_NAMES) {
  test(`${name}: every file reads back cleanly, as the records the manifest lists at the lines it gives`, async () => {
    const m = scenarioOf(name);
    const { events, summary } = await huntScenario(name);
    assert.deepEqual(summary.unreadable, []);
    assert.deepEqual(summary.skipped, []);
    assert.deepEqual(summary.problems, [], summary.problems.slice(0, 5).map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    assert.equal(summary.recordProblems, 0);
    assert.equal(summary.files.read, m.files.length);
    const inFiles = m.files.reduce((n, f) => n + f.records, 0);
    assert.equal(summary.events, inFiles, 'events read = records the manifest counts in its files');
    assert.equal(events.size, inFiles, 'every event read once');
    // each family of formats holds every record once
    const win = Object.values(m.events).filter((e) => !e.source.startsWith('Device')).length;
    const def = Object.values(m.events).length - win;
    const count = (fmt: string) => m.files.filter((f) => f.format === fmt).reduce((n, f) => n + f.records, 0);
    assert.equal(count('jsonl'), win);
    assert.equal(count('xml'), win);
    assert.equal(count('defender-csv'), def);
    assert.equal(count('defender-json'), def);
    assert.equal(m.records, win + def);
    for (const f of m.files) {
      assert.equal(createHash('sha256').update(readFileSync(join(EVIDENCE, ...f.path.split('/')))).digest('hex'), f.sha256, `${f.path}: sha256`);
    }
    // the manifest's locations are exactly the events read, and each is the record it names
    const at = locations(m);
    assert.deepEqual([...events.keys()].sort(), [...at.keys()].sort());
    for (const [loc, ev] of events) {
      const id = at.get(loc)!;
      const me = m.events[id]!;
      assert.equal(ev.time, Date.parse(me.time), `${loc} (${id}): time`);
      if ('EventRecordID' in me.key) {
        assert.equal(str(ev.fields['EventRecordID']), String(me.key['EventRecordID']), `${loc} (${id}): EventRecordID`);
        assert.equal(ev.fields['Channel'], me.key['Channel'], `${loc}: Channel`);
        assert.equal(ev.fields['Computer'], me.key['Computer'], `${loc}: Computer`);
        assert.equal(str(ev.fields['EventID']), String(me.key['EventID']), `${loc}: EventID`);
        assert.ok(ev.logsource.product === 'windows' && ev.logsource.service, `${loc}: a Windows service (${JSON.stringify(ev.logsource)})`);
      } else {
        assert.equal(str(ev.fields['ReportId']), String(me.key['ReportId']), `${loc} (${id}): ReportId`);
        assert.equal(ev.fields['ActionType'], me.key['ActionType'], `${loc}: ActionType`);
        assert.equal(ev.fields['DeviceName'], me.key['DeviceName'], `${loc}: DeviceName`);
        assert.ok(ev.logsource.category, `${loc}: a Defender table's category`);
      }
    }
    // JSON lines and event XML give the same fields; so do Defender CSV and JSON
    const norm = (e: Event) => Object.fromEntries(Object.entries(e.fields).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, Array.isArray(v) ? v.map(str) : str(v)]));
    for (const [id, me] of Object.entries(m.events)) {
      assert.equal(me.at.length, 2, `${id}: one location per format of its family`);
      const [a, b] = me.at.map((l) => norm(events.get(locKey(l.file, l.line))!));
      if (JSON.stringify(a) !== JSON.stringify(b)) assert.deepEqual(b, a, `${id}: ${me.at[0]!.file} and ${me.at[1]!.file} disagree`);
    }
  });
}

test('manifests: stages name their events and minimum levels; the benign week has none', () => {
  for (const name of SCENARIO_NAMES) {
    const m = scenarioOf(name);
    assert.deepEqual(m.formats, [...OUTPUT_FORMATS]);
    for (const s of m.stages) {
      assert.ok(['medium', 'high', 'critical'].includes(s.expectedMinLevel), s.id);
      assert.ok(s.events.length > 0, `${s.id}: no events`);
      for (const id of s.events) assert.equal(m.events[id]?.stage, s.id, `${s.id}: ${id}`);
    }
    const staged = Object.values(m.events).filter((e) => e.stage).length;
    assert.equal(staged, m.stages.reduce((n, s) => n + s.events.length, 0));
  }
  assert.equal(scenarioOf('benign-week').benign, true);
  assert.deepEqual(scenarioOf('benign-week').stages, []);
  assert.ok(Object.values(scenarioOf('benign-week').events).every((e) => !e.stage && !e.context));
  assert.equal(scenarioOf('lightneuron').stages.length, 17);
  assert.equal(scenarioOf('atomic').stages.length, 3);
  // the benign week has hundreds of events a day
  const perDay = Object.keys(scenarioOf('benign-week').events).length / 7;
  assert.ok(perDay >= 200 && perDay <= 1000, `${perDay} events a day`);
});

test('what the scenarios model: local snap-in successes are not logged, failures are; the timeline is realistic', () => {
  const atomic = defaultScenario('atomic');
  const mgmt = atomic.records.filter((r) => r.kind === 'windows' && r.channel === 'MSExchange Management' && r.tag.stage);
  assert.deepEqual(mgmt.map((r) => r.kind === 'windows' && r.eventId), [6, 6], 'the failed run: two ID 6; the successful run: none');
  for (const r of mgmt) assert.ok(r.kind === 'windows' && 'unnamed' in r.data && r.data.unnamed.length === 27);
  const verbose = generateScenario('atomic', { cmdletSuccessLogging: true });
  const ids = verbose.records.filter((r) => r.kind === 'windows' && r.channel === 'MSExchange Management' && r.tag.stage).map((r) => r.kind === 'windows' && r.eventId);
  assert.deepEqual(ids, [6, 6, 3, 3, 3, 3]);
  const ln = defaultScenario('lightneuron');
  const first = (stage: string) => Math.min(...ln.records.filter((r) => r.tag.stage === stage).map((r) => r.time));
  const minutes = (a: string, b: string) => (first(b) - first(a)) / 60_000;
  assert.ok(minutes('ln-01-tools-on-workstation', 'ln-02-smb-copy-commands') >= 1);
  assert.ok(minutes('ln-02-smb-copy-commands', 'ln-05-wmiprvse-runs-installer') >= 5, 'five copies a minute apart, then WMI');
  assert.ok(minutes('ln-05-wmiprvse-runs-installer', 'ln-14-c2-command-execution') >= 60, 'commands by mail hours later');
  assert.ok(minutes('ln-14-c2-command-execution', 'ln-17-exfiltration-reply') >= 12 * 60, 'exfiltration the next morning');
});

// ---- detection --------------------------------------------------------------------------------------

/** The interesting fields of a record, for messages to the rule author. */
function describe(r: ScenarioRecord): string {
  const cut = (s: string, n = 260) => (s.length > n ? `${s.slice(0, n)}…` : s).replace(/\r?\n/g, '⏎');
  if (r.kind === 'defender') {
    const keys = ['ActionType', 'FolderPath', 'ProcessCommandLine', 'InitiatingProcessFolderPath', 'InitiatingProcessCommandLine', 'RegistryKey', 'RegistryValueName', 'RegistryValueData', 'RequestProtocol', 'RequestSourceIP', 'RequestAccountName', 'AccountName'];
    return `${r.table} ` + keys.filter((k) => r.row[k] !== '' && r.row[k] !== undefined).map((k) => `${k}=${cut(String(r.row[k]))}`).join('; ');
  }
  const src = `${r.channel} ${r.eventId}`;
  if ('unnamed' in r.data) return `${src} Provider=${r.provider.name} Data=${cut(JSON.stringify(r.data.unnamed.slice(0, 2).concat(r.data.unnamed[11] ? [r.data.unnamed[11]] : [])), 400)}`;
  const pick: Record<string, string[]> = {
    'Microsoft-Windows-Sysmon/Operational': ['Image', 'CommandLine', 'ParentImage', 'User', 'TargetFilename', 'ImageLoaded', 'Signed', 'SignatureStatus', 'TargetObject', 'Details', 'EventType'],
    Security: ['NewProcessName', 'CommandLine', 'ParentProcessName', 'SubjectUserName', 'TargetUserName', 'LogonType', 'IpAddress'],
    'Microsoft-Windows-PowerShell/Operational': ['ScriptBlockText', 'Path', 'Payload'],
    System: ['param1', 'param2'],
  };
  const named = new Map(r.data.named);
  return `${src} ` + (pick[r.channel] ?? [...named.keys()]).filter((k) => named.has(k)).map((k) => `${k}=${cut(String(named.get(k)))}`).join('; ');
}

async function detect(name: ScenarioName): Promise<HuntResult> {
  const r = await huntScenario(name);
  assert.deepEqual(r.ruleErrors, [], 'the bundled rules load and compile');
  return r;
}

for (const name of ['lightneuron', 'atomic'] as const) {
  test(`${name}: every stage has an event that a bundled rule of at least the stage's level catches`, async (t) => {
    const m = scenarioOf(name);
    assert.equal(m.seed, DEFAULT_SEED);
    const records = new Map(defaultScenario(name).records.map((r) => [r.id, r]));
    const d = await detect(name);
    const uncovered: string[] = [];
    for (const s of m.stages) {
      let rank = -1;
      const rules = new Set<string>();
      // which telemetry (Windows event logs, Defender exports) the stage is caught in at its level
      const families = new Map<string, boolean>();
      for (const id of s.events) for (const l of m.events[id]!.at) {
        const family = m.events[id]!.source.startsWith('Device') ? 'Defender' : 'Windows logs';
        const b = d.best.get(locKey(l.file, l.line));
        families.set(family, (families.get(family) ?? false) || (!!b && b.rank >= SEVERITY_RANK[s.expectedMinLevel]));
        if (!b) continue;
        if (b.rank > rank) rank = b.rank;
        for (const r of b.rules) rules.add(r);
      }
      if (rank >= SEVERITY_RANK[s.expectedMinLevel]) {
        const missed = [...families].filter(([, ok]) => !ok).map(([f]) => f);
        t.diagnostic(`${s.id} (${s.expectedMinLevel}): ${[...rules].join(', ')}${missed.length ? ` — not caught at that level in: ${missed.join(', ')}` : ''}`);
        continue;
      }
      const evs = s.events.map((id) => `    ${id} ${m.events[id]!.at.map((l) => `${l.file}:${l.line}`).join(' ')}\n      ${describe(records.get(id)!)}`);
      uncovered.push(`  ${s.id}: expected ${s.expectedMinLevel}, got ${rank < 0 ? 'no match' : `at most ${Object.keys(SEVERITY_RANK).find((k) => SEVERITY_RANK[k as keyof typeof SEVERITY_RANK] === rank)} (${[...rules].join(', ')})`}\n  ${s.description}\n${evs.join('\n')}`);
    }
    assert.equal(uncovered.length, 0, `${uncovered.length} of ${m.stages.length} ${name} stages are not caught at their level (seed ${m.seed}; tracehound scenario ${name} --out DIR):\n${uncovered.join('\n\n')}`);
  });
}

test('benign-week: no high or critical rule match and no correlation match', async () => {
  const m = scenarioOf('benign-week');
  assert.equal(m.seed, DEFAULT_SEED);
  const records = new Map(defaultScenario('benign-week').records.map((r) => [r.id, r]));
  const at = locations(m);
  const d = await detect('benign-week');
  // one line per event (it is in two formats), with the rules and where
  const loud = new Map<string, { rules: Set<string>; locs: Set<string> }>();
  for (const h of d.hits) {
    if (SEVERITY_RANK[h.level as keyof typeof SEVERITY_RANK] < SEVERITY_RANK.high) continue;
    const id = at.get(h.loc)!;
    const l = loud.get(id) ?? { rules: new Set(), locs: new Set() };
    l.rules.add(`${h.level} ${h.title}`);
    l.locs.add(h.loc);
    loud.set(id, l);
  }
  const lines = [...loud].map(([id, l]) => `  ${id} ${[...l.rules].join(' + ')}\n      at ${[...l.locs].join(' ')}\n      ${describe(records.get(id)!)}`);
  const corr = d.correlations.map((c) => `  ${c.level} ⛓ ${c.title}: ${c.events.map((l) => `${l} (${describe(records.get(at.get(l)!)!)})`).join(' | ')}`);
  const all = [...lines, ...corr];
  assert.equal(all.length, 0, `the benign week (seed ${m.seed}) has ${loud.size} events with high or critical matches and ${corr.length} correlation matches:\n${all.join('\n')}`);
});

// ---- command line -----------------------------------------------------------------------------------

test('tracehound scenario writes the chosen formats and a manifest; bad arguments are usage errors', async () => {
  const out = join(tmp, 'cli');
  assert.equal(await scenarioCommand(['atomic', '--out', out, '--seed', '3', '--formats', 'jsonl,defender-csv', '-q']), 0);
  const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(m.seed, 3);
  assert.deepEqual(m.formats, ['jsonl', 'defender-csv']);
  assert.deepEqual(m.scenarios.map((s) => s.name), ['atomic']);
  const files = listFiles(out);
  assert.ok(files.every((f) => f === 'manifest.json' || f.endsWith('.jsonl') || f.endsWith('.csv')), files.join(', '));
  assert.deepEqual(files.filter((f) => f !== 'manifest.json'), m.scenarios[0]!.files.map((f) => f.path).sort());
  // same as the library
  const lib = renderScenario(generateScenario('atomic', { seed: 3 }), ['jsonl', 'defender-csv']);
  for (const f of lib) assert.equal(readFileSync(join(out, ...f.path.split('/')), 'utf8'), f.content);
  const write = process.stdout.write;
  let help = '';
  process.stdout.write = ((s: string) => { help += s; return true; }) as typeof process.stdout.write;
  try { assert.equal(await scenarioCommand(['--help']), 0); } finally { process.stdout.write = write; }
  assert.match(help, /usage: tracehound scenario NAME\.\.\. --out DIR/);
  // a usage error writes nothing
  const refused = join(tmp, 'cli-refused');
  for (const bad of [
    ['nope', '--out', refused], ['atomic'], ['--out', refused], ['atomic', '--out', refused, '--seed', '-1'], ['atomic', '--out', refused, '--seed', 'x'],
    ['atomic', '--out', refused, '--formats', 'evtx'], ['atomic', '--out', refused, '--formats', ','], ['atomic', '--out', refused, '--bogus'],
  ]) await assert.rejects(scenarioCommand(bad), UsageError, bad.join(' '));
  assert.ok(!existsSync(refused), 'a refused command created its output folder');
});

test('a hunt over a folder holding the manifest does not take the manifest for a Windows event', async () => {
  const loaded = loadRules([join(packageRoot(), 'rules')], loadPlaceholderDir());
  let fromManifest = 0;
  await hunt({
    paths: [join(EVIDENCE, 'manifest.json')], ruleset: new RuleSet(loaded.docs), threads: 0,
    onHit: () => { fromManifest++; },
  });
  assert.equal(fromManifest, 0);
});
