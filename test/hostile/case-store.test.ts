// A case store damaged inside a page (header intact): every command says so clearly and exits 2,
// `cases export` writes every readable finding and lists the damaged ones, the web UI answers 503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openCaseStore } from '../../src/cases/store.js';
import { cli, jsonLines, makeFinding, tempDir } from '../cases/helpers.js';
import { startServer } from '../../src/web/server.js';
import { http } from '../web/helpers.js';

const N = 40;

/** A store with N findings (big enough to fill several pages), then the page holding `victim` overwritten. */
function damagedStore(victim: string): string {
  const db = join(tempDir(), 'cases.db');
  const store = openCaseStore(db);
  const hunt = store.beginHunt({ toolVersion: 'test', commandLine: ['hunt'] });
  const ids = Array.from({ length: N }, (_, i) => i.toString(16).padStart(16, '0'));
  store.recordFindings(hunt, ids.map((id) => makeFinding(id, { title: `Finding ${id} ${'x'.repeat(1500)}` })));
  store.close(); // checkpoints the WAL into the file
  const bytes = readFileSync(db);
  const pageSize = bytes.readUInt16BE(16);
  const pages = new Set<number>();
  for (let at = bytes.indexOf(`"id":"${victim}"`); at >= 0; at = bytes.indexOf(`"id":"${victim}"`, at + 1)) pages.add(Math.floor(at / pageSize));
  assert.ok(pages.size > 0 && !pages.has(0), 'the damage is past the header page');
  const fd = openSync(db, 'r+');
  for (const page of pages) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize); // the page as garbage
  closeSync(fd);
  return db;
}

test('hostile case store: a damaged page gives a clear message and exit 2, never a stack trace', async () => {
  const victim = (20).toString(16).padStart(16, '0');
  const db = damagedStore(victim);
  const t0 = performance.now();
  const show = await cli(['cases', 'show', victim, '--db', db]);
  assert.equal(show.code, 2, show.stderr);
  assert.match(show.stderr, /case store .*cases\.db is damaged/);
  assert.doesNotMatch(show.stderr, /SqliteError|\n\s+at /, 'no stack trace');

  const exp = await cli(['cases', 'export', '--format', 'jsonl', '--db', db]);
  assert.equal(exp.code, 2, exp.stderr);
  const rows = jsonLines<{ id: string }>(exp.out);
  assert.ok(rows.length > 0 && rows.length < N, `readable rows exported (${rows.length} of ${N})`);
  assert.ok(!rows.some((r) => r.id === victim), 'the damaged row is not in the export');
  const listed = /could not be read: (.*)/.exec(exp.stderr)?.[1]?.split(', ') ?? [];
  assert.ok(listed.includes(victim), exp.stderr);
  assert.equal(rows.length + listed.length, N, 'every finding is either exported or listed as damaged');
  assert.ok(performance.now() - t0 < 5000);
});

test('hostile web requests: bad percent-encoding, a damaged store, wrong Host, cross-site POST, traversal: clear 4xx/503, no stack trace', async () => {
  const victim = (7).toString(16).padStart(16, '0');
  const web = await startServer({ db: damagedStore(victim), port: 0, analyst: 'tester' });
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((c: string | Uint8Array) => { stderr += String(c); return true; }) as typeof process.stderr.write;
  try {
    const auth = { Authorization: `Bearer ${web.token}` };
    const cases: [string, string, Record<string, string>, number][] = [
      ['GET', '/assets/%E0%A4%A', auth, 400],
      ['GET', '/findings/%ZZ', auth, 400],
      ['GET', '//evil.example/x', auth, 400],
      ['GET', '/assets/..%2f..%2fetc%2fpasswd', auth, 404],
      ['GET', '/findings', { ...auth, Host: 'evil.example' }, 421],
      ['POST', `/api/findings/${victim}/state`, { ...auth, Origin: 'http://evil.example', 'Content-Type': 'application/json' }, 403],
      ['GET', `/api/findings/${victim}`, auth, 503],
    ];
    for (const [method, path, headers, status] of cases) {
      const r = await http(web.port, method, path, headers, method === 'POST' ? '{"state":"closed"}' : undefined);
      assert.equal(r.status, status, `${method} ${path}: ${r.body.slice(0, 200)}`);
    }
    const r = await http(web.port, 'GET', `/api/findings/${victim}`, auth);
    assert.match(JSON.parse(r.body).error, /is damaged/);
  } finally {
    process.stderr.write = write;
    await web.close();
  }
  assert.doesNotMatch(stderr, /URIError|SqliteError|\n\s+at /, stderr);
});
