// End to end: the UI in headless Chromium (playwright-core, Debian's /usr/bin/chromium), against
// the server started in this process on a free port with a temporary case store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../src/web/server.js';
import { openCaseStore } from '../../src/cases/store.js';
import { listInputs } from '../../src/sources/inputs.js';

/** Every file the hunt of samples/ reads (the bundled samples grow). */
const sampleFiles = listInputs([resolve('samples')]).files.length;

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (set CHROMIUM_PATH): the browser test is skipped`;
if (skip) console.log(`# ${skip}`);

test('the web UI end to end: technique, rule tabs, hunt with live progress, filter, triage that persists', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const home = mkdtempSync(join(tmpdir(), 'tracehound-e2e-home-'));
  const prevHome = process.env['TRACEHOUND_HOME'];
  process.env['TRACEHOUND_HOME'] = home;
  const db = join(home, 'cases.db');
  const web = await startServer({ db, port: 0, analyst: 'e2e' });
  const profile = mkdtempSync(join(tmpdir(), 'tracehound-e2e-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.setDefaultTimeout(30_000);

    // the token URL: cookie set, token gone from the address
    await page.goto(web.url);
    assert.equal(new URL(page.url()).search, '');
    assert.match(new URL(page.url()).pathname, /^\/findings$/);

    // the technique page
    await page.goto(`${web.origin}/technique/T1505.002`);
    assert.match(await page.locator('h1').innerText(), /T1505\.002/);
    assert.ok(await page.locator('main section').count() >= 3);

    // a rule page: tabs with the keyboard
    await page.goto(`${web.origin}/rules`);
    await page.locator('main table a').first().click();
    await page.waitForURL(/\/rules\/.+/);
    const sigma = page.locator('#tab-sigma');
    await sigma.focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#tab-kql').getAttribute('aria-selected'), 'true');
    assert.equal(await page.locator('#tab-kql').evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement), true);
    assert.ok(await page.locator('#panel-kql').isVisible());
    assert.ok(!(await page.locator('#panel-sigma').isVisible()));
    await page.keyboard.press('End');
    assert.equal(await page.locator('#tab-sql').getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#tab-sigma').getAttribute('aria-selected'), 'true');
    assert.match(await page.locator('#q-sigma').innerText(), /detection:/);

    // a hunt on samples/, followed over server-sent events
    await page.goto(`${web.origin}/hunts`);
    await page.getByLabel(/Evidence folder or file/).fill(resolve('samples'));
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await page.waitForURL(/\/hunts\/\d+$/);
    await page.locator('[data-events][data-done]').waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('[data-events]').getAttribute('data-done'), 'complete');
    assert.match(await page.locator('[data-events] [role=status]').innerText(), new RegExp(`Hunt complete: ${sampleFiles} of ${sampleFiles} files, \\d+ events, \\d+ matches, \\d+ findings`));
    await page.locator('#hunt-findings').click();
    await page.waitForURL(/\/findings\?hunt=\d+/);

    // filter by severity
    await page.goto(`${web.origin}/findings`);
    await page.getByLabel('Severity at least').selectOption('critical');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/severity=critical/);
    const badges = await page.locator('main table tbody .badge').allInnerTexts();
    assert.ok(badges.length > 0);
    assert.ok(badges.every((b) => b === 'critical'), badges.join(','));
    mkdirSync('docs', { recursive: true });
    await page.screenshot({ path: 'docs/web-findings.png' });

    // open one, tick a step, mark it benign with a note, add a note
    await page.locator('main table tbody a').first().click();
    await page.waitForURL(/\/findings\/[^/?]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const box = page.locator('input[data-step]').first();
    const stepId = (await box.getAttribute('data-step'))!;
    await box.check();
    await page.locator('#steps-status', { hasText: 'Step ticked' }).waitFor();
    await page.getByLabel('State', { exact: true }).selectOption('benign');
    await page.getByLabel('Note on the change (optional)').fill('Vendor agent <b>verified</b> with the mail team');
    await page.getByRole('button', { name: 'Change state' }).click();
    await page.locator('#current-state', { hasText: 'benign' }).waitFor();
    await page.getByLabel('New note').fill('Hash matches the vendor release.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('#notes', { hasText: 'Hash matches the vendor release.' }).waitFor();

    // reload: all persisted
    await page.reload();
    assert.equal(await page.locator('#current-state').innerText(), 'benign');
    assert.ok(await page.locator(`input[data-step="${stepId}"]`).isChecked());
    assert.match(await page.locator('main').innerText(), /Vendor agent <b>verified<\/b> with the mail team/);
    assert.match(await page.locator('#notes').innerText(), /Hash matches the vendor release\./);
    await page.locator('#h-steps').evaluate((el) => (el as unknown as { scrollIntoView(): void }).scrollIntoView());
    await page.screenshot({ path: 'docs/web-finding.png' });

    // and in the store itself
    const s = openCaseStore(db);
    const f = s.getFinding(id)!;
    s.close();
    assert.equal(f.case.state, 'benign');
    assert.equal(f.case.history.at(-1)?.note, 'Vendor agent <b>verified</b> with the mail team');
    assert.deepEqual(f.case.notes.map((n) => n.text), ['Hash matches the vendor release.']);
    assert.deepEqual(f.case.steps.filter((t) => t.done).map((t) => t.step_id), [stepId]);

    assert.deepEqual(errors, [], 'no console errors');
  } finally {
    await ctx.close();
    await web.close();
    if (prevHome === undefined) delete process.env['TRACEHOUND_HOME']; else process.env['TRACEHOUND_HOME'] = prevHome;
    rmSync(profile, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
});
