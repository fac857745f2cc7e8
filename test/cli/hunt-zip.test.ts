// hunt reads zip archives in place: members by content, nested archives, and the hostile cases
// (zip bomb, lying sizes, path tricks, a damaged archive) reported while the run goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeZip } from '../support/zip-writer.js';

// Every hunt records into the case store: keep it (and the CLI children, which inherit this) out of the real home.
const HOME = mkdtempSync(join(tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
process.on('exit', () => rmSync(HOME, { recursive: true, force: true }));

const STACK = /\n\s+at .+\(.*:\d+:\d+\)/;
const demo = readFileSync('samples/demo-exchange01.jsonl');

function hunt(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'hunt', ...args], { encoding: 'utf8' });
}

test('members of a zip (and of a zip inside it) are hunted and named archive!member', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-zip-'));
  const inner = makeZip([{ name: 'logs/demo.jsonl', data: demo }]);
  writeFileSync(join(dir, 'evidence.zip'), makeZip([
    { name: 'exch01/demo.jsonl', data: demo },
    { name: 'exch01/stored.jsonl', data: demo, store: true },
    { name: 'nested.zip', data: inner },
    { name: 'readme.txt', data: Buffer.from('collected by the IR team\n') },
  ]));
  const r = hunt(dir, '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  const files = new Set(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { source: { file: string } }).source.file));
  const zip = join(dir, 'evidence.zip');
  assert.deepEqual([...files].sort(), [`${zip}!exch01/demo.jsonl`, `${zip}!exch01/stored.jsonl`, `${zip}!nested.zip!logs/demo.jsonl`].sort());
  assert.match(r.stderr, /readme\.txt: not a recognised evidence format|skipped 1 file\(s\), not a recognised evidence format/);
});

test('a zip bomb, a member bigger than it says, a path-traversal name and a damaged archive are reported; the rest is read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-zip-'));
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  writeFileSync(join(dir, 'hostile.zip'), makeZip([
    { name: 'bomb.bin', data: zeros },
    { name: 'liar.jsonl', data: demo, declaredSize: 100 },
    { name: '../../../tmp/th-escaped.jsonl', data: demo },
    { name: 'good.jsonl', data: demo },
  ]));
  writeFileSync(join(dir, 'broken.zip'), makeZip([{ name: 'x.jsonl', data: demo }]).subarray(0, 200));
  const r = hunt(dir, '--per-event', '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  assert.match(r.stderr, /bomb\.bin.*zip bomb|zip bomb.*bomb\.bin/);
  assert.match(r.stderr, /liar\.jsonl.*declared size|declared size.*liar\.jsonl/);
  assert.match(r.stderr, /th-escaped\.jsonl: unsafe member name \(path climbs out with '\.\.'\)/);
  assert.match(r.stderr, /broken\.zip.*damaged zip archive|damaged zip archive.*broken\.zip/);
  assert.equal(existsSync('/tmp/th-escaped.jsonl'), false, 'nothing is written under a member\'s own name');
  const files = new Set(r.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { source: { file: string } }).source.file));
  assert.ok(files.has(`${join(dir, 'hostile.zip')}!good.jsonl`), [...files].join(', '));
  assert.ok(!files.has(`${join(dir, 'hostile.zip')}!liar.jsonl`));
});
