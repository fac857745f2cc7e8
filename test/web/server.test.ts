import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, CSP, type WebServer } from '../../src/web/server.js';
import { openCaseStore } from '../../src/cases/store.js';
import { HOSTILE, hostileFinding, http, plainFinding, seedStore } from './helpers.js';

let web: WebServer;
let db: string;
let auth: Record<string, string>;
let origin: string;

before(async () => {
  db = seedStore([hostileFinding(), plainFinding(1, 'high'), plainFinding(2, 'low')]);
  web = await startServer({ db, port: 0, analyst: 'tester' });
  auth = { Authorization: `Bearer ${web.token}` };
  origin = web.origin;
});
after(async () => { await web.close(); });

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  http(web.port, 'POST', path, { ...auth, 'Content-Type': 'application/json', Origin: origin, 'X-CSRF-Token': web.csrf, ...headers }, JSON.stringify(body));

test('prints a loopback URL with a long random token', () => {
  assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
});

test('no token: 401 with no content, for pages, API and assets', async () => {
  for (const p of ['/', '/findings', '/api/findings', '/assets/app.js', '/findings/f00dbad0c0ffee01', '/nothing']) {
    const r = await http(web.port, 'GET', p);
    assert.equal(r.status, 401, p);
    assert.equal(r.body, '', p);
    assert.equal(r.headers['content-security-policy'], CSP);
  }
  assert.equal((await http(web.port, 'GET', '/findings', { Authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await http(web.port, 'GET', '/findings', { Cookie: `tracehound_${web.port}=wrong` })).status, 401);
  assert.equal((await http(web.port, 'GET', '/findings?token=wrong')).status, 401);
});

test('token URL sets an HttpOnly SameSite=Strict cookie and redirects without the token; the cookie works', async () => {
  const r = await http(web.port, 'GET', `/findings?severity=high&token=${web.token}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/findings?severity=high');
  const set = String(r.headers['set-cookie']);
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  const cookie = set.split(';')[0]!;
  const page = await http(web.port, 'GET', '/findings?severity=high', { Cookie: cookie });
  assert.equal(page.status, 200);
  assert.match(page.body, /Synthetic finding 1/);
  assert.doesNotMatch(page.body, /Synthetic finding 2/);
  const meta = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body);
  assert.equal(meta?.[1], web.csrf);
});

test('wrong Host header (DNS rebinding): 421', async () => {
  for (const host of ['evil.example', `evil.example:${web.port}`, '127.0.0.1:1']) {
    const r = await http(web.port, 'GET', '/findings', { ...auth, Host: host });
    assert.equal(r.status, 421, host);
  }
  assert.equal((await http(web.port, 'GET', '/findings', { ...auth, Host: `localhost:${web.port}` })).status, 200);
});

test('CSRF: cross-site and token-less posts are refused; same-origin with the token works', async () => {
  const id = 'f00dbad0c0ffee01';
  // a cross-site form post: Origin evil.example, no CSRF header
  let r = await http(web.port, 'POST', `/findings/${id}/state`, { ...auth, Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' }, 'state=benign');
  assert.equal(r.status, 403);
  r = await post(`/api/findings/${id}/state`, { state: 'benign' }, { Origin: 'http://evil.example' });
  assert.equal(r.status, 403, 'right token, wrong origin');
  r = await post(`/api/findings/${id}/state`, { state: 'benign' }, { 'X-CSRF-Token': 'nope' });
  assert.equal(r.status, 403, 'same origin, wrong token');
  r = await http(web.port, 'POST', `/api/findings/${id}/state`, { ...auth, Origin: origin, 'Content-Type': 'application/json' }, '{"state":"benign"}');
  assert.equal(r.status, 403, 'same origin, no token');
  r = await http(web.port, 'POST', `/api/findings/${id}/state`, { ...auth, 'X-CSRF-Token': web.csrf, 'Content-Type': 'application/json' }, '{"state":"benign"}');
  assert.equal(r.status, 403, 'neither Origin nor Referer');
  r = await http(web.port, 'DELETE', `/api/findings/${id}`, { ...auth, Origin: 'http://evil.example' });
  assert.equal(r.status, 403);
  const s = openCaseStore(db);
  assert.equal(s.getFinding(id)!.case.state, 'new', 'nothing changed');
  s.close();
});

test('state, notes and ticks through the API persist in the store', async () => {
  const id = 'f00dbad0c0ffee01';
  assert.equal((await post(`/api/findings/${id}/steps`, { step: 'l1-verify', done: true })).status, 200);
  assert.equal((await post(`/api/findings/${id}/notes`, { text: 'looked <b>at</b> it' })).status, 200);
  // no Origin, a Referer on this server
  const r = await http(web.port, 'POST', `/api/findings/${id}/state`, { ...auth, 'Content-Type': 'application/json', 'X-CSRF-Token': web.csrf, Referer: `${origin}/findings/${id}` }, JSON.stringify({ state: 'investigating', note: 'on it' }));
  assert.equal(r.status, 200, r.body);
  // a form post without script: the hidden _csrf field, then a redirect to the page
  const form = await http(web.port, 'POST', `/findings/${id}/notes`, { ...auth, Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' }, `_csrf=${encodeURIComponent(web.csrf)}&text=form+note`);
  assert.equal(form.status, 303);
  assert.equal(form.headers.location, `/findings/${id}`);
  assert.equal((await post(`/api/findings/${id}/state`, { state: 'pwned' })).status, 400);
  assert.equal((await post(`/api/findings/${id}/steps`, { step: 'no-such-step', done: true })).status, 400);
  assert.equal((await post('/api/findings/unknownid0000/notes', { text: 'x' })).status, 404);
  const s = openCaseStore(db);
  const f = s.getFinding(id)!;
  s.close();
  assert.equal(f.case.state, 'investigating');
  assert.equal(f.case.state_analyst, 'tester');
  assert.deepEqual(f.case.notes.map((n) => n.text), ['looked <b>at</b> it', 'form note']);
  assert.deepEqual(f.case.steps.map((t) => [t.step_id, t.done]), [['l1-verify', true]]);
});

test('asset route: only the in-memory assets; ../ and encoded variants are 404', async () => {
  assert.equal((await http(web.port, 'GET', '/assets/app.js', auth)).status, 200);
  assert.equal((await http(web.port, 'GET', '/assets/app.css', auth)).status, 200);
  for (const p of ['/assets/../assets/app.js', '/assets/../../../../etc/passwd', '/assets/%2e%2e%2fapp.js', '/assets/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fpasswd',
    '/assets/%2E%2E%2Fserver.ts', '/assets/..\\app.js', '/assets/./app.js', '/assets/server.ts', '/assets/', '/assets/app.js%00', '/findings/..%2f..%2fetc']) {
    const r = await http(web.port, 'GET', p, auth);
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.body, /root:|import /, p);
  }
});

test('request body over 64 KiB: 413', async () => {
  const big = JSON.stringify({ text: 'x'.repeat(70 * 1024) });
  const r = await post('/api/findings/f00dbad0c0ffee01/notes', JSON.parse(big));
  assert.equal(r.status, 413);
});

test('CSP, nosniff and no-referrer on every page and API response', async () => {
  for (const p of ['/findings', '/findings/f00dbad0c0ffee01', '/hunts', '/rules', '/technique/T1505.002', '/api/findings', '/api/findings/f00dbad0c0ffee01', '/api/hunts', '/assets/app.js', '/nothing', '/api/nothing', '/reports/findings.csv']) {
    const r = await http(web.port, 'GET', p, auth);
    assert.ok([200, 404].includes(r.status), `${p} ${r.status}`);
    assert.equal(r.headers['content-security-policy'], CSP, p);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', p);
  }
  // the HTML report download keeps its own hash-based policy, as strict
  const rep = await http(web.port, 'GET', '/reports/findings.html', auth);
  assert.match(String(rep.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/);
  assert.match(String(rep.headers['content-disposition']), /attachment/);
});

test('hostile evidence is inert in the finding page', async () => {
  const r = await http(web.port, 'GET', '/findings/f00dbad0c0ffee01', auth);
  assert.equal(r.status, 200);
  const body = r.body;
  assert.doesNotMatch(body, /<script>alert/);
  assert.doesNotMatch(body, /<img src=x/);
  assert.doesNotMatch(body, /onerror=alert\(2\)>/);
  assert.doesNotMatch(body, /href="javascript:/i);
  assert.doesNotMatch(body, /\u202E/);
  assert.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(body, /&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
  assert.match(body, /\\u202e/);
  assert.match(body, /javascript:alert\(3\)<\/span> <span class="muted">\(not a web link/);
  assert.match(body, /<a href="https:\/\/example\.org\/ok" rel="noreferrer noopener"/);
  // the only scripts are ours
  assert.deepEqual([...body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script type="module" src="/assets/app.js">']);
  // and the list page, the chart and the API
  const list = await http(web.port, 'GET', '/findings', auth);
  assert.doesNotMatch(list.body, /<script>alert|<img src=x|\u202E/);
  const api = await http(web.port, 'GET', '/api/findings/f00dbad0c0ffee01', auth);
  assert.match(String(api.headers['content-type']), /^application\/json/);
});

test('findings filters and pagination in the API; bad filters are 400', async () => {
  const r = JSON.parse((await http(web.port, 'GET', '/api/findings?severity=high', auth)).body) as { findings: { id: string }[] };
  assert.deepEqual(r.findings.map((f) => f.id), ['f00dbad0c0ffee01', 'synthetic0000001']);
  const p = JSON.parse((await http(web.port, 'GET', '/api/findings?per_page=1&page=2', auth)).body) as { findings: { id: string }[]; more: boolean };
  assert.equal(p.findings.length, 1);
  assert.equal(p.more, true);
  const h = JSON.parse((await http(web.port, 'GET', '/api/findings?host=host2', auth)).body) as { findings: { id: string }[] };
  assert.deepEqual(h.findings.map((f) => f.id), ['synthetic0000002']);
  for (const q of ['severity=extreme', 'state=x', 'from=notatime', 'page=0', 'hunt=x']) assert.equal((await http(web.port, 'GET', `/api/findings?${q}`, auth)).status, 400, q);
});

test('a hunt on a missing path is refused; non-loopback hosts need --allow-remote', async () => {
  const r = await post('/api/hunts', { path: '/no/such/folder/anywhere' });
  assert.equal(r.status, 400);
  assert.match(r.body, /no such file or folder/);
  await assert.rejects(startServer({ db: ':memory:', host: '0.0.0.0', port: 0 }), /not a loopback address/);
});

test('rule catalogue: a page per rule with six keyboard tabs; queries converted lazily and cached', async () => {
  const list = await http(web.port, 'GET', '/rules', auth);
  assert.equal(list.status, 200);
  const key = /href="\/rules\/([^"]+)"/.exec(list.body)![1]!;
  const r = await http(web.port, 'GET', `/rules/${key}`, auth);
  assert.equal(r.status, 200);
  assert.equal([...r.body.matchAll(/role="tab"/g)].length, 6);
  assert.equal([...r.body.matchAll(/role="tabpanel"/g)].length, 6);
  for (const label of ['Sigma', 'KQL', 'SPL', 'ES|QL', 'EQL', 'SQL']) assert.match(r.body, new RegExp(`role="tab"[^>]*>${label.replace('|', '\\|')}</button>`));
  assert.match(r.body, /<code id="q-sigma">title: /);
  assert.doesNotMatch(r.body, /<span class="cc"[^>]*>\\n<\/span>/, 'line breaks stay line breaks');
  const api = JSON.parse((await http(web.port, 'GET', `/api/rules/${key}`, auth)).body) as { queries: Record<string, { query?: string; error?: string }> };
  for (const t of ['kql', 'spl', 'esql', 'eql', 'sql']) assert.ok(api.queries[t]?.query ?? api.queries[t]?.error, t);
  assert.equal((await http(web.port, 'GET', '/rules/no-such-rule', auth)).status, 404);
});
