// Hostile rules and evidence against the engine: each case must finish in bounded time, report the
// problem (file, line, rule id) and let the run go on: never a hang, never exit 70.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseCondition, ConditionError, MAX_CONDITION_DEPTH } from '../../src/sigma/condition.js';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { compileDetection } from '../../src/sigma/compile.js';
import { EventView } from '../../src/sigma/event-view.js';
import { eventRow } from '../../src/export/event-table.js';
import type { FieldValue } from '../../src/events/model.js';

const HOME = fs.mkdtempSync(join(os.tmpdir(), 'th-home-'));
process.env['TRACEHOUND_HOME'] = HOME;
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-hostile-'));
process.on('exit', () => { fs.rmSync(HOME, { recursive: true, force: true }); fs.rmSync(tmp, { recursive: true, force: true }); });
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Generous: a hang shows as a timeout, not as a slow pass. */
const WALL_MS = 60_000;
const STACK = /\n\s+at .+:\d+:\d+\)?$|internal error|RangeError/m;

function cli(...args: string[]) {
  const t = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, timeout: WALL_MS, env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.signal, null, `${args.join(' ')} did not finish within ${WALL_MS} ms`);
  assert.notEqual(r.status, 70, `exit 70: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, STACK);
  return { ...r, ms: Date.now() - t };
}

const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function ruleText(id: string, detection: string, title = 'hostile'): string {
  return `title: ${title}\nid: ${id}\nstatus: test\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n${detection}\nlevel: high\n`;
}

function dir(name: string, files: Record<string, string>): string {
  const d = join(tmp, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(join(d, f), text);
  return d;
}

const GOOD = ruleText(ID(1), "    sel:\n        CommandLine|contains: 'whoami'\n    condition: sel", 'good');
const proc = (cmd: unknown) => JSON.stringify({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: cmd });

function matchIds(stdout: string): string[] {
  return stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { rule_id: string }).rule_id);
}

test('a catastrophic-backtracking regex runs in linear time', () => {
  const rules = dir('redos', { 'redos.yml': ruleText(ID(2), "    sel:\n        CommandLine|re: '(a+)+$'\n    condition: sel") });
  const ev = join(tmp, 'redos.jsonl');
  fs.writeFileSync(ev, [proc('a'.repeat(33) + '!'), proc('a'.repeat(5000) + '!'), proc('aaaa')].join('\n') + '\n');
  const r = cli('hunt', ev, '--rules', rules, '--format', 'jsonl', '--per-event');
  assert.deepEqual(matchIds(r.stdout), [ID(2)], 'only the all-a value matches');
  assert.ok(r.ms < WALL_MS / 2);
});

test('back references and lookaround are refused at load with the reason', () => {
  const errs = parseSigmaText(ruleText(ID(3), "    sel:\n        CommandLine|re: '(a)\\1'\n    condition: sel") + '---\n' + ruleText(ID(4), "    sel:\n        CommandLine|re: 'a(?!b)'\n    condition: sel"), 'r.yml').errors;
  assert.equal(errs.length, 2);
  assert.match(errs[0]!.message, /regular expression refused: back references.*linear time/);
  assert.equal(errs[0]!.rule_id, ID(3));
  assert.match(errs[1]!.message, /regular expression refused: lookaround/);
  assert.equal(errs[0]!.line, 9);
  assert.equal(errs[1]!.line, 21);
});

test('3,000 nested parentheses or a long chain of not: that rule is reported, the others run', () => {
  const deep = '('.repeat(3000) + 'sel' + ')'.repeat(3000);
  const nots = 'not '.repeat(5000) + 'sel';
  const rules = dir('deep-cond', {
    'a-good.yml': GOOD,
    'b-parens.yml': ruleText(ID(5), `    sel:\n        CommandLine: x\n    condition: '${deep}'`),
    'c-nots.yml': ruleText(ID(6), `    sel:\n        CommandLine: x\n    condition: ${nots}`),
  });
  const check = cli('rules', 'check', rules);
  assert.match(check.stdout + check.stderr, new RegExp(`b-parens\\.yml:10:\\d+ \\[${ID(5)}\\][^\\n]*nested deeper than ${MAX_CONDITION_DEPTH}`));
  assert.match(check.stdout + check.stderr, /c-nots\.yml:10:\d+ [^\n]*nested deeper/);
  const ev = join(tmp, 'whoami.jsonl');
  fs.writeFileSync(ev, proc('cmd /c whoami') + '\n');
  const r = cli('hunt', ev, '--rules', rules, '--format', 'jsonl', '--per-event');
  assert.deepEqual(matchIds(r.stdout), [ID(1)]);
  assert.match(r.stderr, /b-parens\.yml/);
});

test('`1 of *a*a*…*b` against long identifiers resolves in linear time', () => {
  const pattern = '*a'.repeat(25) + '*b';
  const names = ['a'.repeat(41), 'a'.repeat(40) + 'c', 'b' + 'a'.repeat(40)];
  const det = names.map((n) => `    ${n}:\n        CommandLine: x`).join('\n');
  const rules = dir('glob', { 'glob.yml': ruleText(ID(7), `${det}\n    condition: 1 of ${pattern}`) });
  const r = cli('rules', 'check', rules);
  assert.match(r.stdout + r.stderr, /matches no search identifier/);
  const t = Date.now();
  assert.throws(() => parseCondition(`1 of ${'*a'.repeat(200)}*b`, ['a'.repeat(5000)]), ConditionError);
  assert.ok(Date.now() - t < 1000);
  assert.deepEqual(JSON.stringify(parseCondition('1 of sel*x', ['sel_a_x', 'sel_b', 'selx'])), JSON.stringify({ k: 'of', all: false, names: ['sel_a_x', 'selx'] }));
});

test('YAML nested too deep or expanding aliases (billion laughs) is refused per file with the reason', () => {
  const laughs = ['a: &a [x,x,x,x,x,x,x,x,x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill('*' + 'abcdefgh'[i]).join(',')}]`)].join('\n');
  const rules = dir('yaml', {
    'a-good.yml': GOOD,
    'b-flow.yml': ruleText(ID(8), `    sel:\n        CommandLine: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n    condition: sel`),
    'c-block.yml': `title: t\nid: ${ID(9)}\n` + Array.from({ length: 1000 }, (_, i) => ' '.repeat(i) + 'k:').join('\n'),
    'd-laughs.yml': ruleText(ID(10), `    sel:\n        CommandLine: x\n    condition: sel`) + laughs + '\n',
  });
  const r = cli('rules', 'check', rules);
  const out = r.stdout + r.stderr;
  assert.match(out, new RegExp(`b-flow\\.yml:9[^\\n]*${ID(8)}[^\\n]*nesting deeper than 64`));
  assert.match(out, new RegExp(`c-block\\.yml:\\d+[^\\n]*${ID(9)}[^\\n]*nesting deeper than 64`));
  assert.match(out, new RegExp(`d-laughs\\.yml[^\\n]*${ID(10)}[^\\n]*more than 200000 nodes`));
  assert.doesNotMatch(out, /a-good\.yml/);
});

function deepObject(depth: number): FieldValue {
  let v: FieldValue = 'needle';
  for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v, 'x'];
  return v;
}

test('evidence nested 5,000 deep: keyword rules and the export walk it', () => {
  const kw = ruleText(ID(11), "    keywords:\n        - 'needle'\n    condition: keywords");
  const rules = dir('kw', { 'kw.yml': kw });
  const ev = join(tmp, 'deep.jsonl');
  let nested = '"needle"';
  for (let i = 0; i < 5000; i++) nested = `{"k":${nested}}`;
  fs.writeFileSync(ev, `{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Deep":${nested}}\n${proc('calc needle')}\n`);
  const r = cli('hunt', ev, '--rules', rules, '--format', 'jsonl', '--per-event');
  assert.deepEqual(matchIds(r.stdout), [ID(11)], 'the shallow event still matches');
  assert.match(r.stderr, /deep\.jsonl:1[^\n]*nested deeper than 100 levels; event skipped/);
  const x = cli('export', '--to', 'jsonl', ev);
  assert.equal(x.stdout.split('\n').filter(Boolean).length, 1);
  // In process, deeper than any stack: the values are all there, dotted names stop at a depth.
  const v = deepObject(200_000);
  assert.deepEqual(new EventView({ Deep: v }).all().filter((s) => s === 'needle').length, 1);
  const row = eventRow({ fields: { Deep: { a: { b: deepObject(100_000) } } }, logsource: {}, time: NaN, ref: { file: 'f', kind: 'json' } } as never, 1);
  assert.ok(row.nested_values?.includes('needle'));
  assert.deepEqual(row.fields['Deep.a'], []);
});

test('property: random conditions never throw anything but ConditionError, and finish', () => {
  const names = ['sel', 'sel_a', 'filter', '_x', 'a'.repeat(50)];
  const token = fc.constantFrom('(', ')', 'and', 'or', 'not', '1 of', 'all of', 'them', '*', 'sel*', '*a*a*', ...names, '|', 'AND', 'x');
  const cond = fc.oneof(
    fc.array(token, { maxLength: 60 }).map((t) => t.join(' ')),
    fc.tuple(fc.nat({ max: 5000 }), fc.constantFrom('(', 'not ', '( not ')).map(([n, o]) => o.repeat(n) + 'sel' + (o.includes('(') ? ')'.repeat(n) : '')),
    fc.string({ maxLength: 200 }),
  );
  fc.assert(fc.property(cond, (text) => {
    const t = Date.now();
    try {
      compileDetection({ searches: new Map(names.map((n) => [n, { k: 'item', item: { field: 'F', modifiers: [], values: [], all: false, negate: false, pos: { line: 1, col: 1 } } }])), condition: parseCondition(text, names), conditionText: [text] })(new EventView({ F: 'x' }));
    } catch (e) {
      assert.ok(e instanceof ConditionError, `${(e as Error).name}: ${(e as Error).message} for ${text.slice(0, 80)}`);
    }
    assert.ok(Date.now() - t < 2000);
  }), { numRuns: 300 });
});

test('property: the rule loader reports every problem and never throws, whatever the YAML', () => {
  const piece = fc.constantFrom('[', ']', '{', '}', '- ', ': ', '\n', '  ', '&a ', '*a', '|re', "'", '"', '#', 'sel', 'condition', 'CommandLine', '(a+)+', '\\1', '(?=', '---\n', '?');
  const text = fc.oneof(
    fc.array(piece, { maxLength: 120 }).map((p) => ruleText(ID(12), '    sel:\n        CommandLine: ' + p.join(''))),
    fc.tuple(fc.nat({ max: 3000 }), fc.constantFrom('[', '- ', '{a: ')).map(([n, o]) => ruleText(ID(13), `    sel:\n        CommandLine: ${o.repeat(n)}x\n    condition: sel`)),
    fc.tuple(fc.nat({ max: 2000 }), fc.constantFrom('(', '(?:', '[')).map(([n, o]) => ruleText(ID(14), `    sel:\n        CommandLine|re: '${o.repeat(n)}a'\n    condition: sel`)),
    fc.string({ maxLength: 400 }),
  );
  fc.assert(fc.property(text, (t) => {
    const start = Date.now();
    const r = parseSigmaText(t, 'p.yml');
    for (const e of r.errors) { assert.equal(e.path, 'p.yml'); assert.ok(e.message.length > 0); }
    assert.ok(r.docs.length + r.errors.length > 0 || t.trim() === '' || /^[\s#-]*$|^(\s*(---|\.\.\.)\s*)*$/.test(t) || r.documents === 0);
    assert.ok(Date.now() - start < 3000);
  }), { numRuns: 300 });
});
