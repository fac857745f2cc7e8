// `tracehound help COMMAND` prints that command's own usage; the overview lists every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const COMMANDS = ['hunt', 'audit', 'rules', 'evtx', 'export', 'fields', 'scenario', 'cases', 'technique', 'attack', 'serve'];

function run(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
}

test('help COMMAND shows the usage of that command; the overview names them all', () => {
  const overview = run(['help']);
  assert.equal(overview.status, 0);
  for (const c of COMMANDS) {
    assert.match(overview.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);
    const r = run(['help', c]);
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, new RegExp(`^usage: tracehound ${c}\\b`), c);
  }
  assert.equal(run([]).status, 2, 'no command is a usage error');
});
