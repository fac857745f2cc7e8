// export takes --to TIME for the end of the window as hunt does; --to jsonl|parquet stays the output
// form and --to-time TIME stays an alias (the CLI contract does not break).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli } from '../report/fixtures.js';

const SAMPLE = 'samples/demo-exchange01.jsonl';
const rows = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { time: string | null });

test('export --to TIME, --to-time TIME and --to jsonl --to TIME give the same window', () => {
  const all = rows(cli('export', SAMPLE).stdout);
  const end = '2026-11-02T09:42:30Z';
  const want = all.filter((r) => r.time !== null && r.time <= '2026-11-02T09:42:30.000Z').length;
  assert.ok(want > 0 && want < all.length);
  for (const args of [['--to', end], ['--to-time', end], ['--to', 'jsonl', '--to', end], ['--to', end, '--to', 'jsonl']]) {
    const r = cli('export', SAMPLE, ...args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(rows(r.stdout).length, want, args.join(' '));
  }
  const day = cli('export', SAMPLE, '--to', '2026-11-02');
  assert.equal(rows(day.stdout).length, all.filter((r) => r.time?.startsWith('2026-11-02')).length, 'a bare date includes the whole day');
});

test('export --to: a value that is neither a form nor a time, or given twice, is a usage error', () => {
  let r = cli('export', SAMPLE, '--to', 'parkett');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--to must be jsonl, parquet, or a date or time such as 2024-05-01/);
  r = cli('export', SAMPLE, '--to', '2026-11-02', '--to-time', '2026-11-03');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the end of the window is given more than once/);
  r = cli('export', SAMPLE, '--to', 'jsonl', '--to', 'parquet', '--out', 'x.parquet');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--to jsonl\|parquet given 2 times/);
});
