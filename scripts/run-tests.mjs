// Runs every test/**/*.test.ts with node's test runner through tsx (Node 20 has no glob for --test).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const only = process.argv.slice(2);
const files = only.length ? only : walk('test');
// Tests never touch the user's case store or ATT&CK store: both live under a throw-away home.
const home = mkdtempSync(join(tmpdir(), 'tracehound-test-home-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit', env: { ...process.env, TRACEHOUND_HOME: home } });
rmSync(home, { recursive: true, force: true });
process.exit(r.status ?? 1);
