// The offline install: `npm pack` makes a tarball with dist/ and every runtime dependency bundled,
// better-sqlite3's native build included; `npm install -g --offline --ignore-scripts` of it, with an
// empty npm cache and no compiler step, gives a working `tracehound` on PATH, case store included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';

const npmOnPath = (process.env['PATH'] ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'npm')));
const skip = npmOnPath ? false : 'npm is not on PATH: the pack and install test is skipped';

test('npm pack, then npm install -g --offline --ignore-scripts into a temporary prefix: tracehound runs and records hunts', { skip, timeout: 20 * 60_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'th-pack-'));
  try {
    const env = { ...process.env, npm_config_cache: join(tmp, 'empty-cache'), npm_config_update_notifier: 'false' };
    // prepare builds dist/ first
    const pack = spawnSync('npm', ['pack', '--pack-destination', tmp], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
    assert.equal(pack.status, 0, pack.stderr);
    const tgz = readdirSync(tmp).find((f) => /^tracehound-.*\.tgz$/.test(f));
    assert.ok(tgz, pack.stdout);
    const list = spawnSync('tar', ['tzf', join(tmp, tgz)], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n');
    for (const f of ['package/dist/src/cli/main.js', 'package/bin/tracehound.js', 'package/node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'package/node_modules/yaml/package.json', 'package/data/triage/noisy-rules.yaml', 'package/rules/t1505.002']) {
      assert.ok(list.some((l) => l === f || l.startsWith(f + '/')), `${f} in the tarball`);
    }
    assert.ok(!list.some((l) => l.startsWith('package/test/') || l.startsWith('package/node_modules/typescript/')), 'no tests or dev dependencies');

    const prefix = join(tmp, 'prefix');
    const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(tmp, tgz)], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
    assert.equal(inst.status, 0, inst.stderr);
    const bin = process.platform === 'win32' ? join(prefix, 'tracehound.cmd') : join(prefix, 'bin', 'tracehound');
    const run = (...args: string[]) => spawnSync(bin, args, { encoding: 'utf8', cwd: tmp, env: { ...env, TRACEHOUND_HOME: join(tmp, 'home'), PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}` }, shell: process.platform === 'win32' });
    const v = run('version');
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^tracehound \d+\.\d+\.\d+\n$/);
    const samples = join(prefix, 'lib', 'node_modules', 'tracehound', 'samples');
    const h = run('hunt', existsSync(samples) ? samples : join(prefix, 'node_modules', 'tracehound', 'samples'), '--format', 'jsonl', '--min-level', 'critical');
    assert.equal(h.status, 0, h.stderr);
    assert.ok(h.stdout.split('\n').filter(Boolean).length > 0, 'critical findings from the bundled samples');
    assert.match(h.stderr, /recorded as hunt 1 in the case store/, 'the bundled native SQLite module loads');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
