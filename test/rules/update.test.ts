// tracehound rules update: a SigmaHQ-style release zip from an HTTP server on 127.0.0.1 or a local
// file, verified (--sha256, size, zip limits), kept under TRACEHOUND_HOME/rules/sigma/, compared with
// the set it replaces; hunt --rules sigma runs it. No network beyond 127.0.0.1.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { makeZip } from '../support/zip-writer.js';
import { tempDir } from '../report/fixtures.js';
import { download, DownloadError, refusedUrl } from '../../src/util/download.js';

const rule = (id: string, title: string, cmd: string, level = 'high') => Buffer.from(
  `title: ${title}\nid: ${id}\nstatus: test\nlogsource:\n  category: process_creation\n  product: windows\n` +
  `detection:\n  selection:\n    CommandLine|contains: ${cmd}\n  condition: selection\nlevel: ${level}\n`);
const A = '11111111-aaaa-4aaa-8aaa-000000000001', B = '22222222-bbbb-4bbb-8bbb-000000000002', C = '33333333-cccc-4ccc-8ccc-000000000003';
const V1 = makeZip([
  { name: 'rules/windows/a.yml', data: rule(A, 'Rule A', 'Install-TransportAgent') },
  { name: 'rules/windows/b.yml', data: rule(B, 'Rule B', 'whoami') },
  { name: 'README.md', data: Buffer.from('not a rule') },
  { name: '../escape.yml', data: rule(C, 'Climbs out', 'x') },
]);
const V2 = makeZip([
  { name: 'rules/windows/a.yml', data: rule(A, 'Rule A', 'Enable-TransportAgent') },
  { name: 'rules/windows/c.yml', data: rule(C, 'Rule C', 'net user') },
]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let body: Buffer = V1;
const server = createServer((req, res) => {
  if (req.url === '/big.zip') { res.writeHead(200, { 'content-length': String(100 * 1024 * 1024) }); res.end(); return; }
  if (req.url !== '/sigma_all_rules.zip') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.length) });
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The CLI as a child process (asynchronous, so this process's server answers it). */
function th(home: string, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, TRACEHOUND_HOME: home, NO_COLOR: '1' } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('update from 127.0.0.1: installed, the unsafe member refused; a second release is compared with the first', async () => {
  const home = tempDir('th-rules-home-');
  body = V1;
  let r = await th(home, 'rules', 'update', '--from', `${base}/sigma_all_rules.zip`, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  let j = JSON.parse(r.stdout) as { sha256: string; rules: number; loaded: number; added: { id: string }[]; removed: unknown[]; changed: unknown[]; previous: unknown; dir: string };
  assert.equal(j.sha256, sha(V1));
  assert.equal(j.rules, 2);
  assert.equal(j.loaded, 2);
  assert.deepEqual(j.added.map((x) => x.id).sort(), [A, B]);
  assert.equal(j.previous, null);
  assert.match(r.stderr, /\.\.\/escape\.yml: path climbs out with '\.\.'; not unpacked/);
  assert.ok(existsSync(join(home, 'rules', 'sigma', 'current', 'rules', 'windows', 'a.yml')));
  assert.ok(!existsSync(join(home, 'rules', 'sigma', 'escape.yml')) && !existsSync(join(home, 'rules', 'escape.yml')));

  r = await th(home, 'rules', 'update', '--from', `${base}/sigma_all_rules.zip`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /already up to date/);

  body = V2;
  r = await th(home, 'rules', 'update', '--from', `${base}/sigma_all_rules.zip`, '--format', 'table');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 added, 1 removed, 1 changed, 0 unchanged/);
  assert.match(r.stdout, /added:\n {2}Rule C {2}\(33333333-/);
  assert.match(r.stdout, /removed:\n {2}Rule B {2}\(22222222-/);
  assert.match(r.stdout, /changed:\n {2}Rule A {2}\(11111111-/);
  assert.deepEqual(readdirSync(join(home, 'rules', 'sigma')).sort(), ['current', 'previous', 'state.json']);

  // hunt --rules sigma runs the updated set
  const ev = join(home, 'ev.jsonl');
  writeFileSync(ev, JSON.stringify({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, CommandLine: 'net user x', Computer: 'H' }) + '\n');
  const h = await th(home, 'hunt', ev, '--rules', 'sigma', '--no-db', '--format', 'jsonl');
  assert.equal(h.status, 0, h.stderr);
  assert.equal((JSON.parse(h.stdout.trim()) as { rule_id: string }).rule_id, C);
});

test('--sha256 mismatch and a zip with no rule leave the installed set as it was', async () => {
  const home = tempDir('th-rules-home-');
  const file = join(home, 'pkg.zip');
  writeFileSync(file, V1);
  let r = await th(home, 'rules', 'update', '--from', file, '--sha256', sha(V1));
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(file, V2);
  r = await th(home, 'rules', 'update', '--from', file, '--sha256', sha(V1));
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`SHA-256 is ${sha(V2)}, not the ${sha(V1)} given with --sha256; nothing installed`));
  writeFileSync(file, makeZip([{ name: 'notes.txt', data: Buffer.from('x') }]));
  r = await th(home, 'rules', 'update', '--from', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no rule files \(\.yml\) in the package; nothing installed/);
  writeFileSync(file, 'PK\u0003\u0004 truncated');
  r = await th(home, 'rules', 'update', '--from', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a usable zip: no zip end-of-central-directory record/);
  assert.ok(existsSync(join(home, 'rules', 'sigma', 'current', 'rules', 'windows', 'b.yml')), 'V1 still installed');
  r = await th(home, 'rules', 'update', '--sha256', 'abc');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sha256 needs 64 hexadecimal digits/);
  r = await th(home, 'rules', 'update', '--package', 'everything');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--package must be one of core, core\+, core\+\+, emerging-threats, all/);
});

test('--rules sigma before any update: a clear error', async () => {
  const r = await th(tempDir('th-rules-home-'), 'hunt', 'samples/demo-exchange01.jsonl', '--rules', 'sigma', '--no-db');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--rules sigma: no SigmaHQ rules under .* yet; run 'tracehound rules update'/);
});

test('downloads: TLS only (plain HTTP to loopback alone), a size limit, HTTP errors named', async () => {
  assert.match(refusedUrl(new URL('http://example.com/x.zip'))!, /plain HTTP to example\.com refused/);
  assert.match(refusedUrl(new URL('ftp://example.com/x.zip'))!, /ftp: URLs are not supported/);
  assert.equal(refusedUrl(new URL('https://github.com/x')), null);
  assert.equal(refusedUrl(new URL('http://127.0.0.1:1/x')), null);
  await assert.rejects(download('http://example.com/x.zip', 1000), (e) => e instanceof DownloadError && /refused/.test(e.message));
  await assert.rejects(download(`${base}/big.zip`, 1024 * 1024), /104857600 bytes, over the 1048576-byte limit/);
  body = V1;
  await assert.rejects(download(`${base}/sigma_all_rules.zip`, 100), /more than 100 bytes|over the 100-byte limit/);
  await assert.rejects(download(`${base}/missing.zip`, 1000), /HTTP 404/);
  const d = await download(`${base}/sigma_all_rules.zip`, 1024 * 1024);
  assert.equal(d.sha256, sha(V1));
  assert.equal(d.bytes, V1.length);
});
