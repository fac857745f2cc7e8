// Loading rule folders with broken rules next to good ones, through the library and `rules check`.
import { test } from 'node:test';
import { processCreationRule } from '../support/sigma.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadRules, type LoadedRules } from '../../src/hunt/load-rules.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const ID = {
  good1: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f01',
  good2: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f02',
  yaml: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f03',
  modifier: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f04',
  regex: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f05',
  cond: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f06',
  latin1: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f07',
  huge: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f08',
  multiGood: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f09',
  multiBad: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f0a',
  bomb: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f0b',
  manyErrors: '0b7d1c52-3f44-4e1a-9a51-6a0c2d9e1f0c',
};

const rule = processCreationRule;

/** Expected position of each bad file's error: [line, col | undefined]. */
const WHERE: Record<string, { line?: number; col?: number; id: string; message: RegExp }> = {};

const mixed = join(tmp, 'mixed');
const onlyBad = join(tmp, 'only-bad');
fs.mkdirSync(mixed);
fs.mkdirSync(onlyBad);

function write(dir: string, name: string, content: string | Buffer) {
  fs.writeFileSync(join(dir, name), content);
}

write(mixed, 'good-1.yml', rule('Transport agent cmdlet', ID.good1, "CommandLine|contains: 'Install-TransportAgent'"));
write(mixed, 'good-2.yaml', rule('Shell from EdgeTransport', ID.good2, "ParentImage|endswith: '\\EdgeTransport.exe'"));

// 1. malformed YAML: an unclosed flow sequence (line 9 opens it, the parser stops at line 10)
write(mixed, 'bad-yaml.yml', rule('Broken YAML', ID.yaml, "Image: ['a.exe', 'b.exe'"));
WHERE['bad-yaml.yml'] = { line: 10, col: 3, id: ID.yaml, message: /YAML/ };

// 2. unknown modifier
write(mixed, 'bad-modifier.yml', rule('Unknown modifier', ID.modifier, "CommandLine|containz: 'x'"));
WHERE['bad-modifier.yml'] = { line: 9, col: 5, id: ID.modifier, message: /containz/ };

// 3. invalid regular expression
write(mixed, 'bad-regex.yml', rule('Bad regex', ID.regex, "CommandLine|re: 'Install-(Transport'"));
WHERE['bad-regex.yml'] = { line: 9, id: ID.regex, message: /regular expression/ };

// 4. condition naming a selection that does not exist
write(mixed, 'bad-condition.yml', rule('Missing selection', ID.cond, "CommandLine: 'x'", 'selection and not filter_vendor'));
WHERE['bad-condition.yml'] = { line: 10, id: ID.cond, message: /filter_vendor/ };

// 5. not UTF-8: a Latin-1 'é' in the title (line 1, column 12)
write(mixed, 'bad-latin1.yml', Buffer.concat([Buffer.from('title: Caf'), Buffer.from([0xe9]), Buffer.from(rule('x', ID.latin1, "a: b").slice('title: x'.length))]));
WHERE['bad-latin1.yml'] = { line: 1, col: 11, id: ID.latin1, message: /UTF-8/ };

// 6. a 50 MB rule file (valid start, then a huge comment)
{
  const fd = fs.openSync(join(mixed, 'bad-huge.yml'), 'w');
  fs.writeSync(fd, rule('Huge', ID.huge, "a: b"));
  const block = Buffer.alloc(1 << 20, '#'.charCodeAt(0));
  block[block.length - 1] = 0x0a;
  for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
}
WHERE['bad-huge.yml'] = { id: ID.huge, message: /bytes|limit|large/ };

// 7. two documents: the first good, the second with an unknown modifier (its line 9 -> file line 12 + 9)
write(mixed, 'multi.yml', rule('Multi good', ID.multiGood, "CommandLine: 'a'") + '---\n' + rule('Multi bad', ID.multiBad, "CommandLine|bogus: 'b'"));
WHERE['multi.yml'] = { line: 21, col: 5, id: ID.multiBad, message: /bogus/ };

// 8. billion laughs: nine levels of nine-fold aliases
{
  const lines = ['title: Laughs', `id: ${ID.bomb}`, 'logsource:', '  product: windows', 'lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++) lines.push(`lol${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  lines.push('detection:', '  selection:', '    CommandLine: *l9', '  condition: selection', '');
  write(mixed, 'bad-bomb.yml', lines.join('\n'));
}
WHERE['bad-bomb.yml'] = { id: ID.bomb, message: /alias|expand|nodes/i };

// 9. several YAML errors in one rule still count as one failed rule
write(mixed, 'bad-many.yml', `title: One\ntitle: Two\nid: ${ID.manyErrors}\ndetection:\n  selection: {a: 1\n  condition: "selection\n`);
WHERE['bad-many.yml'] = { line: 2, col: 1, id: ID.manyErrors, message: /YAML/ };

// A file that is not a rule at all is not picked up (only .yml/.yaml)
write(mixed, 'README.txt', 'not: [a rule');

for (const name of ['bad-modifier.yml', 'bad-regex.yml']) fs.copyFileSync(join(mixed, name), join(onlyBad, name));

const GOOD_DOCS = 3; // good-1, good-2, the first document of multi.yml
const BAD_DOCS = Object.keys(WHERE).length;

let loaded: LoadedRules | undefined;
function load(): LoadedRules {
  return (loaded ??= loadRules([mixed]));
}

test('loadRules never throws and loads the good rules next to the bad ones', () => {
  const r = load();
  const ids = r.docs.map((d) => d.meta.id).sort();
  assert.deepEqual(ids, [ID.good1, ID.good2, ID.multiGood].sort());
  assert.equal(r.total, GOOD_DOCS + BAD_DOCS);
  assert.equal(r.files, 11);
});

test('every bad file gets an error naming the file, the line and column, and the rule id', () => {
  const r = load();
  for (const [name, want] of Object.entries(WHERE)) {
    const path = join(mixed, name);
    const errs = r.errors.filter((e) => e.path === path);
    assert.ok(errs.length >= 1, `no error for ${name}; errors: ${r.errors.map((e) => e.path).join(', ')}`);
    const e = errs[0]!;
    assert.equal(e.rule_id, want.id, `${name}: rule id`);
    assert.match(e.message, want.message, `${name}: message`);
    if (want.line !== undefined) assert.equal(e.line, want.line, `${name}: line (${e.message})`);
    if (want.col !== undefined) assert.equal(e.col, want.col, `${name}: col (${e.message})`);
    if (name !== 'bad-huge.yml') {
      // every error inside a file has a position
      assert.ok(typeof e.line === 'number' && e.line >= 1, `${name}: no line`);
      assert.ok(typeof e.col === 'number' && e.col >= 1, `${name}: no column`);
    }
  }
  // nothing else failed
  const expected = new Set(Object.keys(WHERE).map((n) => join(mixed, n)));
  for (const e of r.errors) assert.ok(expected.has(e.path), `unexpected error: ${e.path}: ${e.message}`);
});

test('the 50 MB file is refused by size without being parsed', () => {
  const e = load().errors.find((x) => x.path.endsWith('bad-huge.yml'));
  assert.ok(e);
  assert.match(e.message, /\d+ bytes/);
});

test('loading a missing path reports it instead of throwing', () => {
  const r = loadRules([join(tmp, 'does-not-exist')]);
  assert.equal(r.docs.length, 0);
  assert.deepEqual(r.unreadable, [join(tmp, 'does-not-exist')]);
  assert.match(r.errors[0]!.message, /ENOENT/);
});

interface CheckSummary {
  total: number;
  ok: number;
  failed: { path: string; rule_id: string | null; error: string; line?: number; col?: number }[];
  warnings: unknown[];
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.error, undefined);
  return r;
}

const STACK = /\n\s+at .+:\d+:\d+\)?$|internal error/m;

test('rules check --format json on the mixed folder: counts, entries, exit 0', () => {
  const r = cli('rules', 'check', mixed, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, STACK);
  const s = JSON.parse(r.stdout) as CheckSummary;
  assert.deepEqual(Object.keys(s).sort(), ['failed', 'ok', 'total', 'warnings']);
  assert.equal(s.total, GOOD_DOCS + BAD_DOCS);
  assert.equal(s.ok, GOOD_DOCS);
  assert.equal(s.failed.length, BAD_DOCS, s.failed.map((f) => f.error).join('\n'));
  assert.equal(s.ok + s.failed.length, s.total);
  for (const f of s.failed) {
    assert.equal(typeof f.path, 'string');
    assert.equal(typeof f.error, 'string');
    assert.ok(f.error.startsWith(f.path), `error does not start with the path: ${f.error}`);
    const name = f.path.slice(mixed.length + 1);
    const want = WHERE[name];
    assert.ok(want, `unexpected failed entry ${f.path}`);
    assert.equal(f.rule_id, want.id);
    if (want.line !== undefined) {
      assert.equal(f.line, want.line);
      assert.ok(f.error.includes(`${name}:${want.line}:`), f.error);
    }
  }
});

test('rules check --strict exits 1 when any rule failed', () => {
  const r = cli('rules', 'check', mixed, '--format', 'json', '--strict');
  assert.equal(r.status, 1);
  assert.equal((JSON.parse(r.stdout) as CheckSummary).failed.length, BAD_DOCS);
  assert.doesNotMatch(r.stderr, STACK);
});

test('rules check --strict exits 0 on good rules only', () => {
  const r = cli('rules', 'check', join(mixed, 'good-1.yml'), join(mixed, 'good-2.yaml'), '--format', 'json', '--strict');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as CheckSummary;
  assert.deepEqual([s.total, s.ok, s.failed.length], [2, 2, 0]);
});

test('rules check exits 2 when no rule loads', () => {
  const r = cli('rules', 'check', onlyBad, '--format', 'json');
  assert.equal(r.status, 2);
  const s = JSON.parse(r.stdout) as CheckSummary;
  assert.deepEqual([s.total, s.ok, s.failed.length], [2, 0, 2]);
  assert.doesNotMatch(r.stderr, STACK);
});

test('rules check on a missing path exits 2 with a message and no stack trace', () => {
  const r = cli('rules', 'check', join(tmp, 'nope'), '--format', 'json');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tracehound:/);
  assert.doesNotMatch(r.stderr, STACK);
});

test('rules check table output lists every failure and the totals', () => {
  const r = cli('rules', 'check', mixed, '--format', 'table');
  assert.equal(r.status, 0);
  for (const name of Object.keys(WHERE)) assert.ok(r.stdout.includes(name), `${name} missing from the table`);
  assert.match(r.stdout, new RegExp(`${GOOD_DOCS + BAD_DOCS} rules: ${GOOD_DOCS} ok, ${BAD_DOCS} failed`));
});

test('rules check of the SigmaHQ rule tree', { skip: SKIP_NO_CORPORA }, () => {
  const r = cli('rules', 'check', join(CORPORA, 'sigma-rules'), '--format', 'json');
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  const s = JSON.parse(r.stdout) as CheckSummary;
  assert.equal(s.total, 3141);
  assert.ok(s.ok / s.total >= 0.995, `only ${s.ok} of ${s.total} rules load:\n${s.failed.slice(0, 20).map((f) => f.error).join('\n')}`);
  assert.equal(s.ok + s.failed.length, s.total);
});
