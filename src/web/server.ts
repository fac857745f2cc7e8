// `tracehound serve`: the local web UI and its JSON API over node:http.
//
// Security model (the UI shows attacker-controlled evidence and can start processes on this
// machine, so it is treated as a sensitive local service):
// - bound to loopback unless --allow-remote; the Host header must name the bound address and port
//   (421 otherwise: DNS rebinding);
// - a random 32-byte token per start: the first URL carries it (?token=), which sets an HttpOnly
//   SameSite=Strict cookie and redirects to the URL without it; API clients send
//   `Authorization: Bearer TOKEN`; anything else is 401 with no content;
// - state-changing requests (anything but GET/HEAD) need the per-session CSRF token (X-CSRF-Token
//   header, or the `_csrf` field of a form posted without script) AND an Origin (or Referer) that
//   is this server: 403 otherwise;
// - request bodies over 64 KiB: 413; static assets from an in-memory map only; any `..`, encoded
//   dot or slash, or backslash in a path: 404;
// - every response carries a strict CSP (no inline script or style), nosniff, no-referrer and
//   frame-ancestors 'none'; pages escape every value (report/escape.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { openCaseStore, CaseStoreError, parseState, type CaseStore, type FindingFilter, type CaseRecord } from '../cases/store.js';
import { LEVELS, type Level } from '../sigma/model.js';
import { ASSETS } from './assets.js';
import { HuntError, HuntJobs, doneData, type HuntEvent } from './hunts.js';
import { RuleCatalogue, TABS } from './rules.js';
import * as pages from './pages.js';
import { techniquePage, renderJson, renderMarkdown } from '../knowledge/render.js';
import { readAttackStore, storeDir, storePath, type AttackStore } from '../knowledge/attack-store.js';
import { renderHtmlReport, techniqueFromMarkdown, REPORT_CSP } from '../report/html.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { findingWriter } from '../report/records.js';
import { Sink } from '../report/sink.js';
import { reportTime } from '../report/summary.js';
import { toolVersion } from '../cases/recorder.js';
import type { Conversion, Target } from '../sigma/backends/index.js';

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const BODY_LIMIT = 64 * 1024;
const PER_PAGE = 50;
const API_MAX_PER_PAGE = 500;

export interface ServeOptions {
  /** the case store (default: the default store path) */
  db?: string;
  port?: number;
  host?: string;
  /** allow a non-loopback --host */
  allowRemote?: boolean;
  /** the ATT&CK store folder (default: the default store) */
  store?: string;
  /** name recorded with triage changes (default: $USER) */
  analyst?: string;
}

export interface WebServer {
  server: Server;
  store: CaseStore;
  token: string;
  csrf: string;
  host: string;
  port: number;
  /** the base URL, without the token */
  origin: string;
  /** the URL to open (with the token) */
  url: string;
  close(): Promise<void>;
}

export class ServeError extends Error {}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** A Sink that keeps what the report writers write (they write to files or standard output). */
class StringSink extends Sink {
  private chunks: string[] = [];
  constructor() { super(undefined); }
  override write(s: string): void { this.chunks.push(s); }
  override writeBytes(b: Uint8Array): void { this.chunks.push(Buffer.from(b).toString('utf8')); }
  override flush(): void { /* kept in memory */ }
  override end(): void { this.closed = true; }
  text(): string { return this.chunks.join(''); }
}

function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) throw new HttpError(413, `request body larger than ${BODY_LIMIT} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > BODY_LIMIT) throw new HttpError(413, `request body larger than ${BODY_LIMIT} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type Body = { get(k: string): string | undefined; all(k: string): string[]; raw: Record<string, unknown> };

function parseBody(req: IncomingMessage, text: string): Body {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    let v: unknown;
    try { v = text ? JSON.parse(text) : {}; } catch { throw new HttpError(400, 'the body is not JSON'); }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
    const o = v as Record<string, unknown>;
    return {
      raw: o,
      get: (k) => (typeof o[k] === 'string' ? o[k] as string : typeof o[k] === 'boolean' || typeof o[k] === 'number' ? String(o[k]) : undefined),
      all: (k) => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === 'string') : typeof o[k] === 'string' ? [o[k] as string] : []),
    };
  }
  if (type === 'application/x-www-form-urlencoded' || (type === '' && text === '')) {
    const p = new URLSearchParams(text);
    return { raw: Object.fromEntries(p), get: (k) => p.get(k) ?? undefined, all: (k) => p.getAll(k) };
  }
  throw new HttpError(415, 'send application/json or application/x-www-form-urlencoded');
}

function findingQuery(sp: URLSearchParams): pages.FindingQuery {
  const q: pages.FindingQuery = {};
  for (const k of ['severity', 'host', 'rule', 'state', 'from', 'to', 'hunt', 'page'] as const) {
    const v = sp.get(k)?.trim();
    if (v) q[k] = v.slice(0, 500);
  }
  return q;
}

function toFilter(q: pages.FindingQuery): FindingFilter {
  const f: FindingFilter = {};
  if (q.severity) {
    if (!(LEVELS as readonly string[]).includes(q.severity)) throw new HttpError(400, `severity must be one of ${LEVELS.join(', ')}`);
    f.severity = q.severity as Level;
  }
  if (q.host) f.host = q.host;
  if (q.rule) f.ruleOrCheck = q.rule;
  if (q.state) f.state = parseState(q.state);
  const time = (v: string, name: string) => {
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) && name === 'to' ? `${v}T23:59:59.999Z` : /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
    if (!Number.isFinite(t)) throw new HttpError(400, `${name} is not a time: '${v}' (e.g. 2026-11-10 or 2026-11-10T12:00:00Z)`);
    return t;
  };
  if (q.from) f.from = time(q.from, 'from');
  if (q.to) f.to = time(q.to, 'to');
  if (q.hunt) {
    if (!/^\d{1,12}$/.test(q.hunt)) throw new HttpError(400, 'hunt must be a hunt number');
    f.huntId = Number(q.hunt);
  }
  return f;
}

function pageNumber(v: string | null | undefined): number {
  if (!v) return 1;
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw new HttpError(400, 'page must be a whole number from 1');
  return Number(v);
}

const DOWNLOAD_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8', md: 'text/markdown; charset=utf-8',
};

export async function startServer(opts: ServeOptions = {}): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.allowRemote) throw new ServeError(`--host ${host} is not a loopback address; the UI shows sensitive evidence and can start hunts: give --allow-remote to serve it to other machines anyway`);
  const store = openCaseStore(opts.db);
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  const analyst = (opts.analyst ?? process.env['USER'] ?? (() => { try { return userInfo().username; } catch { return ''; } })()) || 'analyst';
  const jobs = new HuntJobs(store, store.path);
  let catalogue: RuleCatalogue | null = null;
  const rules = () => (catalogue ??= new RuleCatalogue());
  // the ATT&CK store (up to hundreds of MB of JSON): read again only when its file changes, as an
  // import while the server runs does; a damaged or missing store is no official data
  let attack: { key: string; store: AttackStore | null } | null = null;
  const attackStore = (): AttackStore | null => {
    const dir = storeDir(opts.store);
    let key = '';
    try { const st = statSync(storePath(dir)); key = `${st.mtimeMs}:${st.size}:${st.ino}`; } catch { /* not imported */ }
    if (attack?.key !== key) {
      let store: AttackStore | null = null;
      try { store = readAttackStore(dir); } catch { store = null; }
      attack = { key, store };
    }
    return attack.store;
  };
  const ctx: pages.PageContext = { csrf };
  let allowedHosts = new Set<string>();
  let cookieName = 'tracehound';
  let port = 0;

  function securityHeaders(res: ServerResponse, csp = CSP): void {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    res.end(body);
  }
  const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(v));
  const page = (res: ServerResponse, status: number, body: string) => send(res, status, 'text/html; charset=utf-8', body);
  const redirect = (res: ServerResponse, to: string) => { res.statusCode = 303; res.setHeader('Location', to); res.end(); };

  /** The request's Origin (or the origin of its Referer) is this server. */
  function sameOrigin(req: IncomingMessage): boolean {
    const self = `http://${req.headers.host}`;
    const origin = req.headers.origin;
    if (origin !== undefined) return origin === self;
    const ref = req.headers.referer;
    return typeof ref === 'string' && (ref === self || ref.startsWith(self + '/'));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(hostHeader)) { send(res, 421, 'text/plain; charset=utf-8', 'misdirected request: unknown Host\n'); return; }
    const raw = req.url ?? '/';
    // '//x' would be read as a URL with another host
    if (!raw.startsWith('/') || raw.startsWith('//')) { send(res, 400, 'text/plain; charset=utf-8', 'bad request\n'); return; }
    const q = raw.indexOf('?');
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    let url: URL;
    try { url = new URL(raw, `http://${hostHeader}`); } catch { send(res, 400, 'text/plain; charset=utf-8', 'bad request: not a valid URL\n'); return; }
    const method = req.method ?? 'GET';

    // authentication
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!same(given, token) || (method !== 'GET' && method !== 'HEAD')) { res.statusCode = 401; res.end(); return; }
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      redirect(res, url.pathname + url.search);
      return;
    }
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
    const cookie = cookies(req).get(cookieName);
    if (!((bearer !== null && same(bearer, token)) || (cookie !== undefined && same(cookie, token)))) { res.statusCode = 401; res.end(); return; }

    // paths: no dot segments, encoded dots or slashes, or backslashes, anywhere
    if (/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|%00/i.test(rawPath)) { notFound(req, res, url); return; }
    let path: string;
    try { path = decodeURIComponent(rawPath); } catch { send(res, 400, 'text/plain; charset=utf-8', 'bad request: malformed percent-encoding in the path\n'); return; }

    const isApi = path.startsWith('/api/');
    let body: Body | null = null;
    if (method !== 'GET' && method !== 'HEAD') {
      // CSRF: same origin AND the session's token
      if (!sameOrigin(req)) throw new HttpError(403, 'cross-site request refused (Origin/Referer is not this server)');
      const text = await readBody(req);
      const headerToken = req.headers['x-csrf-token'];
      let formToken: string | undefined;
      if (typeof headerToken !== 'string') {
        try { formToken = parseBody(req, text).get('_csrf'); } catch { formToken = undefined; }
      }
      const t = typeof headerToken === 'string' ? headerToken : formToken;
      if (t === undefined || !same(t, csrf)) throw new HttpError(403, 'missing or wrong CSRF token');
      if (method !== 'POST') throw new HttpError(405, 'method not allowed');
      body = parseBody(req, text);
    }
    await route(req, res, method, path, url, body, isApi);
  }

  function notFound(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    else page(res, 404, pages.errorPage(ctx, 404, 'There is no such page.'));
  }

  function findingOr404(id: string): CaseRecord {
    const f = store.getFinding(id);
    if (!f) throw new HttpError(404, `no finding '${id}'`);
    return f;
  }

  function doState(id: string, b: Body): void {
    const state = b.get('state');
    if (!state) throw new HttpError(400, 'give the state');
    store.setState(id, parseState(state), analyst, b.get('note') ?? undefined);
  }
  function doNote(id: string, b: Body): number {
    return store.addNote(id, analyst, b.get('text') ?? '');
  }
  /** JSON: {step, done}; a form: every `step` of the checklist, ticked when also in `done` (only changes are recorded). */
  function doSteps(id: string, b: Body, isApi: boolean): void {
    const f = findingOr404(id);
    if (isApi && b.get('step') !== undefined && !Array.isArray(b.raw['step'])) {
      const d = b.raw['done'];
      store.tickStep(id, b.get('step')!, d === true || d === 'true' || d === '1' || d === 'on', analyst);
      return;
    }
    const done = new Set(b.all('done'));
    for (const step of b.all('step')) {
      const now = done.has(step);
      const cur = f.case.steps.find((s) => s.step_id === step)?.done ?? false;
      if (now !== cur) store.tickStep(id, step, now, analyst);
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse, method: string, path: string, url: URL, body: Body | null, isApi: boolean): Promise<void> {
    const get = method === 'GET' || method === 'HEAD';
    let m: RegExpExecArray | null;
    if (get && path === '/') return redirect(res, '/findings');
    if (path.startsWith('/assets/')) {
      const a = get ? ASSETS.get(path) : undefined;
      if (!a) return notFound(req, res, url);
      res.setHeader('Cache-Control', 'no-cache');
      return send(res, 200, a.type, a.body);
    }
    // ---- findings
    if (get && path === '/findings') {
      const q = findingQuery(url.searchParams);
      const filter = toFilter(q);
      const pg = pageNumber(q.page);
      const rows = store.listFindings({ ...filter, limit: PER_PAGE + 1, offset: (pg - 1) * PER_PAGE });
      const chart = store.listFindings({ ...filter, limit: 300 });
      return page(res, 200, pages.findingsPage(ctx, q, rows.slice(0, PER_PAGE), rows.length > PER_PAGE, pg, PER_PAGE, chart));
    }
    if (get && path === '/api/findings') {
      const q = findingQuery(url.searchParams);
      const filter = toFilter(q);
      const pg = pageNumber(q.page);
      const per = url.searchParams.has('per_page') ? pageNumber(url.searchParams.get('per_page')) : PER_PAGE;
      if (per > API_MAX_PER_PAGE) throw new HttpError(400, `per_page is at most ${API_MAX_PER_PAGE}`);
      const rows = store.listFindings({ ...filter, limit: per + 1, offset: (pg - 1) * per });
      return json(res, 200, { page: pg, per_page: per, more: rows.length > per, findings: rows.slice(0, per) });
    }
    if ((m = /^\/(api\/)?findings\/([^/]+)$/.exec(path)) && get) {
      const f = findingOr404(m[2]!);
      return m[1] ? json(res, 200, f) : page(res, 200, pages.findingPage(ctx, f));
    }
    if ((m = /^\/(api\/)?findings\/([^/]+)\/(state|notes|steps)$/.exec(path)) && method === 'POST' && body) {
      const id = m[2]!;
      findingOr404(id);
      let extra: Record<string, unknown> = {};
      if (m[3] === 'state') doState(id, body);
      else if (m[3] === 'notes') extra = { note: doNote(id, body) };
      else doSteps(id, body, !!m[1]);
      if (m[1]) return json(res, 200, { ok: true, ...extra, finding: store.getFinding(id)?.case });
      return redirect(res, `/findings/${encodeURIComponent(id)}`);
    }
    // ---- reports
    if (get && (m = /^\/reports\/findings\.(html|csv|json|md)$/.exec(path))) return report(res, m[1]!, url);
    // ---- hunts
    if (get && path === '/hunts') return page(res, 200, pages.huntsPage(ctx, store.listHunts()));
    if (get && path === '/api/hunts') return json(res, 200, { hunts: store.listHunts() });
    if (method === 'POST' && body && (path === '/hunts' || path === '/api/hunts')) {
      const target = body.get('path') ?? '';
      try {
        const job = await jobs.start(target);
        if (path === '/api/hunts') return json(res, 202, { hunt: job.huntId, events: `/api/hunts/${job.huntId}/events` });
        return redirect(res, `/hunts/${job.huntId}`);
      } catch (e) {
        if (!(e instanceof HuntError)) throw e;
        if (path === '/api/hunts') return json(res, e.status, { error: e.message });
        return page(res, e.status, pages.huntsPage(ctx, store.listHunts(), e.message, target));
      }
    }
    if (get && (m = /^\/(api\/)?hunts\/(\d{1,12})$/.exec(path))) {
      const h = store.getHunt(Number(m[2]));
      if (!h) throw new HttpError(404, `no hunt ${m[2]}`);
      if (m[1]) return json(res, 200, h);
      const job = jobs.job(h.id);
      return page(res, 200, pages.huntPage(ctx, h, !!job && !job.done));
    }
    if (get && (m = /^\/api\/hunts\/(\d{1,12})\/events$/.exec(path))) return events(req, res, Number(m[1]));
    // ---- rules
    if (get && path === '/rules') return page(res, 200, pages.rulesPage(ctx, rules().rules, rules().problems));
    if (get && (m = /^\/(api\/)?rules\/([^/]+)$/.exec(path))) {
      const r = rules().get(m[2]!);
      if (!r) throw new HttpError(404, `no rule '${m[2]}' in the catalogue`);
      const convs = new Map<string, Conversion>();
      for (const t of TABS) if (t.target !== 'sigma') convs.set(t.target, await rules().convert(r, t.target as Target));
      if (m[1]) return json(res, 200, { id: r.key, title: r.doc.meta.title, file: r.file, sigma: rules().source(r), queries: Object.fromEntries(convs) });
      return page(res, 200, pages.rulePage(ctx, r, rules().source(r), convs));
    }
    // ---- technique
    if (get && (m = /^\/(api\/)?technique\/(T\d{4}(?:\.\d{3})?)$/i.exec(path))) {
      const id = m[2]!.toUpperCase();
      const tp = techniquePage(id, attackStore());
      if (!tp) throw new HttpError(404, `neither tracehound nor the imported ATT&CK data knows ${id}`);
      if (m[1]) return send(res, 200, 'application/json; charset=utf-8', renderJson(tp));
      return page(res, 200, pages.techniqueHtmlPage(ctx, techniqueFromMarkdown(renderMarkdown(tp), { id, name: tp.name })));
    }
    if (get && path === '/api/session') return json(res, 200, { csrf, analyst });
    if (!get && method !== 'POST') throw new HttpError(405, 'method not allowed');
    return notFound(req, res, url);
  }

  function report(res: ServerResponse, fmt: string, url: URL): void {
    const q = findingQuery(url.searchParams);
    const filter = toFilter(q);
    const all: CaseRecord[] = [];
    store.export((r) => { if (all.length < 5000) all.push(r); }, filter);
    const findings = all.map(({ case: _c, ...f }) => f);
    const summary = { inputs: [`case store ${store.path}${Object.keys(q).length ? ` (filter: ${new URLSearchParams(q as Record<string, string>).toString()})` : ''}`], generated: reportTime(), tool: `tracehound ${toolVersion()}` };
    let text: string;
    let csp = CSP;
    if (fmt === 'html') {
      text = renderHtmlReport(findings, summary, { title: 'tracehound findings' });
      csp = `${REPORT_CSP}; frame-ancestors 'none'`; // the report's own inline style and script, by hash
    } else if (fmt === 'md') text = renderMarkdownReport(findings, summary);
    else {
      const sink = new StringSink();
      const w = findingWriter(fmt === 'csv' ? 'csv' : 'json', sink, false, { warn: () => {} });
      for (const f of findings) w.write(f);
      w.end();
      text = sink.text();
    }
    res.setHeader('Content-Security-Policy', csp);
    send(res, 200, DOWNLOAD_TYPES[fmt]!, text, { 'Content-Disposition': `attachment; filename="tracehound-findings.${fmt}"` });
  }

  function events(req: IncomingMessage, res: ServerResponse, id: number): void {
    const h = store.getHunt(id);
    if (!h) throw new HttpError(404, `no hunt ${id}`);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    const write = (e: HuntEvent) => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    const job = jobs.job(id);
    if (!job) { write({ event: 'done', data: doneData(h) }); res.end(); return; }
    for (const e of job.events) write(e);
    if (job.done) { res.end(); return; }
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const listener = (e: HuntEvent) => { write(e); if (e.event === 'done') { cleanup(); res.end(); } };
    const cleanup = () => { clearInterval(ping); job.listeners.delete(listener); };
    job.listeners.add(listener);
    req.on('close', cleanup);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      let status = 500, message = 'internal error';
      if (e instanceof HttpError) { status = e.status; message = e.message; }
      else if (e instanceof CaseStoreError) { status = e.code === 'unknown-id' || e.code === 'unknown-hunt' ? 404 : e.code === 'too-large' ? 413 : e.code === 'damaged' ? 503 : 400; message = e.message; }
      else process.stderr.write(`tracehound serve: ${(e as Error).stack ?? String(e)}\n`);
      if (res.headersSent) { res.end(); return; }
      const wantsJson = (req.url ?? '').startsWith('/api/') || /application\/json/.test(String(req.headers.accept ?? '')) || req.method === 'POST';
      if (wantsJson) json(res, status, { error: message });
      else page(res, status, pages.errorPage(ctx, status, message));
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8765, host, () => { server.off('error', reject); resolveListen(); });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${hostPart}:${port}`.toLowerCase()]);
  if (isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '[::1]']) allowedHosts.add(`${h}:${port}`);
  cookieName = `tracehound_${port}`;
  const origin = `http://${hostPart}:${port}`;
  return {
    server, store, token, csrf, host, port, origin, url: `${origin}/?token=${token}`,
    async close() {
      jobs.stopAll();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store.close();
    },
  };
}
