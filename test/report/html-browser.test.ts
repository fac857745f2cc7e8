// The HTML report in a real browser (Debian's chromium, headless, driven by playwright-core):
// hostile evidence stays text, nothing runs but our script, nothing is fetched, no dialog opens;
// the report reads without JS; and the README's screenshot of the demo hunt's report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/report/html.js';
import { main } from '../../src/cli/main.js';
import { hostileFindings, IMG_ATTR, JS_URL, RLO, ROOT, SCRIPT_TAG, tempDir } from './fixtures.js';

// The page's globals, for the functions that run in the browser (the project's tsconfig has no DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
type Node = any;

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does) to run the browser tests`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = join(ROOT, 'docs', 'report-screenshot.png');

/** A fresh browser with a new, empty user data dir. */
async function browser(javaScriptEnabled = true): Promise<{ ctx: BrowserContext; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'th-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: ARGS, javaScriptEnabled, viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1, offline: true,
  });
  return { ctx, close: async () => { await ctx.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Everything a page does that it should not: console errors, page errors, dialogs, requests, new pages. */
function watch(ctx: BrowserContext, page: Page) {
  const w = { errors: [] as string[], dialogs: [] as string[], requests: [] as string[], pages: 0 };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') w.errors.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { w.dialogs.push(`${d.type()}: ${d.message()}`); void d.dismiss(); });
  ctx.on('request', (r) => w.requests.push(r.url()));
  ctx.on('page', () => w.pages++);
  return w;
}

test('hostile evidence in the HTML report: inert text, no dialog, no request, no injected element', { skip: SKIP, timeout: 120_000 }, async () => {
  const dir = tempDir();
  const file = join(dir, 'hostile.html');
  writeFileSync(file, renderHtmlReport(hostileFindings(), { inputs: [`evidence${SCRIPT_TAG}`], generated: '2026-11-03T00:00:00.000Z', tool: 'tracehound test' }));
  const url = pathToFileURL(file).href;
  const b = await browser();
  try {
    const page = await b.ctx.newPage();
    const w = watch(b.ctx, page);
    await page.goto(url, { waitUntil: 'load' });
    // let anything deferred (an onerror, a timer, a lazy load) happen before we look
    await page.hover('article.card');
    await page.waitForTimeout(500);

    const facts = await page.evaluate(() => {
      const body = document.body;
      const text = body.textContent ?? '';
      const all: Node[] = [...document.querySelectorAll('*')];
      const huge = document.querySelector('#f-bbbbbbbbbbbbbbbb table.fields code.val');
      return {
        text,
        scripts: document.scripts.length,
        scriptText: document.scripts[0]?.textContent?.slice(0, 200) ?? '',
        images: document.images.length,
        embeds: document.querySelectorAll('iframe, object, embed, frame, video, audio, source, base, form, svg image, foreignObject').length,
        cardImgs: document.querySelectorAll('.card img').length,
        handlers: all.flatMap((e) => [...e.attributes].filter((a: Node) => /^on/i.test(a.name)).map((a: Node) => `${e.tagName}@${a.name}`)),
        links: [...document.querySelectorAll('a[href]')].map((a: Node) => ({ href: a.getAttribute('href') ?? '', rel: a.getAttribute('rel') ?? '' })),
        hugeLength: huge?.textContent?.length ?? -1,
        hugeEnd: huge?.textContent?.slice(-40) ?? '',
        hostTexts: [...document.querySelectorAll('dl.facts dd code')].map((c: Node) => String(c.textContent ?? '')),
        markers: [...document.querySelectorAll('.cc')].map((m: Node) => String(m.textContent)),
        filtersShown: !document.getElementById('filters').hidden,
        svgHasHtml: document.querySelectorAll('svg span, svg div, svg p').length,
      };
    });

    assert.deepEqual(w.dialogs, [], 'no dialog opened');
    assert.deepEqual(w.errors, [], 'no console error (a CSP violation would be one)');
    assert.deepEqual(w.requests, [url], 'the only request is the document itself');
    assert.equal(w.pages, 0, 'no other page or popup opened');

    assert.equal(facts.scripts, 1, 'only our script');
    assert.match(facts.scriptText, /var box = document\.getElementById\('filters'\)/);
    assert.equal(facts.images, 0, 'no <img> anywhere');
    assert.equal(facts.cardImgs, 0);
    assert.equal(facts.embeds, 0);
    assert.deepEqual(facts.handlers, [], 'no event handler attribute');
    assert.equal(facts.svgHasHtml, 0, 'the chart is pure SVG');

    // the hostile strings are there, as text
    for (const s of [SCRIPT_TAG, IMG_ATTR, JS_URL, 'data:text/html,<script>alert(1)</script>']) assert.ok(facts.text.includes(s), `text shows ${s}`);
    assert.ok(facts.hostTexts.some((h) => h.includes(IMG_ATTR) && h.includes('\\u202e')), 'the hostile host name, with its marker');
    // RTL override and control characters are visible markers, never themselves
    assert.ok(!facts.text.includes(RLO), 'no raw U+202E in the page text');
    assert.doesNotMatch(facts.text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/, 'no raw control character in the page text');
    for (const m of ['\\u202e', '\\x00', '\\x07', '\\x1b', '\\x1f', '\\n', '\\t']) assert.ok(facts.markers.includes(m), `marker ${m}`);
    // the javascript: and data: references are not links; the real one is, without referrer or opener
    for (const l of facts.links) {
      if (l.href.startsWith('#')) continue;
      assert.match(l.href, /^https?:\/\//, `link ${l.href}`);
      assert.equal(l.rel, 'noreferrer noopener');
    }
    assert.ok(facts.links.some((l) => l.href === 'https://attack.mitre.org/techniques/T1505/002/'));
    // the 1 MB command line is cut to a few KB, saying how much is left out
    assert.ok(facts.hugeLength > 1000 && facts.hugeLength < 5000, `shown ${facts.hugeLength} characters`);
    assert.match(facts.hugeEnd, /… \(1,0\d\d,\d{3} more characters\)$/);

    // the filter box (our script) works: the marker text finds the hostile card only
    assert.ok(facts.filtersShown, 'the script ran and showed the filter box');
    await page.fill('#filter-text', 'onerror=alert');
    const visible = await page.$$eval('article.card', (cs) => cs.filter((c) => !(c as Node).hidden).map((c) => c.id));
    assert.deepEqual(visible, ['f-aaaaaaaaaaaaaaaa']);
    await page.selectOption('#filter-severity', '3');
    await page.fill('#filter-text', '');
    assert.equal(await page.$$eval('article.card', (cs) => cs.filter((c) => !(c as Node).hidden).length), 2, 'high and above');
    assert.deepEqual(w.dialogs, []);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.requests, [url]);
  } finally {
    await b.close();
  }
});

test('the report reads fully without JavaScript (the filter box stays hidden)', { skip: SKIP, timeout: 120_000 }, async () => {
  const dir = tempDir();
  const file = join(dir, 'nojs.html');
  writeFileSync(file, renderHtmlReport(hostileFindings(), { inputs: ['x'] }));
  const b = await browser(false);
  try {
    const page = await b.ctx.newPage();
    const w = watch(b.ctx, page);
    await page.goto(pathToFileURL(file).href);
    assert.equal(await page.isVisible('#filters'), false);
    assert.equal(await page.locator('article.card').count(), 3);
    for (const id of ['f-aaaaaaaaaaaaaaaa', 'f-bbbbbbbbbbbbbbbb', 'f-cccccccccccccccc']) assert.ok(await page.isVisible(`#${id}`));
    assert.ok(await page.isVisible('#timeline svg'), 'the chart needs no script');
    assert.deepEqual(w.errors, []);
  } finally {
    await b.close();
  }
});

test('the demo hunt\'s report, made by hunt --html in-process, and the README screenshot', { skip: SKIP, timeout: 120_000 }, async () => {
  const dir = tempDir();
  const html = join(dir, 'report.html');
  const saved = { home: process.env['TRACEHOUND_HOME'], epoch: process.env['SOURCE_DATE_EPOCH'], cwd: process.cwd() };
  process.env['TRACEHOUND_HOME'] = dir;
  process.env['SOURCE_DATE_EPOCH'] = String(Date.parse('2026-11-03T08:00:00Z') / 1000);
  let code: number;
  try {
    process.chdir(ROOT);
    code = await main(['hunt', 'samples', '--format', 'json', '--out', join(dir, 'findings.json'), '--html', html, '--quiet']);
  } finally {
    process.chdir(saved.cwd);
    for (const [k, v] of [['TRACEHOUND_HOME', saved.home], ['SOURCE_DATE_EPOCH', saved.epoch]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }
  assert.equal(code, 0);
  const findings = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')) as { id: string; title: string; first_seen: string | null }[];
  assert.ok(findings.length >= 5);
  assert.match(readFileSync(html, 'utf8'), /generated 2026-11-03T08:00:00\.000Z/, 'SOURCE_DATE_EPOCH fixes the report time');

  const b = await browser();
  try {
    const page = await b.ctx.newPage();
    const w = watch(b.ctx, page);
    const url = pathToFileURL(html).href;
    await page.goto(url, { waitUntil: 'load' });
    assert.equal(await page.locator('article.card').count(), findings.length);
    for (const f of findings) assert.ok(await page.isVisible(`#f-${f.id}`), f.title);
    assert.equal(await page.locator('#timeline svg circle').count() >= findings.filter((f) => f.first_seen).length, true, 'every finding with a time is on the timeline');
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.requests, [url]);
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    await page.setViewportSize({ width: 1280, height: 1560 });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    const png = readFileSync(SCREENSHOT);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(statSync(SCREENSHOT).size > 20_000);
  } finally {
    await b.close();
  }
});
