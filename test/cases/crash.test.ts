// Crash safety and concurrency of the case store, with real processes: a writer killed (SIGKILL)
// in the middle of writing findings, a real `tracehound hunt` killed mid-hunt, hunts whose process
// is gone or whose pid was reused, and `cases` commands and store reads while another process writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { openCaseStore, RECORD_BATCH } from '../../src/cases/store.js';
import { processIdentity } from '../../src/cases/process.js';
import { ROOT, cli, isolateHome, jsonLines, makeFinding, tempDir } from './helpers.js';

isolateHome();
const dir = tempDir('th-crash-');
let n = 0;
const newDb = () => join(dir, `c${++n}.db`);

/** A child's standard output, line by line, with a way to wait for a line. */
function lines(child: ChildProcessWithoutNullStreams) {
  const seen: string[] = [];
  const waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    seen.push(l);
    for (const w of [...waiters]) if (w.test(l)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(l); }
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    seen,
    get stderr() { return stderr; },
    exited,
    waitFor(test: (l: string) => boolean, ms = 60_000): Promise<string> {
      const hit = seen.find(test);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting; stdout so far: ${seen.slice(-5).join(' | ')}; stderr: ${stderr}`)), ms);
        waiters.push({ test, resolve: (l) => { clearTimeout(t); resolve(l); } });
        void exited.then((code) => { clearTimeout(t); reject(new Error(`child exited (${code}) before the line came; stderr: ${stderr}`)); });
      });
    },
  };
}

function writer(db: string, batch: number, maxSeconds = 60, pauseMs = 0) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/cases/writer.ts', db, String(batch), String(maxSeconds), String(pauseMs)], { cwd: ROOT });
  return { child, out: lines(child) };
}

/** An earlier, complete hunt with triage state, history and notes. */
function earlierHunt(db: string): number {
  const s = openCaseStore(db);
  const h = s.beginHunt({ toolVersion: 't', commandLine: ['earlier'] });
  s.recordFindings(h, [makeFinding('e100000000000001'), makeFinding('e200000000000002', { severity: 'critical', score: 100 })]);
  s.finishHunt(h, { findings: 2 });
  s.setState('e100000000000001', 'escalated', 'alice', 'before the crash');
  s.addNote('e200000000000002', 'bob', 'kept across the crash');
  s.close();
  return h;
}

function checkEarlier(db: string, h: number): void {
  const s = openCaseStore(db);
  assert.equal(s.getHunt(h)!.status, 'complete');
  assert.equal(s.getHunt(h)!.findings_recorded, 2);
  const e1 = s.getFinding('e100000000000001')!;
  assert.equal(e1.case.state, 'escalated');
  assert.deepEqual(e1.case.history.map((x) => [x.analyst, x.to, x.note]), [['alice', 'escalated', 'before the crash']]);
  assert.deepEqual(s.getFinding('e200000000000002')!.case.notes.map((x) => x.text), ['kept across the crash']);
  s.close();
}

test('a writer killed with SIGKILL while writing findings: earlier hunts and triage intact, its hunt incomplete, whole batches only, integrity ok', async () => {
  const batch = RECORD_BATCH;
  for (const extraMs of [0, 37, 113]) {
    const db = newDb();
    const earlier = earlierHunt(db);
    const { child, out } = writer(db, batch);
    const hunt = Number((await out.waitFor((l) => l.startsWith('hunt '))).slice(5));
    await out.waitFor((l) => l === 'batch 3');
    if (extraMs) await new Promise((r) => setTimeout(r, extraMs));
    child.kill('SIGKILL');
    await out.exited;

    const s = openCaseStore(db);
    assert.deepEqual(s.recovered.map((r) => r.id), [hunt], 'the killed hunt is found on the next open');
    const h = s.getHunt(hunt)!;
    assert.equal(h.status, 'incomplete');
    assert.match(h.error!, new RegExp(`process ${child.pid} on .* ended before the hunt finished`));
    assert.equal(s.integrityCheck(), 'ok');
    // Each batch is one transaction: the hunt holds whole batches (the first batch's ids come back in later ones).
    const perLater = batch - batch / 10;
    const k = (h.findings_recorded - batch) / perLater + 1;
    assert.ok(Number.isInteger(k) && k >= 3, `${h.findings_recorded} findings is not a whole number of batches`);
    assert.equal(s.listFindings().length, 2 + h.findings_recorded);
    s.close();
    checkEarlier(db, earlier);
    // the next open finds nothing more to mark
    const again = openCaseStore(db);
    assert.deepEqual(again.recovered, []);
    again.close();
  }
});

test('a real `tracehound hunt` killed with SIGKILL mid-hunt is marked incomplete; earlier hunts and triage intact', async () => {
  const db = newDb();
  const evidence = join(dir, 'big.jsonl');
  const demo = readFileSync(join(ROOT, 'samples', 'demo-exchange01.jsonl'));
  writeFileSync(evidence, Buffer.concat(Array.from({ length: 8000 }, () => demo)));
  const first = await cli(['hunt', join(ROOT, 'samples'), '--db', db, '--quiet']);
  assert.equal(first.code, 0, first.stderr);
  const s0 = openCaseStore(db);
  const top = s0.listFindings()[0]!;
  s0.setState(top.id, 'confirmed', 'alice', 'seen on the server');
  s0.close();

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'hunt', evidence, '--db', db, '--quiet', '--out', join(dir, 'big.out')], { cwd: ROOT });
  const out = lines(child);
  let running: number | undefined;
  const until = Date.now() + 60_000;
  while (running === undefined && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    // Reading while the hunt runs must not mark it incomplete: its process is alive.
    const s = openCaseStore(db);
    // running, with its inputs hashed and recorded: the hunt is reading the evidence
    running = s.listHunts().find((h) => h.status === 'running' && h.pid === child.pid && s.getHunt(h.id)!.inputs.length > 0)?.id;
    assert.deepEqual(s.recovered, []);
    s.close();
  }
  assert.ok(running !== undefined, `the hunt never showed as running; stderr: ${out.stderr}`);
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGKILL');
  await out.exited;

  const s = openCaseStore(db);
  assert.deepEqual(s.recovered.map((r) => r.id), [running]);
  const h = s.getHunt(running)!;
  assert.equal(h.status, 'incomplete');
  assert.equal(h.finished_at, null);
  assert.equal(h.inputs.length, 1);
  assert.equal(h.inputs[0]!.size, demo.length * 8000);
  assert.equal(s.getHunt(1)!.status, 'complete');
  const f = s.getFinding(top.id)!;
  assert.equal(f.case.state, 'confirmed');
  assert.equal(f.case.history[0]!.note, 'seen on the server');
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
  const r = await cli(['cases', 'hunts', '--db', db, '--format', 'jsonl']);
  assert.deepEqual(jsonLines<{ id: number; status: string }>(r.out).map((x) => [x.id, x.status]), [[running, 'incomplete'], [1, 'complete']]);
});

test('running hunts: a gone process or a reused pid -> incomplete; a live process or another host -> left running', () => {
  const db = newDb();
  openCaseStore(db).close();
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const goneId = Number(gone.stdout);
  const raw = new Database(db);
  const ins = raw.prepare(`INSERT INTO hunts (started_at, status, tool_version, command_line, pid, host_name, process_start) VALUES (?, 'running', 't', '[]', ?, ?, ?)`);
  const old = '2000-01-01T00:00:00.000Z';
  const deadHunt = Number(ins.run(old, goneId, hostname(), null).lastInsertRowid);
  const reused = Number(ins.run(old, process.pid, hostname(), 'another-boot:12345').lastInsertRowid);
  const live = Number(ins.run(new Date().toISOString(), process.pid, hostname(), processIdentity(process.pid)).lastInsertRowid);
  const elsewhere = Number(ins.run(old, goneId, 'some-other-host.example', null).lastInsertRowid);
  raw.close();

  const s = openCaseStore(db);
  const status = (id: number) => s.getHunt(id)!.status;
  assert.equal(status(deadHunt), 'incomplete');
  assert.equal(status(reused), 'incomplete', 'the pid is alive but belongs to a process that started after the hunt');
  assert.match(s.getHunt(reused)!.error!, /now belongs to a later process/);
  assert.equal(status(live), 'running');
  assert.equal(status(elsewhere), 'running', 'a process on another host cannot be checked from here');
  assert.deepEqual(s.recovered.map((r) => r.id).sort(), [deadHunt, reused].sort());
  s.close();
});

test('cases commands and store reads while another process writes findings: none fails', async () => {
  const db = newDb();
  earlierHunt(db);
  const { child, out } = writer(db, 50, 120, 5);
  const hunt = Number((await out.waitFor((l) => l.startsWith('hunt '))).slice(5));
  await out.waitFor((l) => l === 'batch 1');

  const started = Date.now();
  let rounds = 0;
  let seenBefore = -1;
  let grew = 0;
  const states = ['investigating', 'escalated', 'benign'] as const;
  while (Date.now() - started < 3000 || rounds < 10) {
    const s = openCaseStore(db, { mustExist: true });
    const rows = s.listFindings({ limit: 20 });
    assert.ok(rows.length > 0);
    assert.ok(s.getFinding(rows[rows.length - 1]!.id));
    const h = s.getHunt(hunt)!;
    assert.equal(h.status, 'running', 'a reader never marks a live writer incomplete');
    if (seenBefore >= 0 && h.findings_recorded > seenBefore) grew++;
    seenBefore = h.findings_recorded;
    let exported = 0;
    s.export(() => { exported++; }, { severity: 'critical', limit: 100 });
    assert.ok(exported > 0);
    // a second writer: triage changes while the hunt writes
    s.setState('e100000000000001', states[rounds % states.length]!, 'carol', `round ${rounds}`);
    s.close();

    const list = await cli(['cases', 'list', '--db', db, '--format', 'jsonl', '--severity', 'high', '--limit', '100']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(jsonLines(list.out).length > 0);
    const show = await cli(['cases', 'show', 'e1000000', '--db', db, '--format', 'json']);
    assert.equal(show.code, 0, show.stderr);
    const hunts = await cli(['cases', 'hunts', '--db', db, '--format', 'json']);
    assert.equal(hunts.code, 0, hunts.stderr);
    rounds++;
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(child.exitCode === null, `the writer stopped early: ${out.stderr}`);
  child.stdin.write('stop\n');
  assert.equal(await out.exited, 0, out.stderr);
  assert.ok(grew >= 2, `the writer's findings grew while we read (${grew} times in ${rounds} rounds)`);

  const s = openCaseStore(db);
  assert.equal(s.getHunt(hunt)!.status, 'complete');
  assert.equal(s.getFinding('e100000000000001')!.case.history.length, 1 + rounds);
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
});

test('four processes opening a new store at once: one migrates, all write their hunts', async () => {
  const db = newDb();
  const ws = Array.from({ length: 4 }, () => writer(db, 50, 1, 5));
  const codes = await Promise.all(ws.map((w) => w.out.exited));
  assert.deepEqual(codes, [0, 0, 0, 0], ws.map((w) => w.out.stderr).join('\n'));
  const s = openCaseStore(db);
  const hunts = s.listHunts();
  assert.equal(hunts.length, 4);
  assert.ok(hunts.every((h) => h.status === 'complete' && h.findings_recorded > 0));
  assert.equal(s.integrityCheck(), 'ok');
  s.close();
});
