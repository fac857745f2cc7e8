// The web UI's only static assets, kept in memory: one stylesheet and one small vanilla JavaScript
// module (no framework, no build step: the pages are server-rendered and work without it; the
// script adds the CSRF header to form posts, saves checklist ticks as they change, drives the
// query tabs from the keyboard, copies queries, and follows a running hunt's progress).
//
// They are embedded strings, not files read at run time, so `dist/` needs nothing copied beside it
// and the asset route can only ever answer with these two bodies (no file system path is built
// from a request). Neither string uses backticks or `${`.

const APP_CSS = String.raw`
:root { --bg:#fafafa; --fg:#1c1c1c; --muted:#5f6368; --line:#d0d4d9; --accent:#0b57d0; --panel:#fff;
  --critical:#a50e0e; --high:#c5221f; --medium:#b06000; --low:#1e6e3c; --informational:#4a5a6a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f9ab00; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5em 1em; z-index: 10; }
.skip:focus { left: .5em; }
header.top { background: #202124; color: #fff; padding: .4em 1.2em; display: flex; gap: 2em; align-items: center; flex-wrap: wrap; }
header.top .brand { font-weight: 700; color: #fff; text-decoration: none; }
header.top nav a { color: #e8eaed; margin-right: 1.2em; text-decoration: none; padding: .2em .1em; }
header.top nav a[aria-current="page"] { border-bottom: 2px solid #8ab4f8; color: #fff; }
main { padding: 1em 1.5em 3em; max-width: 1200px; }
h1 { font-size: 1.5em; margin: .4em 0; } h2 { font-size: 1.2em; margin-top: 1.4em; } h3 { font-size: 1.05em; }
.muted { color: var(--muted); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .8em 1em; margin: .8em 0; }
table { border-collapse: collapse; width: 100%; background: var(--panel); }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
code { overflow-wrap: anywhere; }
pre { background: #f1f3f4; border: 1px solid var(--line); padding: .7em; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.cc { background: #fde7e9; color: #a50e0e; border: 1px solid #f4b4b4; border-radius: 3px; padding: 0 .15em; font-family: monospace; }
.badge { display: inline-block; padding: .05em .5em; border-radius: 3px; color: #fff; font-size: .85em; font-weight: 600; }
.sev-critical.badge { background: var(--critical); } .sev-high.badge { background: var(--high); } .sev-medium.badge { background: var(--medium); }
.sev-low.badge { background: var(--low); } .sev-informational.badge { background: var(--informational); }
.state { display: inline-block; padding: .05em .5em; border-radius: 3px; border: 1px solid var(--line); font-size: .85em; }
form.filters { display: flex; flex-wrap: wrap; gap: .6em 1em; align-items: end; }
form.filters div, form.stack div { display: flex; flex-direction: column; }
label { font-weight: 600; font-size: .9em; }
input, select, textarea, button { font: inherit; }
input[type=text], input[type=search], input[type=datetime-local], select, textarea { padding: .3em .4em; border: 1px solid #80868b; border-radius: 4px; background: #fff; }
textarea { width: 100%; min-height: 4em; }
button, .button { background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .4em 1em; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: #e8eaed; color: var(--fg); }
form.stack { display: grid; gap: .6em; max-width: 40em; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ol.playbook { padding-left: 1.2em; }
ol.playbook li { margin: .6em 0; }
.phase { font-size: .8em; border: 1px solid var(--line); border-radius: 3px; padding: 0 .4em; color: var(--muted); }
.status { min-height: 1.5em; color: var(--low); }
.error { color: var(--high); font-weight: 600; }
.downloads a { margin-right: 1em; }
.pager { margin: .8em 0; display: flex; gap: 1em; }
[role=tablist] { display: flex; gap: .2em; border-bottom: 2px solid var(--line); margin-top: 1em; flex-wrap: wrap; }
[role=tab] { background: #e8eaed; color: var(--fg); border-radius: 4px 4px 0 0; padding: .4em 1em; }
[role=tab][aria-selected=true] { background: var(--accent); color: #fff; }
[role=tabpanel] { padding: .6em 0; }
[role=tabpanel][hidden] { display: none; }
.conv-error { color: var(--high); }
.progress { font-family: ui-monospace, monospace; font-size: .9em; max-height: 20em; overflow: auto; background: #f1f3f4; padding: .6em; border: 1px solid var(--line); list-style: none; margin: 0; }
progress { width: 100%; height: 1.2em; }
figure.chart { margin: .5em 0; background: #fff; border: 1px solid var(--line); padding: .5em; }
figure.chart svg { display: block; }
svg .grid { stroke: #e0e0e0; } svg .tick { font-size: 11px; fill: var(--muted); } svg .label { font-size: 12px; fill: var(--fg); }
svg .stripe { fill: #f6f7f8; } svg .span { stroke-width: 3; stroke: currentColor; } svg .corr-span { stroke-dasharray: 4 3; }
svg .row { color: var(--informational); } svg .row circle { fill: currentColor; }
svg .sev-critical { color: var(--critical); } svg .sev-high { color: var(--high); } svg .sev-medium { color: var(--medium); } svg .sev-low { color: var(--low); }
svg a:focus .label { text-decoration: underline; }
figcaption { font-size: .85em; color: var(--muted); }
.tablewrap { overflow-x: auto; }
`;

const APP_JS = String.raw`// tracehound web UI: progressive enhancement of the server-rendered pages.
const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

function say(el, text, isError) {
  if (!el) return;
  el.textContent = text;
  el.classList.toggle('error', !!isError);
}

async function post(url, body, type) {
  return fetch(url, {
    method: 'POST', credentials: 'same-origin', redirect: 'follow',
    headers: { 'Content-Type': type, 'X-CSRF-Token': csrf, 'Accept': type === 'application/json' ? 'application/json' : 'text/html' },
    body,
  });
}

// Every POST form is sent with fetch, carrying the CSRF header; the page the server redirects to is then shown.
document.addEventListener('submit', async (ev) => {
  const form = ev.target;
  if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'post') return;
  ev.preventDefault();
  const status = form.querySelector('[role=status],[role=alert]');
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string') params.append(k, v);
  say(status, 'Saving…');
  try {
    const res = await post(form.action, params.toString(), 'application/x-www-form-urlencoded');
    if (!res.ok) { say(status, 'Not saved: ' + (await res.text()).slice(0, 300), true); return; }
    location.assign(res.url);
  } catch (e) { say(status, 'Not saved: ' + e, true); }
});

// Playbook checklist: each tick is saved as it changes.
for (const box of document.querySelectorAll('input[data-step]')) {
  box.addEventListener('change', async () => {
    const status = document.getElementById('steps-status');
    say(status, 'Saving…');
    try {
      const res = await post(box.dataset.api, JSON.stringify({ step: box.dataset.step, done: box.checked }), 'application/json');
      if (!res.ok) { box.checked = !box.checked; say(status, 'Not saved: ' + (await res.text()).slice(0, 300), true); return; }
      say(status, (box.checked ? 'Step ticked: ' : 'Step unticked: ') + box.dataset.title);
    } catch (e) { box.checked = !box.checked; say(status, 'Not saved: ' + e, true); }
  });
}
for (const b of document.querySelectorAll('[data-js-hide]')) b.hidden = true;

// Tabs (WAI-ARIA tabs pattern, automatic activation): click, arrow keys, Home, End.
for (const list of document.querySelectorAll('[role=tablist]')) {
  const tabs = Array.from(list.querySelectorAll('[role=tab]'));
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls'));
      if (panel) panel.hidden = !on;
    }
    if (focus) tab.focus();
  };
  for (const t of tabs) {
    t.addEventListener('click', () => select(t, true));
    t.addEventListener('keydown', (ev) => {
      const i = tabs.indexOf(t);
      let j = -1;
      if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
      else if (ev.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
      else if (ev.key === 'Home') j = 0;
      else if (ev.key === 'End') j = tabs.length - 1;
      if (j >= 0) { ev.preventDefault(); select(tabs[j], true); }
    });
  }
}

// Copy buttons: the text of the element named by data-copy.
for (const b of document.querySelectorAll('button[data-copy]')) {
  b.hidden = false;
  b.addEventListener('click', async () => {
    const src = document.getElementById(b.dataset.copy);
    const status = document.getElementById(b.dataset.copy + '-status');
    try { await navigator.clipboard.writeText(src ? src.textContent : ''); say(status, 'Copied to the clipboard.'); }
    catch (e) { say(status, 'Could not copy: ' + e, true); }
  });
}

// A running hunt: progress from server-sent events.
const live = document.querySelector('[data-events]');
if (live) {
  const log = live.querySelector('.progress');
  const bar = live.querySelector('progress');
  const status = live.querySelector('[role=status]');
  const add = (text) => {
    const li = document.createElement('li');
    li.textContent = text;
    log.appendChild(li);
    while (log.children.length > 200) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  };
  const es = new EventSource(live.dataset.events);
  es.addEventListener('progress', (ev) => {
    const p = JSON.parse(ev.data);
    if (bar && p.filesTotal) { bar.max = p.filesTotal; bar.value = p.filesDone; }
    say(status, 'Running: ' + p.filesDone + ' of ' + p.filesTotal + ' files, ' + p.events.toLocaleString('en') + ' events');
  });
  es.addEventListener('log', (ev) => add(JSON.parse(ev.data).text));
  es.addEventListener('done', (ev) => {
    const d = JSON.parse(ev.data);
    es.close();
    if (bar) { bar.max = 1; bar.value = 1; }
    live.dataset.done = d.status;
    say(status, 'Hunt ' + d.status + ': ' + (d.files_read ?? '?') + ' of ' + (d.files_total ?? '?') + ' files, ' +
      (d.events ?? '?') + ' events, ' + (d.matches ?? '?') + ' matches, ' + (d.findings ?? 0) + ' findings.' + (d.error ? ' ' + d.error : ''), d.status !== 'complete');
    const link = document.getElementById('hunt-findings');
    if (link) link.hidden = false;
  });
  es.onerror = () => { if (!live.dataset.done) say(status, 'Connection to the server lost; reload to see the hunt.', true); es.close(); };
}
`;

export interface Asset { body: Buffer; type: string }

/** The asset map: the only paths the asset route answers. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/assets/app.css', { body: Buffer.from(APP_CSS, 'utf8'), type: 'text/css; charset=utf-8' }],
  ['/assets/app.js', { body: Buffer.from(APP_JS, 'utf8'), type: 'text/javascript; charset=utf-8' }],
]);
