// scripts/run-tests.mjs: the run ends with one summary of skipped tests, grouped by reason, and how
// to run them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
// @ts-expect-error: a plain .mjs script without types
import { skipSummary } from '../../scripts/test-summary.mjs';

test('skipSummary: reasons grouped and counted, most frequent first, with the packages that run them', () => {
  const lines: string[] = skipSummary([
    { kind: 'skip', name: 'a', file: '/x/a.test.ts', reason: 'signing tools missing: /usr/bin/osslsigncode (apt-get install osslsigncode openssl mono-mcs)' },
    { kind: 'skip', name: 'b', file: '/x/b.test.ts', reason: '../shared/corpora is absent (expected at /y)' },
    { kind: 'skip', name: 'c', file: '/x/c.test.ts', reason: '../shared/corpora is absent (expected at /y)' },
    { kind: 'skip', name: 'd', file: '/x/d.test.ts', reason: '/usr/bin/chromium is missing: install Debian\'s chromium package' },
    { kind: 'todo', name: 'e', file: '/x/d.test.ts', reason: 'later' },
  ]);
  assert.equal(lines[0], 'tests: 4 skipped for 3 reasons, 1 todo:');
  assert.match(lines[1]!, /^\s+2 {2}\.\.\/shared\/corpora is absent \(expected at \/y\) \(2 files\)$/);
  assert.match(lines.at(-1)!, /to run them: sudo apt-get install mono-mcs osslsigncode openssl chromium; put the test corpora at \.\.\/shared\/corpora/);
  assert.deepEqual(skipSummary([]), ['tests: none skipped']);
});

test('run-tests.mjs ends with the skip summary of the files it ran, and passes their exit status on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-runtests-'));
  const file = join(dir, 'x.test.ts');
  writeFileSync(file, [
    "import { test } from 'node:test';",
    "test('needs mcs', { skip: 'the Mono C# compiler `mcs` is not on PATH (install the mono-mcs package)' }, () => {});",
    "test('needs mcs too', { skip: 'the Mono C# compiler `mcs` is not on PATH (install the mono-mcs package)' }, () => {});",
    "test('inner', (t) => { t.skip('no sample here'); });",
    "test('runs', () => {});",
  ].join('\n'));
  const r = spawnSync(process.execPath, ['scripts/run-tests.mjs', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const tail = r.stdout.trimEnd().split('\n').slice(-4);
  assert.equal(tail[0], 'tests: 3 skipped for 2 reasons:');
  assert.match(tail[1]!, /^\s+2 {2}the Mono C# compiler `mcs` is not on PATH/);
  assert.match(tail[2]!, /^\s+1 {2}no sample here$/);
  assert.equal(tail[3], '  to run them: sudo apt-get install mono-mcs');

  writeFileSync(file, "import { test } from 'node:test';\ntest('fails', () => { throw new Error('boom'); });\n");
  const failed = spawnSync(process.execPath, ['scripts/run-tests.mjs', file], { encoding: 'utf8' });
  assert.equal(failed.status, 1);
  assert.match(failed.stdout, /tests: none skipped\n$/);
});
