// `tracehound rules convert` and `tracehound export` end to end: output contract, formats, exit
// codes; a Parquet export queried in DuckDB with the SQL the T1505.002 rules convert to gives the
// hunt's own matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const HOME = fs.mkdtempSync(join(os.tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-conv-'));
process.on('exit', () => { fs.rmSync(tmp, { recursive: true, force: true }); fs.rmSync(HOME, { recursive: true, force: true }); });

function th(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.error, undefined);
  return r;
}

const RULES = join('rules', 't1505.002');
const SAMPLE = join('samples', 'demo-exchange01.jsonl');

test('rules convert --format jsonl: one {"rule_id","title","target","query"} or {...,"error"} per rule', () => {
  for (const target of ['sql', 'kql', 'spl', 'esql', 'eql']) {
    const r = th('rules', 'convert', '--to', target, RULES, '--format', 'jsonl');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.length >= 20, `${target}: one line per rule`);
    for (const l of lines) {
      const keys = Object.keys(l);
      assert.ok(keys.join() === 'rule_id,title,target,query' || keys.join() === 'rule_id,title,target,error', `${target}: ${keys.join()}`);
      assert.equal(l['target'], target);
    }
    // every rule converts, but those reading the messages the hunt assembles (exchange/mailflow), which say why not
    const refused = lines.filter((l) => typeof l['error'] === 'string' && /logsource exchange\/mailflow/.test(l['error'] as string));
    assert.equal(refused.length, 6, `${target}: the mail-flow rules are refused`);
    if (target === 'sql' || target === 'kql') assert.ok(lines.every((l) => typeof l['query'] === 'string' || refused.includes(l)), `${target}: every other T1505.002 rule converts`);
    assert.match(r.stderr, new RegExp(`rules: \\d+ converted to ${target}`));
  }
});

test('rules convert: json summary, table, query pack, usage errors', () => {
  const j = th('rules', 'convert', '--to', 'spl', RULES, '--format', 'json');
  assert.equal(j.status, 0);
  const doc = JSON.parse(j.stdout) as { target: string; total: number; converted: number; failed: number; reasons: Record<string, number>; rules: unknown[] };
  assert.equal(doc.target, 'spl');
  assert.equal(doc.converted + doc.failed, doc.total);
  assert.equal(doc.rules.length, doc.total);
  const pack = th('rules', 'convert', '--to', 'kql', RULES, '--pack', '--out', join(tmp, 'pack.kql'));
  assert.equal(pack.status, 0, pack.stderr);
  const text = fs.readFileSync(join(tmp, 'pack.kql'), 'utf8');
  assert.match(text, /^\/\/ tracehound rules convert --to kql/);
  assert.match(text, /\/\/ Exchange Transport Agent Cmdlet in a Command Line\n\/\/ [0-9a-f-]{36} \(rules\/t1505\.002\/proc_creation_transport_agent_cmdlet\.yml\)\nDeviceProcessEvents\n\| where /);
  const sqlite = th('rules', 'convert', '--to', 'sql', '--dialect', 'sqlite', RULES, '--format', 'table');
  assert.equal(sqlite.status, 0);
  assert.match(sqlite.stdout, /rules: \d+ converted to sql/);
  assert.equal(th('rules', 'convert', RULES).status, 2, 'no --to');
  assert.equal(th('rules', 'convert', '--to', 'xql', RULES).status, 2, 'unknown target');
  assert.equal(th('rules', 'convert', '--to', 'kql', '--dialect', 'sqlite', RULES).status, 2, '--dialect needs sql');
  assert.equal(th('rules', 'convert', '--to', 'sql', '--dialect', 'oracle', RULES).status, 2, 'unknown dialect');
  assert.equal(th('rules', 'convert', '--to', 'sql', join(tmp, 'missing')).status, 2, 'unreadable path');
  // rules check is unchanged
  assert.equal(th('rules', 'check', RULES, '--format', 'json').status, 0);
});

test('export: JSON lines rows of the event table; Parquet queried with the converted SQL = the hunt', async () => {
  const jl = th('export', '--to', 'jsonl', SAMPLE, '-q');
  assert.equal(jl.status, 0, jl.stderr);
  const rows = jl.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(rows.length > 5);
  assert.deepEqual(Object.keys(rows[0]!), ['event_id', 'time', 'time_ms', 'host', 'product', 'service', 'category', 'categories', 'file', 'kind', 'record', 'offset', 'line', 'fields', 'nested_values']);
  assert.deepEqual(rows.map((r) => r['event_id']), rows.map((_, i) => i + 1));

  const parquet = join(tmp, 'events.parquet');
  const ex = th('export', '--to', 'parquet', SAMPLE, '--out', parquet);
  assert.equal(ex.status, 0, ex.stderr);
  assert.match(ex.stderr, new RegExp(`${rows.length} events from 1 file\\(s\\) written to .*events\\.parquet \\(parquet\\)`));
  assert.equal(th('export', '--to', 'parquet', SAMPLE).status, 2, 'parquet needs --out');

  // the hunt's per-event matches of the T1505.002 rules ...
  const hunt = th('hunt', SAMPLE, '--rules', RULES, '--per-event', '--format', 'jsonl', '-q');
  const want = new Set(hunt.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { rule_id: string; correlation?: boolean; source: { line: number } })
    .filter((m) => !m.correlation).map((m) => `${m.rule_id}|${m.source.line}`));
  assert.ok(want.size > 3);
  // ... equal those of the rules' SQL run in DuckDB over the Parquet export
  const conv = th('rules', 'convert', '--to', 'sql', RULES, '--format', 'jsonl');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`CREATE VIEW events AS SELECT * FROM read_parquet('${parquet.replace(/'/g, "''")}')`);
  const got = new Set<string>();
  const correlated: string[] = [];
  for (const l of conv.stdout.split('\n').filter(Boolean)) {
    const c = JSON.parse(l) as { rule_id: string; title: string; query?: string };
    if (!c.query) continue;
    if (c.query.startsWith('WITH')) {
      // correlations: window functions / ordered joins over the rules' matches
      const r = await con.runAndReadAll(c.query);
      for (const row of r.getRowObjectsJson()) correlated.push(`${c.title}@${String(row['Computer'])}`);
      continue;
    }
    const r = await con.runAndReadAll(`SELECT line FROM (${c.query})`);
    for (const [line] of r.getRows()) got.add(`${c.rule_id}|${line}`);
  }
  con.closeSync();
  db.closeSync();
  assert.deepEqual([...got].sort(), [...want].sort());
  // the demo's correlation (a registration, then the transport worker starts a shell) is found too
  assert.deepEqual(correlated, ['Transport Agent Registered, Then the Transport Worker Starts a Shell@exch01.corp.example']);
});
