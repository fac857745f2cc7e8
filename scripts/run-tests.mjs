// Runs every test/**/*.test.ts with node's test runner through tsx (Node 20 has no glob for --test),
// then prints one summary of the tests skipped and why (optional tools or corpora absent).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { skipSummary } from './test-summary.mjs';

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
/** Started from inside a test, node would report to that parent runner instead of to our reporters. */
function topLevelEnv(env) {
  delete env.NODE_TEST_CONTEXT;
  return env;
}
const only = process.argv.slice(2);
const files = only.length ? only : walk('test');
// Tests never touch the user's case store or ATT&CK store: both live under a throw-away home.
const home = mkdtempSync(join(tmpdir(), 'tracehound-test-home-'));
const skipLog = join(home, 'skipped.jsonl');
const reporter = fileURLToPath(new URL('./test-skip-reporter.mjs', import.meta.url));
const r = spawnSync(process.execPath, [
  '--import', 'tsx', '--test',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${reporter}`, `--test-reporter-destination=${skipLog}`,
  ...files,
], { stdio: 'inherit', env: topLevelEnv({ ...process.env, TRACEHOUND_HOME: home }) });
let records = [];
if (existsSync(skipLog)) {
  for (const line of readFileSync(skipLog, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try { records.push(JSON.parse(line)); } catch { /* a torn last line when the runner was killed */ }
  }
}
rmSync(home, { recursive: true, force: true });
process.stdout.write('\n' + skipSummary(records).join('\n') + '\n');
process.exit(r.status ?? 1);
