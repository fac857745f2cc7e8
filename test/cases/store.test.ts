// The case store: migrations, upserts by stable id, triage, notes, step ticks, filters, id
// prefixes, limits; and the CLI: `tracehound hunt` recording (twice over the same evidence gives
// no duplicates), `tracehound cases list|show|set|note|export|hunts`, and a store that cannot be opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CaseStoreError, LIMITS, STATES, defaultCaseStorePath, hashInputs, openCaseStore, rulesetVersion,
  type CaseRecord, type FindingRow, type HuntRecord,
} from '../../src/cases/store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/cases/schema.js';
import { HuntRecorder } from '../../src/cases/recorder.js';
import { cli, isolateHome, jsonLines, makeFinding, tempDir } from './helpers.js';

const HOME = isolateHome();
const dir = tempDir();
let n = 0;
const newDb = () => join(dir, `s${++n}`, 'cases.db');

function rejects(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CaseStoreError, `expected a CaseStoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('migrations from empty: every table, WAL, foreign keys, the version; opening again changes nothing', () => {
  const path = newDb();
  const s = openCaseStore(path);
  assert.equal(s.schemaVersion, SCHEMA_VERSION);
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
  s.close();
  assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700, 'the folder is created private');
  assert.equal(statSync(path).mode & 0o777, 0o600, 'the database is created private');
  const db = new Database(path, { readonly: true });
  const tables = (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[]);
  assert.deepEqual(tables, ['finding_hunts', 'finding_techniques', 'findings', 'hunt_inputs', 'hunts', 'notes', 'step_ticks', 'triage', 'triage_history']);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
  const again = openCaseStore(path);
  assert.equal(again.schemaVersion, SCHEMA_VERSION);
  assert.equal(again.integrityCheck(), 'ok');
  again.close();
});

test('a database newer than the code, a foreign SQLite file and a non-database file are refused clearly', () => {
  const path = newDb();
  openCaseStore(path).close();
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  rejects(() => openCaseStore(path), 'schema-newer', new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this tracehound understands \\(${SCHEMA_VERSION}\\)`));

  const foreign = newDb();
  mkdirSync(join(foreign, '..'), { recursive: true });
  const f = new Database(foreign);
  f.exec('CREATE TABLE x (a)');
  f.close();
  rejects(() => openCaseStore(foreign), 'not-a-store', /not a tracehound case store/);

  const text = newDb();
  mkdirSync(join(text, '..'), { recursive: true });
  writeFileSync(text, 'this is not a database at all, just some text that is long enough to have a header...'.repeat(20));
  rejects(() => openCaseStore(text), 'not-a-store');
  rejects(() => openCaseStore(join(dir, 'none', 'x.db'), { mustExist: true }), 'no-store', /no case store at/);
  assert.equal(existsSync(join(dir, 'none')), false, 'mustExist creates nothing');
});

test('the default path: $TRACEHOUND_HOME/cases.db, else ~/.tracehound/cases.db', () => {
  assert.equal(defaultCaseStorePath({ TRACEHOUND_HOME: '/x/y' }), join('/x/y', 'cases.db'));
  assert.equal(defaultCaseStorePath({}), join(homedir(), '.tracehound', 'cases.db'));
  assert.equal(defaultCaseStorePath(), join(HOME, 'cases.db'));
  const s = openCaseStore();
  assert.equal(s.path, join(HOME, 'cases.db'));
  s.close();
  assert.ok(existsSync(join(HOME, 'cases.db')));
});

test('re-recording a finding updates it (count, last_seen, evidence) and links both hunts; no duplicate rows', () => {
  const s = openCaseStore(newDb());
  const h1 = s.beginHunt({ toolVersion: '1', rulesetVersion: 'r1', commandLine: ['a'] });
  assert.equal(s.recordFindings(h1, [makeFinding('aaaaaaaa00000001'), makeFinding('aaaaaaaa00000002', { severity: 'critical', score: 100 })]), 2);
  s.finishHunt(h1, { files: { total: 1, read: 1 }, events: 10, matches: 3, findings: 2 });
  const first = s.getFinding('aaaaaaaa00000001')!;
  const h2 = s.beginHunt({ toolVersion: '1', rulesetVersion: 'r1', commandLine: ['a'] });
  s.recordFindings(h2, [makeFinding('aaaaaaaa00000001', { count: 3, last_seen: '2026-11-03T00:00:00.000Z', evidence: [{ file: 'e.jsonl', kind: 'jsonl', line: 9 }] })]);
  s.finishHunt(h2, { findings: 1 });
  assert.equal(s.listFindings().length, 2);
  const r = s.getFinding('aaaaaaaa00000001')!;
  assert.equal(r.count, 3);
  assert.equal(r.last_seen, '2026-11-03T00:00:00.000Z');
  assert.deepEqual(r.evidence, [{ file: 'e.jsonl', kind: 'jsonl', line: 9 }]);
  assert.equal(r.case.recorded_at, first.case.recorded_at, 'first recorded time kept');
  assert.deepEqual(r.case.hunts.map((h) => [h.hunt_id, h.count, h.status]), [[h1, 1, 'complete'], [h2, 3, 'complete']]);
  assert.equal(s.listFindings({ huntId: h2 }).length, 1);
  assert.equal(s.listFindings({ huntId: h1 }).length, 2);
  const hunts = s.listHunts();
  assert.deepEqual(hunts.map((h) => [h.id, h.status, h.findings, h.findings_recorded]), [[h2, 'complete', 1, 1], [h1, 'complete', 2, 2]]);
  assert.equal(hunts[1]!.events, 10);
  s.close();
});

test('triage: states, history with analyst and note, notes; they survive re-recording', () => {
  const s = openCaseStore(newDb());
  const h = s.beginHunt({ toolVersion: '1', commandLine: [] });
  s.recordFindings(h, [makeFinding('bbbbbbbb00000001')]);
  assert.equal(s.getFinding('bbbbbbbb00000001')!.case.state, 'new');
  assert.deepEqual(s.setState('bbbbbbbb00000001', 'investigating', 'alice', 'DLL not in the catalogue'), { from: 'new', to: 'investigating' });
  assert.deepEqual(s.setState('bbbbbbbb00000001', 'confirmed', 'bob'), { from: 'investigating', to: 'confirmed' });
  s.addNote('bbbbbbbb00000001', 'alice', 'line one\nline two');
  s.recordFindings(h, [makeFinding('bbbbbbbb00000001', { count: 5 })]);
  s.finishHunt(h, {});
  const h2 = s.beginHunt({ toolVersion: '1', commandLine: [] });
  s.recordFindings(h2, [makeFinding('bbbbbbbb00000001', { count: 6 })]);
  const r = s.getFinding('bbbbbbbb00000001')!;
  assert.equal(r.count, 6);
  assert.equal(r.case.state, 'confirmed');
  assert.equal(r.case.state_analyst, 'bob');
  assert.deepEqual(r.case.history.map((x) => [x.analyst, x.from, x.to, x.note]), [['alice', 'new', 'investigating', 'DLL not in the catalogue'], ['bob', 'investigating', 'confirmed', null]]);
  assert.deepEqual(r.case.notes.map((x) => [x.analyst, x.text]), [['alice', 'line one\nline two']]);
  for (const st of STATES) s.setState('bbbbbbbb00000001', st, 'carol');
  assert.equal(s.getFinding('bbbbbbbb00000001')!.case.history.length, 2 + STATES.length);
  rejects(() => s.setState('bbbbbbbb00000001', 'closed' as never, 'alice'), 'bad-state', /one of new, investigating, escalated, benign, confirmed/);
  rejects(() => s.setState('nope', 'benign', 'alice'), 'unknown-id');
  rejects(() => s.addNote('nope', 'alice', 'x'), 'unknown-id');
  rejects(() => s.addNote('bbbbbbbb00000001', 'alice', '   '), 'bad-input', /empty/);
  rejects(() => s.addNote('bbbbbbbb00000001', ' ', 'x'), 'bad-input', /analyst/);
  rejects(() => s.addNote('bbbbbbbb00000001', 'a\x1b[31m', 'x'), 'bad-input', /control/);
  rejects(() => s.addNote('bbbbbbbb00000001', 'a'.repeat(LIMITS.analyst + 1), 'x'), 'too-large');
  rejects(() => s.addNote('bbbbbbbb00000001', 'alice', 'é'.repeat(LIMITS.noteBytes / 2 + 1)), 'too-large', /bytes, more than the 65536 allowed/);
  rejects(() => s.setState('bbbbbbbb00000001', 'benign', 'alice', 'x'.repeat(LIMITS.noteBytes + 1)), 'too-large');
  s.addNote('bbbbbbbb00000001', 'alice', 'x'.repeat(LIMITS.noteBytes));
  s.close();
});

test('playbook step ticks: only the finding\'s steps; the latest tick is the current one', () => {
  const s = openCaseStore(newDb());
  const h = s.beginHunt({ toolVersion: '1', commandLine: [] });
  const playbook = [{ id: 'unknown-agent-1', title: 'Disable', text: 'Disable-TransportAgent' }, { id: 'unknown-agent-2', title: 'Uninstall', text: '…' }];
  s.recordFindings(h, [makeFinding('cccccccc00000001', { playbook, rule_id: null, check: 'unknown-agent' }), makeFinding('cccccccc00000002')]);
  s.tickStep('cccccccc00000001', 'unknown-agent-1', true, 'alice');
  s.tickStep('cccccccc00000001', 'unknown-agent-2', true, 'alice');
  s.tickStep('cccccccc00000001', 'unknown-agent-2', false, 'bob');
  const steps = s.getFinding('cccccccc00000001')!.case.steps;
  assert.deepEqual(steps.map((x) => [x.step_id, x.done, x.analyst]), [['unknown-agent-1', true, 'alice'], ['unknown-agent-2', false, 'bob']]);
  rejects(() => s.tickStep('cccccccc00000001', 'other', true, 'alice'), 'bad-input', /its steps: unknown-agent-1, unknown-agent-2/);
  rejects(() => s.tickStep('cccccccc00000002', 'x', true, 'alice'), 'bad-input', /no playbook steps/);
  rejects(() => s.tickStep('nope', 'x', true, 'alice'), 'unknown-id');
  assert.equal(s.listFindings({ ruleOrCheck: 'unknown-agent' }).length, 1);
  s.close();
});

test('id prefixes: exact ids, unique prefixes of 6 or more characters, ambiguous and unknown ones', () => {
  const s = openCaseStore(newDb());
  const h = s.beginHunt({ toolVersion: '1', commandLine: [] });
  s.recordFindings(h, ['abcdef0000000001', 'abcdef1000000002', 'abc', '0123456789abcdef', 'x[*?]yz0000'].map((id) => makeFinding(id)));
  assert.equal(s.resolveId('abc'), 'abc', 'an exact id of any length');
  assert.equal(s.resolveId('abcdef0'), 'abcdef0000000001');
  assert.equal(s.resolveId('012345'), '0123456789abcdef');
  assert.equal(s.resolveId('ABCDEF1'), 'abcdef1000000002', 'hex ids are lower case');
  assert.equal(s.resolveId('x[*?]yz'), 'x[*?]yz0000', 'glob characters are literal');
  rejects(() => s.resolveId('abcdef'), 'ambiguous-id', /several findings \(abcdef0000000001, abcdef1000000002\)/);
  rejects(() => s.resolveId('01234'), 'unknown-id', /at least 6 characters/);
  rejects(() => s.resolveId('ffffff'), 'unknown-id');
  rejects(() => s.resolveId('x[*?]y*'), 'unknown-id');
  s.close();
});

test('filters: severity at least, host (short name too), state, rule or check, technique, time window, hunt, limit and offset', () => {
  const s = openCaseStore(newDb());
  const h = s.beginHunt({ toolVersion: '1', commandLine: [] });
  s.recordFindings(h, [
    makeFinding('f1', { severity: 'critical', score: 100, host: 'EXCH01.corp.example', first_seen: '2026-11-01T00:00:00.000Z', last_seen: '2026-11-01T01:00:00.000Z' }),
    makeFinding('f2', { severity: 'high', score: 80, host: 'EXCH02', rule_id: 'rule-b', first_seen: '2026-11-05T00:00:00.000Z', last_seen: '2026-11-06T00:00:00.000Z' }),
    makeFinding('f3', { severity: 'medium', score: 50, host: 'exch01_x', techniques: ['T1059'], first_seen: null, last_seen: null }),
    makeFinding('f4', { severity: 'low', score: 30, host: null, rule_id: null, check: 'unsigned' }),
  ]);
  const ids = (rows: FindingRow[]) => rows.map((r) => r.id);
  assert.deepEqual(ids(s.listFindings()), ['f1', 'f2', 'f3', 'f4'], 'most severe first');
  assert.deepEqual(ids(s.listFindings({ severity: 'high' })), ['f1', 'f2']);
  assert.deepEqual(ids(s.listFindings({ host: 'exch01' })), ['f1'], 'short name matches the FQDN, not exch01_x');
  assert.deepEqual(ids(s.listFindings({ host: 'EXCH02' })), ['f2']);
  assert.deepEqual(ids(s.listFindings({ ruleOrCheck: 'rule-b' })), ['f2']);
  assert.deepEqual(ids(s.listFindings({ ruleOrCheck: 'unsigned' })), ['f4']);
  assert.deepEqual(ids(s.listFindings({ technique: 't1059' })), ['f3']);
  assert.deepEqual(ids(s.listFindings({ from: '2026-11-02' })), ['f2', 'f4']);
  assert.deepEqual(ids(s.listFindings({ to: Date.parse('2026-11-02') })), ['f1'], 'untimed findings are outside any window');
  assert.deepEqual(ids(s.listFindings({ limit: 2, offset: 1 })), ['f2', 'f3']);
  s.setState('f3', 'escalated', 'alice');
  assert.deepEqual(ids(s.listFindings({ state: 'escalated' })), ['f3']);
  assert.deepEqual(ids(s.listFindings({ state: 'new' })), ['f1', 'f2', 'f4']);
  assert.equal(s.listFindings({ state: 'escalated' })[0]!.state_changed_at !== null, true);
  rejects(() => s.listFindings({ severity: 'severe' as never }), 'bad-input');
  rejects(() => s.listFindings({ from: 'yesterday' }), 'bad-input');
  rejects(() => s.listFindings({ limit: -1 }), 'bad-input');
  const all: CaseRecord[] = [];
  assert.equal(s.export((r) => all.push(r)), 4);
  assert.deepEqual(all.map((r) => r.id), ['f1', 'f2', 'f3', 'f4']);
  assert.equal(all[2]!.case.state, 'escalated');
  assert.equal(s.export(() => {}, { severity: 'critical' }), 1);
  s.close();
});

test('hunts: running -> complete or failed; findings only while running; bad findings and limits refused', async () => {
  const s = openCaseStore(newDb());
  const h = s.beginHunt({ toolVersion: '1', commandLine: ['x'.repeat(100)] });
  assert.equal(s.getHunt(h)!.status, 'running');
  rejects(() => s.recordFindings(h, [makeFinding('')]), 'bad-input');
  rejects(() => s.recordFindings(h, [makeFinding('ok', { severity: 'huge' as never })]), 'bad-input');
  rejects(() => s.recordFindings(h, [makeFinding('big', { fields: { x: 'y'.repeat(LIMITS.findingBytes) } })]), 'too-large');
  s.failHunt(h, new Error('disk on fire'), { events: 5 });
  const failed = s.getHunt(h)!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'disk on fire');
  assert.equal(failed.events, 5);
  rejects(() => s.recordFindings(h, [makeFinding('late')]), 'hunt-not-running');
  rejects(() => s.finishHunt(h), 'hunt-not-running');
  rejects(() => s.recordFindings(999, []), 'unknown-hunt');
  const long = s.beginHunt({ toolVersion: '1', commandLine: Array.from({ length: 10_000 }, (_, i) => `/evidence/file-${i}.evtx`) });
  const cmd = s.getHunt(long)!.command_line;
  assert.ok(cmd.length < 10_000 && /more arguments$/.test(cmd.at(-1)!), 'a huge command line is cut and marked');
  s.finishHunt(long, { problems: { samples: Array.from({ length: 100_000 }, (_, i) => ({ file: 'f', line: i, message: 'bad record' })) } });
  assert.ok(JSON.stringify(s.getHunt(long)!.problems).length <= LIMITS.problemsBytes);
  // inputs
  const ev = join(dir, 'ev');
  mkdirSync(join(ev, 'sub'), { recursive: true });
  writeFileSync(join(ev, 'a.jsonl'), 'abc');
  writeFileSync(join(ev, 'sub', 'b.bin'), Buffer.alloc(3 << 20, 7));
  const inputs = await hashInputs([ev, join(dir, 'missing')]);
  assert.deepEqual(inputs.map((i) => [i.path.slice(dir.length), i.size, i.sha256?.slice(0, 8) ?? i.error?.slice(0, 11)]),
    [['/ev/a.jsonl', 3, 'ba7816bf'], ['/ev/sub/b.bin', 3 << 20, inputs[1]!.sha256!.slice(0, 8)], ['/missing', null, 'cannot read']]);
  const h3 = s.beginHunt({ toolVersion: '1', commandLine: [] });
  s.recordInputs(h3, inputs);
  assert.deepEqual(s.getHunt(h3)!.inputs.map((i) => i.size), [3, 3 << 20, null]);
  s.close();
});

test('rulesetVersion: the rule files\' contents, not their names or order; placeholders count', () => {
  const a = join(dir, 'rules-a'), b = join(dir, 'rules-b');
  mkdirSync(a); mkdirSync(b);
  writeFileSync(join(a, '1.yml'), 'title: one\n'); writeFileSync(join(a, '2.yml'), 'title: two\n');
  writeFileSync(join(b, 'z.yaml'), 'title: one\n'); writeFileSync(join(b, 'a.yml'), 'title: two\n');
  assert.equal(rulesetVersion([a]), rulesetVersion([b]));
  assert.match(rulesetVersion([a]), /^[0-9a-f]{64}$/);
  writeFileSync(join(b, 'a.yml'), 'title: two!\n');
  assert.notEqual(rulesetVersion([a]), rulesetVersion([b]));
  assert.notEqual(rulesetVersion([a]), rulesetVersion([a], new Map([['x', ['1']]])));
});

// ---- the command line ----

const db = join(dir, 'cli', 'cases.db');
const SAMPLES = join('samples', 'demo-exchange01.jsonl');

test('tracehound hunt twice over samples/ with --db: the same findings, no duplicates; hunts complete with inputs', async () => {
  const r1 = await cli(['hunt', SAMPLES, '--db', db, '--format', 'jsonl']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stderr, /recorded as hunt 1 in the case store/);
  const printed = jsonLines<{ id: string }>(r1.out);
  assert.ok(printed.length > 0);
  const s1 = openCaseStore(db);
  const rows1 = s1.listFindings();
  assert.deepEqual(rows1.map((r) => r.id).sort(), printed.map((f) => f.id).sort(), 'the store holds what the hunt printed');
  s1.close();

  const r2 = await cli(['hunt', SAMPLES, '--db', db, '--format', 'jsonl', '--quiet']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(r2.stderr, '');
  const s = openCaseStore(db);
  assert.equal(s.listFindings().length, rows1.length, 'no duplicate findings');
  const hunts = s.listHunts();
  assert.deepEqual(hunts.map((h) => [h.id, h.status]), [[2, 'complete'], [1, 'complete']]);
  for (const h of hunts) {
    assert.equal(h.findings, rows1.length);
    assert.equal(h.findings_recorded, rows1.length);
    assert.equal(h.files_read, 1);
    assert.ok(h.events! > 0 && h.matches! > 0);
    assert.match(h.ruleset_version!, /^[0-9a-f]{64}$/);
    assert.equal(h.tool_version, JSON.parse(readFileSync('package.json', 'utf8')).version);
    assert.equal(h.command_line[0], SAMPLES);
  }
  const detail = s.getHunt(1)!;
  assert.equal(detail.inputs.length, 1);
  assert.match(detail.inputs[0]!.path, /samples[\\/]demo-exchange01\.jsonl$/);
  assert.match(detail.inputs[0]!.sha256!, /^[0-9a-f]{64}$/);
  for (const r of s.listFindings()) assert.equal(r.hunts, 2);
  s.close();
});

test('cases set / note / show / list / export / hunts; triage and notes survive a third hunt', async () => {
  const s = openCaseStore(db);
  const top = s.listFindings()[0]!;
  s.close();
  const prefix = top.id.slice(0, 6);
  let r = await cli(['cases', 'set', prefix, 'investigating', '--note', 'agent DLL unsigned', '--db', db, '--analyst', 'alice']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${top.id}: new -> investigating \\(with a note\\) by alice`));
  r = await cli(['cases', 'note', top.id, 'hash', 'sent', 'to', 'CTI', '--db', db, '--analyst', 'bob']);
  assert.equal(r.code, 0, r.stderr);

  assert.equal((await cli(['hunt', SAMPLES, '--db', db, '--quiet'])).code, 0);

  r = await cli(['cases', 'show', prefix, '--db', db, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const shown = (JSON.parse(r.out) as CaseRecord[])[0]!;
  assert.equal(shown.id, top.id);
  assert.equal(shown.case.state, 'investigating');
  assert.deepEqual(shown.case.history.map((h) => [h.analyst, h.from, h.to, h.note]), [['alice', 'new', 'investigating', 'agent DLL unsigned']]);
  assert.deepEqual(shown.case.notes.map((x) => [x.analyst, x.text]), [['bob', 'hash sent to CTI']]);
  assert.deepEqual(shown.case.hunts.map((h) => h.hunt_id), [1, 2, 3]);

  r = await cli(['cases', 'show', top.id, '--db', db, '--format', 'table']);
  assert.match(r.out, /state investigating \(alice, /);
  assert.match(r.out, /new -> investigating\n\s+agent DLL unsigned/);
  assert.match(r.out, /notes:\n.*bob\n\s+hash sent to CTI/);

  r = await cli(['cases', 'list', '--db', db, '--format', 'jsonl', '--state', 'investigating']);
  assert.deepEqual(jsonLines<FindingRow>(r.out).map((x) => [x.id, x.state, x.notes, x.hunts]), [[top.id, 'investigating', 1, 3]]);
  r = await cli(['cases', 'list', '--db', db, '--format', 'jsonl', '--severity', 'critical', '--host', 'EXCH01', '--hunt', '3']);
  const crit = jsonLines<FindingRow>(r.out);
  assert.ok(crit.length > 0 && crit.every((x) => x.severity === 'critical'));
  r = await cli(['cases', 'list', '--db', db, '--format', 'table']);
  assert.match(r.out.split('\n')[0]!, /^ID\s+STATE\s+SEVERITY/);
  r = await cli(['cases', 'list', '--db', db, '--format', 'csv', '--rule', top.rule_id ?? top.check!]);
  assert.match(r.out, /^id,state,state_changed_at,title,/);

  r = await cli(['cases', 'export', '--db', db, '--format', 'jsonl']);
  const exported = jsonLines<CaseRecord>(r.out);
  const s2 = openCaseStore(db);
  assert.equal(exported.length, s2.listFindings().length);
  s2.close();
  assert.equal(exported.find((x) => x.id === top.id)!.case.notes[0]!.text, 'hash sent to CTI');
  const csvFile = join(dir, 'export.csv');
  r = await cli(['cases', 'export', '--db', db, '--format', 'csv', '--out', csvFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(csvFile, 'utf8'), /^id,title,severity,.*,state,state_changed_at,state_analyst,history,notes,steps,hunts,/);
  r = await cli(['cases', 'export', '--db', db, '--format', 'table']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format must be one of json, jsonl, csv/);

  r = await cli(['cases', 'hunts', '--db', db, '--format', 'jsonl']);
  assert.deepEqual(jsonLines<HuntRecord>(r.out).map((h) => [h.id, h.status]), [[3, 'complete'], [2, 'complete'], [1, 'complete']]);
  r = await cli(['cases', 'hunts', '1', '--db', db, '--format', 'table']);
  assert.match(r.out, /^hunt 1 {2}complete/);
  assert.match(r.out, /[0-9a-f]{64} +\d+ +.*demo-exchange01\.jsonl/);
});

test('cases: unknown id, ambiguous prefix, short prefix, bad state, no store, newer schema -> exit 2 with a message', async () => {
  const s = openCaseStore(db);
  const h = s.beginHunt({ toolVersion: 't', commandLine: [] });
  s.recordFindings(h, [makeFinding('dddddd0000000001'), makeFinding('dddddd1000000002')]);
  s.finishHunt(h, {});
  s.close();
  const cases: [string[], RegExp][] = [
    [['cases', 'show', 'ffffffffff', '--db', db], /no finding with id 'ffffffffff'/],
    [['cases', 'show', 'dddddd', '--db', db], /'dddddd' is the start of several findings \(dddddd0000000001, dddddd1000000002\)/],
    [['cases', 'set', 'ddddd', 'benign', '--db', db], /at least 6 characters/],
    [['cases', 'set', 'dddddd0', 'closed', '--db', db], /state must be one of new, investigating, escalated, benign, confirmed; got 'closed'/],
    [['cases', 'set', 'dddddd0', '--db', db], /usage: tracehound cases set ID STATE/],
    [['cases', 'note', 'dddddd0', '--db', db], /usage: tracehound cases note ID TEXT/],
    [['cases', 'note', 'dddddd0', 'x'.repeat(LIMITS.noteBytes + 1), '--db', db, '--analyst', 'a'], /more than the 65536 allowed/],
    [['cases', 'list', '--db', join(dir, 'nope', 'cases.db')], /no case store at .*nope/],
    [['cases', 'list', '--severity', 'bad', '--db', db], /--severity must be one of/],
    [['cases', 'list', '--hunt', 'x', '--db', db], /--hunt must be a whole number/],
    [['cases', 'frobnicate'], /unknown cases command 'frobnicate'/],
    [['cases', 'hunts', '99', '--db', db], /no hunt 99/],
  ];
  for (const [args, msg] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg, args.join(' '));
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
  assert.equal(existsSync(join(dir, 'nope')), false);
  const newer = join(dir, 'newer.db');
  openCaseStore(newer).close();
  const d = new Database(newer);
  d.pragma('user_version = 99');
  d.close();
  const r = await cli(['cases', 'list', '--db', newer]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /schema version 99, newer than this tracehound/);
});

test('hunt: --no-db records nothing; the default store is under $TRACEHOUND_HOME; --db with --no-db is a usage error', async () => {
  const home = tempDir('th-home2-');
  const saved = process.env['TRACEHOUND_HOME'];
  process.env['TRACEHOUND_HOME'] = join(home, 'th');
  try {
    let r = await cli(['hunt', SAMPLES, '--no-db', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    // the rule cache may live under the home; the case store must not
    assert.equal(existsSync(join(home, 'th', 'cases.db')), false);
    r = await cli(['hunt', SAMPLES]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(home, 'th', 'cases.db')));
    assert.match(r.stderr, /recorded as hunt 1 in the case store .*th[\\/]cases\.db/);
    r = await cli(['hunt', SAMPLES, '--no-db', '--db', join(home, 'x.db')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--db and --no-db cannot be used together/);
  } finally { process.env['TRACEHOUND_HOME'] = saved; }
});

test('hunt: a store that cannot be opened gives one warning and the hunt goes on', async () => {
  const home = tempDir('th-home3-');
  writeFileSync(join(home, 'file'), 'not a folder');
  const saved = process.env['TRACEHOUND_HOME'];
  process.env['TRACEHOUND_HOME'] = join(home, 'file', 'th');
  try {
    const r = await cli(['hunt', SAMPLES, '--format', 'jsonl', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(jsonLines(r.out).length > 0, 'findings printed');
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, /^tracehound: warning: cannot create the folder of the case store .*file[\\/]th[\\/]cases\.db: ENOTDIR.*; the hunt goes on without recording it/);
  } finally { process.env['TRACEHOUND_HOME'] = saved; }
  const bad = join(home, 'garbage.db');
  writeFileSync(bad, 'x'.repeat(4096));
  const r = await cli(['hunt', SAMPLES, '--db', bad, '--quiet']);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /not a tracehound case store/);
});

test('hunt --per-event records the hunt row only; an exception during the hunt marks it failed', async () => {
  const pdb = join(dir, 'perevent', 'cases.db');
  let r = await cli(['hunt', SAMPLES, '--per-event', '--db', pdb, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  let s = openCaseStore(pdb);
  const h = s.listHunts()[0]!;
  assert.equal(h.status, 'complete');
  assert.equal(h.findings, null);
  assert.ok(h.matches! > 0);
  assert.equal(s.listFindings().length, 0);
  s.close();
  // --out naming a folder fails after the hunt has begun
  r = await cli(['hunt', SAMPLES, '--db', pdb, '--quiet', '--out', dir]);
  assert.equal(r.code, 2);
  s = openCaseStore(pdb);
  const failed = s.listHunts()[0]!;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!, /EISDIR/);
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
});

test('HuntRecorder: disabled records nothing; fail() marks the hunt failed', async () => {
  const rdb = join(dir, 'rec', 'cases.db');
  const off = new HuntRecorder({ db: rdb, disabled: true, log: () => assert.fail('no message expected') });
  await off.begin({ commandLine: [], rulePaths: [], evidence: [] });
  assert.equal(off.id, null);
  assert.equal(existsSync(rdb), false);
  const logs: string[] = [];
  const rec = new HuntRecorder({ db: rdb, log: (m) => logs.push(m) });
  await rec.begin({ commandLine: ['x'], rulePaths: [], evidence: [SAMPLES] });
  const id = rec.id!;
  rec.fail(new Error('boom'));
  rec.close();
  const s = openCaseStore(rdb);
  assert.equal(s.getHunt(id)!.status, 'failed');
  assert.equal(s.getHunt(id)!.error, 'boom');
  assert.equal(s.getHunt(id)!.inputs.length, 1);
  s.close();
  assert.equal(logs.length, 0);

  // a store error while recording: one warning, the hunt marked failed, later calls do nothing
  const rec2 = new HuntRecorder({ db: rdb, log: (m) => logs.push(m) });
  await rec2.begin({ commandLine: ['y'], rulePaths: [], evidence: [] });
  const id2 = rec2.id!;
  rec2.findings([makeFinding('ok0000000001'), makeFinding('big000000001', { fields: { x: 'y'.repeat(LIMITS.findingBytes) } })]);
  rec2.findings([makeFinding('ok0000000002')]);
  rec2.finish({ findings: 3 });
  rec2.close();
  assert.equal(logs.length, 1, logs.join('\n'));
  assert.match(logs[0]!, /^tracehound: warning: case store .*: cannot record the findings: cannot record finding big000000001: it is \d+ bytes as JSON, more than the 16777216 allowed; the hunt goes on/);
  const s2 = openCaseStore(rdb);
  assert.equal(s2.getHunt(id2)!.status, 'failed');
  assert.match(s2.getHunt(id2)!.error!, /cannot record the findings/);
  assert.equal(s2.getFinding('ok0000000001'), null, 'the batch with the bad finding is not written');
  s2.close();
});
