// The T1505.002 rule pack (rules/t1505.002/): every rule's metadata, and every rule run alone
// through the real hunt pipeline over its fixtures (rules/t1505.002/tests/<name>/{positive,negative}),
// with the default tuning placeholders (data/tuning/*.yaml). Also the public EVTX samples of the
// technique, the tuning wiring of `hunt` and `rules check`, and the placeholder-folder loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { basename, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadPlaceholderDir, loadRules } from '../../src/hunt/load-rules.js';
import { hunt, type HuntSummary } from '../../src/hunt/run.js';
import { RuleSet, type RuleHit } from '../../src/sigma/ruleset.js';
import type { CorrelationRule, SigmaDocument, SigmaRule } from '../../src/sigma/model.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACK = join(ROOT, 'rules', 't1505.002');
const FIXTURES = join(PACK, 'tests');
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-t1505-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
// `tracehound hunt` records every hunt in a case store: keep the CLI runs below out of the real home.
const HOME = join(tmp, 'home');

const PLAYBOOK_STEPS = new Set([
  'l1-verify-registrations', 'l1-check-dll', 'l1-who-when', 'l1-escalate', 't2-scope-execution', 't2-collect',
  't2-hunt-fleet', 't2-trace-mail', 'contain-disable-uninstall', 'eradicate-remove-files', 'recover-credentials',
]);
const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);
const CONFIDENCES = new Set(['low', 'medium', 'high']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FIXTURE_EXT = /\.(jsonl|json|csv|xml|evtx|log|eml)$/i;
/** Mail-flow rules match one derived event per message; in their positive fixtures the messages to match have message-ids `<hit.…>`. */
const isMailflow = (d: SigmaDocument) => d.type === 'rule' && d.logsource.product === 'exchange' && d.logsource.service === 'mailflow';
const HIT_ID = /^<hit\./;

const placeholders = loadPlaceholderDir();
const pack = loadRules([PACK], placeholders);
const ruleFilesOnDisk = fs.readdirSync(PACK).filter((f) => /\.ya?ml$/i.test(f)).sort();
const byName = new Map(pack.docs.filter((d) => d.meta.name).map((d) => [d.meta.name!, d] as const));

type Kind = 'positive' | 'negative';
function fixtureFiles(name: string, kind: Kind): string[] {
  const dir = join(FIXTURES, name, kind);
  if (!fs.existsSync(dir)) return [];
  // Subfolders too: a message's folder (Pickup, Replay) is part of the evidence.
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => FIXTURE_EXT.test(f)).sort().map((f) => join(dir, f));
}

/** The rule alone, or a correlation with the rules it refers to (recursively). */
function docsFor(doc: SigmaDocument): SigmaDocument[] {
  if (doc.type !== 'correlation') return [doc];
  const out: SigmaDocument[] = [doc];
  for (const ref of doc.rules) {
    const d = byName.get(ref) ?? pack.docs.find((x) => x.meta.id === ref);
    assert.ok(d, `${doc.meta.name} refers to ${ref}, which is not in the pack`);
    out.push(...docsFor(d));
  }
  return out;
}

interface Run { summary: HuntSummary; hits: RuleHit[]; messages: string[] }
async function run(docs: SigmaDocument[], paths: string[]): Promise<Run> {
  const ruleset = new RuleSet(docs);
  assert.deepEqual(ruleset.problems, [], 'rule set problems');
  const hits: RuleHit[] = [], messages: string[] = [];
  const summary = await hunt({ paths, ruleset, threads: 0, onHit: (h) => hits.push(h), onMessage: (m) => messages.push(String(m.fields['message_id'])) });
  return { summary, hits, messages };
}

const rel = (p: string) => relative(ROOT, p);
const eventKey = (h: RuleHit) => `${h.event.ref.file}:${h.event.ref.line ?? h.event.ref.record}`;

// ---- the pack loads, and every document is a complete rule ------------------------------------------

test('the pack loads with the default tuning: no errors, no warnings, one rule per file', () => {
  assert.deepEqual(pack.errors, [], pack.errors.map((e) => `${e.path}:${e.line}: ${e.message}`).join('\n'));
  assert.deepEqual(pack.warnings, []);
  assert.equal(pack.files, ruleFilesOnDisk.length, 'rule files outside the pack folder root (tests/ holds fixtures only)');
  assert.equal(pack.docs.length, ruleFilesOnDisk.length, 'one document per file');
  assert.ok(pack.docs.length >= 20, `only ${pack.docs.length} rules`);
  const rs = new RuleSet(pack.docs);
  assert.deepEqual(rs.problems, []);
  // Every rule reports on its own in the bundled pack (no rule is hidden by a non-generating correlation).
  for (const r of rs.rules) assert.ok(r.emit, `${r.rule.meta.name} only feeds correlations that do not generate it`);
});

test('every rule has the required metadata, unique ids and names, and known playbook steps', () => {
  const ids = new Set<string>(), names = new Set<string>();
  for (const d of pack.docs) {
    const m = d.meta, where = `${rel(d.source.path)} (${m.name ?? m.title})`;
    assert.match(m.id ?? '', UUID, `${where}: id`);
    assert.ok(!ids.has(m.id!), `${where}: duplicate id`); ids.add(m.id!);
    assert.match(m.name ?? '', /^th_[a-z0-9_]+$/, `${where}: name`);
    assert.ok(!names.has(m.name!), `${where}: duplicate name`); names.add(m.name!);
    assert.ok(m.title.length > 10 && m.title.length <= 256, `${where}: title`);
    assert.equal(m.status, 'experimental', `${where}: status`);
    assert.ok((m.description ?? '').length > 80, `${where}: description should say why it matters`);
    assert.equal(m.author, 'tracehound', `${where}: author`);
    assert.match(m.date ?? '', /^\d{4}-\d{2}-\d{2}$/, `${where}: date`);
    assert.ok((m.references ?? []).length >= 1 && m.references!.every((r) => /^https:\/\//.test(r)), `${where}: references`);
    assert.ok(m.tags.includes('attack.persistence') && m.tags.includes('attack.t1505.002'), `${where}: ATT&CK tags`);
    for (const t of m.tags) assert.match(t, /^attack\.([a-z-]+|t\d{4}(\.\d{3})?|[gs]\d{4})$/, `${where}: tag ${t}`);
    assert.ok(LEVELS.has(m.level ?? ''), `${where}: level`);
    assert.ok(CONFIDENCES.has(String(m.custom['confidence'])), `${where}: confidence`);
    assert.ok((m.falsepositives ?? []).length >= 1, `${where}: falsepositives`);
    const playbook = m.custom['playbook'];
    assert.ok(Array.isArray(playbook) && playbook.length >= 1, `${where}: playbook`);
    for (const s of playbook as unknown[]) assert.ok(typeof s === 'string' && PLAYBOOK_STEPS.has(s), `${where}: unknown playbook step ${String(s)}`);
    if (d.type === 'rule' && !isMailflow(d)) {
      assert.ok(d.logsource.product === 'windows' || d.logsource.product === 'exchange', `${where}: logsource`);
      assert.ok(d.logsource.category || d.logsource.service, `${where}: logsource category or service`);
    }
    // critical only for near-certain malice, with high confidence
    if (m.level === 'critical') assert.equal(m.custom['confidence'], 'high', `${where}: critical needs high confidence`);
    // building blocks are context: informational
    if (m.name!.endsWith('_bb')) assert.equal(m.level, 'informational', `${where}: building block level`);
  }
  // the names other code refers to are kept
  for (const n of ['th_exchange_transport_agent_cmdlet_proc', 'th_exchange_transport_worker_shell']) assert.ok(names.has(n), `${n} missing`);
});

test('every fixture folder belongs to a rule', () => {
  for (const dir of fs.readdirSync(FIXTURES)) assert.ok(byName.has(dir), `rules/t1505.002/tests/${dir} names no rule`);
});

// ---- each rule alone over its fixtures -----------------------------------------------------------

const totals = { positive: 0, negative: 0, files: 0 };

for (const doc of pack.docs) {
  const name = doc.meta.name!;
  test(`${name}: fixtures (>= 2 positive and >= 2 negative, >= 2 formats each) through the hunt pipeline`, async () => {
    const docs = docsFor(doc);
    const counted: Record<Kind, { events: number; kinds: Set<string> }> = { positive: { events: 0, kinds: new Set() }, negative: { events: 0, kinds: new Set() } };
    for (const kind of ['positive', 'negative'] as const) {
      const files = fixtureFiles(name, kind);
      assert.ok(files.length >= 1, `no ${kind} fixtures in rules/t1505.002/tests/${name}/${kind}`);
      for (const file of files) {
        const { summary, hits, messages } = await run(docs, [file]);
        const what = `${rel(file)}`;
        assert.equal(summary.files.read, 1, `${what}: not read (${JSON.stringify(summary.skipped)})`);
        assert.equal(summary.recordProblems, 0, `${what}: ${JSON.stringify(summary.problems)}`);
        assert.ok(summary.events >= 1, `${what}: no events`);
        for (const k of Object.keys(summary.eventsByKind)) counted[kind].kinds.add(k);
        if (doc.type === 'correlation') {
          // a fixture file is one sequence on one host (positive) or a near miss (negative)
          counted[kind].events++;
          const mine = summary.correlationHits.filter((h) => h.rule === doc);
          assert.equal(mine.length, kind === 'positive' ? 1 : 0, `${what}: ${mine.length} correlation hits`);
          if (kind === 'positive') {
            assert.equal(mine[0]!.rules.length, doc.rules.length, `${what}: the hit does not join every rule`);
            assert.ok(mine[0]!.host, `${what}: the hit names no host`);
          }
        } else if (isMailflow(doc)) {
          // the messages assembled from the file: those with a <hit.…> message-id match, no other does
          const expected = new Set(kind === 'positive' ? messages.filter((id) => HIT_ID.test(id)) : []);
          const matched = new Set(hits.filter((h) => h.rule === doc).map((h) => String(h.event.fields['message_id'])));
          assert.ok(messages.length > 0 && summary.mailflow, `${what}: no messages assembled`);
          assert.deepEqual([...matched].sort(), [...expected].sort(), `${what}: matched messages`);
          if (kind === 'positive') assert.ok(expected.size >= 1, `${what}: no <hit.…> message`);
          counted[kind].events += kind === 'positive' ? expected.size : messages.length;
        } else {
          counted[kind].events += summary.events;
          const matched = new Set(hits.filter((h) => h.rule === doc).map(eventKey));
          if (kind === 'positive') assert.equal(matched.size, summary.events, `${what}: ${summary.events - matched.size} of ${summary.events} positive events not matched`);
          else assert.equal(matched.size, 0, `${what}: negative events matched: ${[...matched].join(', ')}`);
        }
        totals.files++;
      }
      assert.ok(counted[kind].events >= 2, `${name}: only ${counted[kind].events} ${kind} ${doc.type === 'correlation' ? 'sequences' : 'events'}`);
      assert.ok(counted[kind].kinds.size >= 2, `${name}: ${kind} fixtures in only ${[...counted[kind].kinds].join(', ')}`);
      totals[kind] += counted[kind].events;
    }
  });
}

test('fixture totals', () => {
  // printed for the record (node --test shows diagnostics)
  assert.ok(totals.positive > 0 && totals.negative > 0);
  console.log(`# T1505.002 fixtures: ${totals.positive} positive and ${totals.negative} negative events/sequences in ${totals.files} files`);
});

// ---- the public samples ------------------------------------------------------------------------

const SAMPLES = join(CORPORA, 'evtx', 'evtx-to-mitre-attack', 'TA0003-Persistence', 'T1505-Server Software Component');

test('ID6 sample: the failed Install-TransportAgent and Enable-TransportAgent attempts (NetshHelperBeacon.dll) are reported', { skip: SKIP_NO_CORPORA }, async () => {
  const file = join(SAMPLES, 'ID6-Failed to install an Exchange transport agent.evtx');
  const { summary, hits } = await run(pack.docs, [file]);
  assert.equal(summary.events, 4);
  const failed = hits.filter((h) => h.rule.meta.name === 'th_exchange_transport_agent_cmdlet_mgmt_failed');
  assert.deepEqual(failed.map((h) => h.event.fields['EventRecordID']).sort(), [7184, 7185, 7186, 7187]);
  const data = (h: RuleHit) => h.event.fields['Data'] as string[];
  assert.deepEqual([...new Set(failed.map((h) => data(h)[0]))].sort(), ['Enable-TransportAgent', 'Install-TransportAgent']);
  for (const h of failed.filter((x) => data(x)[0] === 'Install-TransportAgent')) assert.match(data(h)[1]!, /NetshHelperBeacon\.dll/);
  assert.equal(failed[0]!.event.host, 'exchange01.offsec.lan');
  assert.equal(failed[0]!.rule.meta.level, 'high');
  // failures are not reported as successful registrations
  assert.ok(!hits.some((h) => h.rule.meta.name === 'th_exchange_transport_agent_cmdlet_mgmt'));
});

const ID11_FIXTURE = join(FIXTURES, 'th_exchange_agents_config_unexpected_writer', 'positive', 'id11-notepadpp-agents-config.jsonl');

test('ID11 sample (notepad++.exe writes agents.config): the rendering of its published fields is detected', async () => {
  const { hits } = await run(pack.docs, [ID11_FIXTURE]);
  const names = hits.map((h) => h.rule.meta.name).sort();
  assert.deepEqual(names, ['th_exchange_agents_config_unexpected_writer', 'th_exchange_agents_config_write_bb']);
  const h = hits.find((x) => x.rule.meta.name === 'th_exchange_agents_config_unexpected_writer')!;
  assert.equal(h.event.fields['Image'], 'C:\\Program Files (x86)\\Notepad++\\notepad++.exe');
  assert.equal(h.event.fields['TargetFilename'], 'E:\\Exchange2016\\TransportRoles\\Shared\\agents.config');
  assert.equal(h.event.host, 'exchange01.offsec.lan');
  assert.equal(h.rule.meta.level, 'high');
});

test('ID11 sample: the original EVTX file is detected', async (t) => {
  const file = fs.existsSync(SAMPLES) ? fs.readdirSync(SAMPLES).find((f) => /^ID11-.*\.evtx$/i.test(f)) : undefined;
  if (!file) { t.skip(`the ID11 EVTX file is not in ${SAMPLES} (only its rendering is tested)`); return; }
  const { hits } = await run(pack.docs, [join(SAMPLES, file)]);
  const h = hits.find((x) => x.rule.meta.name === 'th_exchange_agents_config_unexpected_writer');
  assert.ok(h, 'not detected');
  assert.match(String(h.event.fields['Image']), /notepad\+\+\.exe$/i);
});

// ---- tuning: the placeholder folder, hunt and rules check defaults --------------------------------

test('loadPlaceholderDir merges the folder, refuses a name defined twice (naming both files), and tolerates no folder', () => {
  const dir = join(tmp, 'tuning');
  fs.mkdirSync(dir);
  fs.writeFileSync(join(dir, 'a.yaml'), 'one: [x, y]\ntwo: z\n');
  fs.writeFileSync(join(dir, 'b.yml'), 'three: []\n');
  fs.writeFileSync(join(dir, 'notes.txt'), 'one: ignored\n');
  const merged = loadPlaceholderDir(dir) as Map<string, string[]>;
  assert.deepEqual([...merged].sort(), [['one', ['x', 'y']], ['three', []], ['two', ['z']]]);
  fs.writeFileSync(join(dir, 'c.yaml'), 'two: [again]\n');
  assert.throws(() => loadPlaceholderDir(dir), (e: Error) => e.message.includes(join(dir, 'a.yaml')) && e.message.includes(join(dir, 'c.yaml')) && e.message.includes("'two'"));
  assert.equal((loadPlaceholderDir(join(tmp, 'no-such-folder')) as Map<string, string[]>).size, 0);
  // the shipped tuning defines every placeholder the pack uses
  const used = new Set<string>();
  for (const f of ruleFilesOnDisk) for (const m of fs.readFileSync(join(PACK, f), 'utf8').matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)) used.add(m[1]!);
  const shipped = loadPlaceholderDir() as Map<string, string[]>;
  for (const u of used) assert.ok(shipped.has(u), `%${u}% is not defined in data/tuning`);
  for (const k of shipped.keys()) if (k.startsWith('t1505_')) assert.ok(used.has(k), `data/tuning defines ${k}, which no rule uses`);
});

test('an empty placeholder list matches nothing (a filter using it removes nothing)', async () => {
  const shell = byName.get('th_exchange_transport_worker_shell') as SigmaRule;
  assert.deepEqual((placeholders as Map<string, string[]>).get('t1505_transport_worker_child_commands'), []);
  const { hits } = await run([shell], [join(FIXTURES, 'th_exchange_transport_worker_shell', 'positive')]);
  assert.ok(hits.length >= 5);
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', TRACEHOUND_HOME: HOME } });
  assert.equal(r.error, undefined);
  return r;
}

test('rules check validates the pack with the default tuning; --placeholders replaces it', () => {
  const ok = cli('rules', 'check', 'rules/t1505.002', '--format', 'json', '--strict');
  assert.equal(ok.status, 0, ok.stderr);
  const s = JSON.parse(ok.stdout) as { total: number; ok: number; failed: unknown[]; warnings: unknown[] };
  assert.equal(s.total, pack.docs.length);
  assert.equal(s.ok, s.total);
  assert.deepEqual(s.failed, []);
  assert.deepEqual(s.warnings, []);
  // a replacement file without the pack's names: the rules using them are rejected, by name
  const other = join(tmp, 'other.yaml');
  fs.writeFileSync(other, 'Administrators: [admin]\n');
  const replaced = cli('rules', 'check', 'rules/t1505.002', '--format', 'json', '--placeholders', other);
  const r = JSON.parse(replaced.stdout) as { failed: { error: string }[] };
  const undefinedPlaceholder = r.failed.filter((f) => /placeholder %t1505_[a-z_]+% has no values/.test(f.error));
  assert.ok(undefinedPlaceholder.length >= 5, replaced.stdout);
  // and the correlations that refer to those rules cannot resolve them
  assert.ok(r.failed.every((f) => undefinedPlaceholder.includes(f) || /refers to unknown rule/.test(f.error)), replaced.stdout);
  // a bad placeholders file is a usage error with a message, not a crash
  const bad = join(tmp, 'bad.yaml');
  fs.writeFileSync(bad, '- just\n- a list\n');
  const b = cli('rules', 'check', 'rules/t1505.002', '--placeholders', bad);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /tracehound: placeholders: .*bad\.yaml/);
});

test('hunt loads data/tuning by default: the pack runs over its fixtures with no rule skipped', () => {
  const r = cli('hunt', 'rules/t1505.002/tests/th_exchange_transport_agent_dll_write/positive', '--rules', 'rules/t1505.002', '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /rule skipped/);
  assert.match(r.stderr, new RegExp(`${pack.docs.filter((d) => d.type === 'rule').length} rules and ${pack.docs.filter((d) => d.type === 'correlation').length} correlations loaded, 0 failed`));
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule_title: string; source: { file: string } });
  assert.ok(recs.some((x) => x.rule_title.startsWith('DLL Written Into the Exchange')));
  // with --placeholders the defaults are replaced
  const other = join(tmp, 'other-hunt.yaml');
  fs.writeFileSync(other, 'Administrators: [admin]\n');
  const replaced = cli('hunt', 'rules/t1505.002/tests/th_exchange_transport_agent_dll_write/positive', '--rules', 'rules/t1505.002', '--placeholders', other, '--format', 'jsonl');
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.match(replaced.stderr, /rule skipped: .*placeholder %t1505_/);
});

test('correlations group by Computer, which Sysmon, System and Defender events all carry', () => {
  for (const d of pack.docs.filter((x): x is CorrelationRule => x.type === 'correlation')) {
    assert.deepEqual(d.groupBy, ['Computer'], d.meta.name);
    assert.ok(d.timespan <= 86_400_000, `${d.meta.name}: window over a day`);
  }
  assert.equal(basename(ID11_FIXTURE), 'id11-notepadpp-agents-config.jsonl');
});
