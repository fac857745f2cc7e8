// The server-rendered pages. Every value that comes from evidence, the case store, rules or an
// imported ATT&CK bundle goes through the `html` template tag (report/escape.ts): escaped for its
// context, invisible and direction-changing characters shown as visible markers. Links are only
// ever absolute http(s) URLs (safeHttpUrl), opened with rel="noreferrer noopener".
import { capText, html, safeHttpUrl, SafeHtml, type HtmlValue } from '../report/escape.js';
import { paragraphsHtml, textBlocksHtml, timelineSvg } from '../report/html.js';
import { evidenceWhere } from '../report/summary.js';
import { STATES, type CaseRecord, type FindingRow, type HuntDetail, type HuntRecord } from '../cases/store.js';
import { LEVELS } from '../sigma/model.js';
import type { Finding, PlaybookStep } from '../findings/model.js';
import type { FieldValue } from '../events/model.js';
import type { TechniqueSection } from '../report/html.js';
import type { Conversion } from '../sigma/backends/index.js';
import type { CatalogueRule } from './rules.js';
import { TABS } from './rules.js';

export interface PageContext { csrf: string }

const REL = 'noreferrer noopener';

export type Section = 'findings' | 'hunts' | 'rules' | 'technique';

export function layout(ctx: PageContext, title: string, current: Section | null, body: SafeHtml): string {
  const nav: [Section, string, string][] = [['findings', '/findings', 'Findings'], ['hunts', '/hunts', 'Hunts'], ['rules', '/rules', 'Rules'], ['technique', '/technique/T1505.002', 'Technique T1505.002']];
  return '<!doctype html>\n' + html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${ctx.csrf}"><title>${title} · tracehound</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css"><script type="module" src="/assets/app.js"></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="/findings">tracehound</a><nav aria-label="Main">${nav.map(([k, href, label]) => html`<a href="${href}"${k === current ? new SafeHtml(' aria-current="page"') : ''}>${label}</a>`)}</nav></header>
<main id="main" tabindex="-1">${body}</main></body></html>`.html;
}

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return layout(ctx, `Error ${status}`, null, html`<h1>Error ${status}</h1><p class="error" role="alert">${message}</p><p><a href="/findings">Back to the findings</a></p>`);
}

function link(url: string, text?: string): SafeHtml {
  const safe = safeHttpUrl(url);
  return safe ? html`<a href="${safe}" rel="${REL}" target="_blank">${text ?? capText(url, 500)}</a>` : html`<span>${capText(url, 500)}</span> <span class="muted">(not a web link: shown as text)</span>`;
}

/** Multi-line code: each line escaped (its invisible characters shown), the line breaks kept as line breaks. */
function codeLines(text: string): SafeHtml {
  const nl = new SafeHtml('\n');
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return html`${lines.flatMap((l, i) => (i ? [nl, l] : [l]))}`;
}

const sev = (s: string) => html`<span class="badge sev-${s}">${s}</span>`;
const csrfField = (ctx: PageContext) => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

// ---- findings --------------------------------------------------------------------------------

export interface FindingQuery { severity?: string; host?: string; rule?: string; state?: string; from?: string; to?: string; hunt?: string; page?: string }

function queryString(q: FindingQuery, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

function filterForm(q: FindingQuery): SafeHtml {
  const opt = (v: string, cur: string | undefined, label = v) => html`<option value="${v}"${v === (cur ?? '') ? new SafeHtml(' selected') : ''}>${label}</option>`;
  return html`<form class="filters panel" method="get" action="/findings" role="search" aria-label="Filter findings">
<div><label for="f-severity">Severity at least</label><select id="f-severity" name="severity">${opt('', q.severity, 'any')}${[...LEVELS].reverse().map((l) => opt(l, q.severity))}</select></div>
<div><label for="f-host">Host</label><input type="text" id="f-host" name="host" value="${q.host ?? ''}" size="16"></div>
<div><label for="f-rule">Rule or check</label><input type="text" id="f-rule" name="rule" value="${q.rule ?? ''}" size="22"></div>
<div><label for="f-state">State</label><select id="f-state" name="state">${opt('', q.state, 'any')}${STATES.map((s) => opt(s, q.state))}</select></div>
<div><label for="f-from">Seen from</label><input type="text" id="f-from" name="from" value="${q.from ?? ''}" placeholder="2026-11-10" size="14"></div>
<div><label for="f-to">Seen to</label><input type="text" id="f-to" name="to" value="${q.to ?? ''}" placeholder="2026-11-11T12:00Z" size="14"></div>
${q.hunt ? html`<input type="hidden" name="hunt" value="${q.hunt}">` : ''}
<div><button type="submit">Filter</button></div><div><a href="/findings">Clear</a></div></form>`;
}

/** Rows of the findings list as the chart wants them (it reads times, severity, title, host, count, id). */
function chartFindings(rows: FindingRow[]): Finding[] {
  return rows.map((r) => ({ ...r, confidence: r.confidence as Finding['confidence'], evidence: [], fields: {}, falsepositives: [], references: [], playbook: null, check: r.check ?? undefined }) as Finding);
}

export function findingsPage(ctx: PageContext, q: FindingQuery, rows: FindingRow[], more: boolean, page: number, perPage: number, chartRows: FindingRow[]): string {
  const chart = timelineSvg(chartFindings(chartRows)).html.replace(/href="#f-/g, 'href="/findings/');
  const from = (page - 1) * perPage;
  return layout(ctx, 'Findings', 'findings', html`<h1>Findings</h1>
${filterForm(q)}
<p class="downloads">Download these findings: <a href="/reports/findings.html${queryString(q)}">HTML report</a><a href="/reports/findings.csv${queryString(q)}">CSV</a><a href="/reports/findings.json${queryString(q)}">JSON</a><a href="/reports/findings.md${queryString(q)}">Markdown</a></p>
<h2 id="timeline">Timeline</h2>${new SafeHtml(chart)}
<h2 id="list">${rows.length ? `Findings ${from + 1}–${from + rows.length}` : 'No findings match'}</h2>
${rows.length ? html`<div class="tablewrap"><table><thead><tr><th scope="col">Severity</th><th scope="col">Score</th><th scope="col">Finding</th><th scope="col">Host</th><th scope="col">Events</th><th scope="col">First seen</th><th scope="col">State</th><th scope="col">Rule or check</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${sev(r.severity)}</td><td>${r.score}</td><td><a href="/findings/${encodeURIComponent(r.id)}">${capText(r.title, 200)}</a>${r.notes ? html` <span class="muted">(${r.notes} note${r.notes === 1 ? '' : 's'})</span>` : ''}</td><td>${r.host ? html`<code>${capText(r.host, 100)}</code>` : html`<span class="muted">—</span>`}</td><td>${r.count}</td><td>${r.first_seen ?? '—'}</td><td><span class="state">${r.state}</span></td><td><code>${capText(r.rule_id ?? r.check ?? '', 80)}</code></td></tr>`)}
</tbody></table></div>` : html`<p class="muted">No finding meets these filters. Start a hunt on the <a href="/hunts">Hunts</a> page.</p>`}
<nav class="pager" aria-label="Pages">${page > 1 ? html`<a href="/findings${queryString(q, { page: String(page - 1) })}">← Previous page</a>` : ''}${more ? html`<a href="/findings${queryString(q, { page: String(page + 1) })}">Next page →</a>` : ''}</nav>`);
}

function valueHtml(v: FieldValue): SafeHtml {
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return html`<ol>${v.slice(0, 50).map((x) => html`<li><code>${capText(typeof x === 'string' ? x : JSON.stringify(x), 4000)}</code></li>`)}</ol>`;
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
  return s === '' ? html`<span class="muted">(empty)</span>` : html`<code>${capText(s, 4000)}</code>`;
}

function stepHtml(f: CaseRecord, s: PlaybookStep, i: number): SafeHtml {
  const tick = f.case.steps.find((t) => t.step_id === s.id);
  const id = `step-${i}`;
  return html`<li><input type="hidden" name="step" value="${s.id}"><input type="checkbox" id="${id}" name="done" value="${s.id}" data-step="${s.id}" data-title="${capText(s.title, 200)}" data-api="/api/findings/${encodeURIComponent(f.id)}/steps"${tick?.done ? new SafeHtml(' checked') : ''}>
<label for="${id}">${capText(s.title, 300)}</label>${s.phase ? html` <span class="phase">${s.phase}</span>` : ''}${tick ? html` <span class="muted">(${tick.done ? 'done' : 'unticked'} by ${tick.analyst}, ${tick.at})</span>` : ''}
<div>${textBlocksHtml(s.text, 8000)}</div>${s.commands?.length ? html`<pre><code>${codeLines(s.commands.slice(0, 20).map((c) => capText(c, 2000)).join('\n'))}</code></pre>` : ''}</li>`;
}

export function findingPage(ctx: PageContext, f: CaseRecord): string {
  const id = encodeURIComponent(f.id);
  const fields = Object.entries(f.fields ?? {});
  const c = f.case;
  return layout(ctx, capText(f.title, 100), 'findings', html`<p><a href="/findings">← All findings</a></p>
<h1>${sev(f.severity)} ${capText(f.title, 400)}</h1>
<div class="panel"><dl class="facts">
<dt>State</dt><dd><span class="state" id="current-state">${c.state}</span>${c.state_analyst ? html` <span class="muted">(by ${c.state_analyst}, ${c.state_changed_at})</span>` : ''}</dd>
<dt>Score</dt><dd>${f.score} (confidence ${f.confidence})</dd>
<dt>Host</dt><dd>${f.host ? html`<code>${capText(f.host, 300)}</code>` : html`<span class="muted">(none)</span>`}</dd>
<dt>First seen</dt><dd>${f.first_seen ?? '—'}</dd><dt>Last seen</dt><dd>${f.last_seen ?? '—'}</dd>
<dt>Events</dt><dd>${f.count}</dd>
<dt>Techniques</dt><dd>${f.techniques.length ? f.techniques.map((t, i) => html`${i ? ', ' : ''}${/^T\d{4}(\.\d{3})?$/.test(t) ? html`<a href="/technique/${t}">${t}</a>` : t}`) : '—'}</dd>
${f.rule_id !== null ? html`<dt>Rule</dt><dd>${html`<a href="/rules/${encodeURIComponent(f.rule_id)}"><code>${capText(f.rule_id, 300)}</code></a>`}</dd>` : ''}
${f.check ? html`<dt>Check</dt><dd><code>${f.check}</code></dd>` : ''}
<dt>Finding id</dt><dd><code>${f.id}</code></dd>
<dt>Hunts</dt><dd>${c.hunts.map((h, i) => html`${i ? ', ' : ''}<a href="/hunts/${h.hunt_id}">#${h.hunt_id}</a>`)}</dd>
</dl></div>
${f.description ? html`<section aria-labelledby="h-why"><h2 id="h-why">Why it matters</h2>${paragraphsHtml(f.description, 8000)}</section>` : ''}
<section aria-labelledby="h-ev"><h2 id="h-ev">Evidence</h2>${f.evidence.length ? html`<ul>${f.evidence.slice(0, 50).map((r) => html`<li><code>${capText(evidenceWhere(r), 1200)}</code> <span class="muted">${r.kind}</span></li>`)}</ul>` : html`<p class="muted">No evidence reference.</p>`}</section>
<section aria-labelledby="h-fields"><h2 id="h-fields">Matched fields</h2>${fields.length ? html`<div class="tablewrap"><table><tbody>${fields.slice(0, 100).map(([k, v]) => html`<tr><th scope="row"><code>${capText(k, 200)}</code></th><td>${valueHtml(v)}</td></tr>`)}</tbody></table></div>` : html`<p class="muted">No fields.</p>`}</section>
<section aria-labelledby="h-fp"><h2 id="h-fp">False positives to rule out</h2>${f.falsepositives.length ? html`<ul>${f.falsepositives.slice(0, 50).map((s) => html`<li>${capText(s, 2000)}</li>`)}</ul>` : html`<p class="muted">None listed.</p>`}</section>
<section aria-labelledby="h-steps"><h2 id="h-steps">Playbook</h2>${f.playbook?.length ? html`<form method="post" action="/findings/${id}/steps">${csrfField(ctx)}<ol class="playbook">${f.playbook.slice(0, 50).map((s, i) => stepHtml(f, s, i))}</ol>
<p><button type="submit" class="secondary" data-js-hide>Save the checklist</button></p><p class="status" id="steps-status" role="status" aria-live="polite"></p></form>` : html`<p class="muted">No playbook steps are attached to this finding.</p>`}</section>
<section aria-labelledby="h-triage"><h2 id="h-triage">Triage</h2>
<form class="stack panel" method="post" action="/findings/${id}/state">${csrfField(ctx)}
<div><label for="state">State</label><select id="state" name="state">${STATES.map((s) => html`<option value="${s}"${s === c.state ? new SafeHtml(' selected') : ''}>${s}</option>`)}</select></div>
<div><label for="state-note">Note on the change (optional)</label><textarea id="state-note" name="note" maxlength="65536"></textarea></div>
<div><button type="submit">Change state</button></div><p class="status" role="status" aria-live="polite"></p></form>
${c.history.length ? html`<h3>History</h3><ol>${c.history.map((h) => html`<li>${h.at}: ${h.from} → <strong>${h.to}</strong> by ${h.analyst}${h.note ? html`: ${capText(h.note, 4000)}` : ''}</li>`)}</ol>` : ''}</section>
<section aria-labelledby="h-notes"><h2 id="h-notes">Notes</h2>
${c.notes.length ? html`<ol class="notes" id="notes">${c.notes.map((n) => html`<li><p class="muted">${n.analyst}, ${n.at}</p>${paragraphsHtml(n.text, 64 * 1024)}</li>`)}</ol>` : html`<p class="muted" id="notes">No notes yet.</p>`}
<form class="stack panel" method="post" action="/findings/${id}/notes">${csrfField(ctx)}
<div><label for="note-text">New note</label><textarea id="note-text" name="text" required maxlength="65536"></textarea></div>
<div><button type="submit">Add note</button></div><p class="status" role="status" aria-live="polite"></p></form></section>
${f.references.length ? html`<section aria-labelledby="h-refs"><h2 id="h-refs">References</h2><ul>${f.references.slice(0, 50).map((r) => html`<li>${link(r)}</li>`)}</ul></section>` : ''}`);
}

// ---- hunts -------------------------------------------------------------------------------------

function huntRow(h: HuntRecord): SafeHtml {
  return html`<tr><td><a href="/hunts/${h.id}">#${h.id}</a></td><td>${h.started_at}</td><td>${h.status}</td><td>${h.files_read ?? '—'} / ${h.files_total ?? '—'}</td><td>${h.events ?? '—'}</td><td>${h.findings === null ? '—' : html`<a href="/findings?hunt=${h.id}">${h.findings}</a>`}</td><td><code>${capText(h.command_line.join(' '), 300)}</code></td></tr>`;
}

export function huntsPage(ctx: PageContext, hunts: HuntRecord[], error?: string, path?: string): string {
  return layout(ctx, 'Hunts', 'hunts', html`<h1>Hunts</h1>
<form class="stack panel" method="post" action="/hunts">${csrfField(ctx)}
<div><label for="hunt-path">Evidence folder or file on this machine (the server's path)</label><input type="text" id="hunt-path" name="path" required value="${path ?? ''}" placeholder="/cases/exch01/collection" autocomplete="off"></div>
<div><button type="submit">Start hunt</button></div><p class="${error ? 'status error' : 'status'}" role="alert">${error ?? ''}</p></form>
<h2>Recorded hunts</h2>
${hunts.length ? html`<div class="tablewrap"><table><thead><tr><th scope="col">Hunt</th><th scope="col">Started</th><th scope="col">Status</th><th scope="col">Files read</th><th scope="col">Events</th><th scope="col">Findings</th><th scope="col">Command line</th></tr></thead><tbody>${hunts.slice(0, 500).map(huntRow)}</tbody></table></div>` : html`<p class="muted">No hunt recorded yet.</p>`}`);
}

export function huntPage(ctx: PageContext, h: HuntDetail, live: boolean): string {
  return layout(ctx, `Hunt ${h.id}`, 'hunts', html`<p><a href="/hunts">← All hunts</a></p><h1>Hunt #${h.id}</h1>
<div class="panel"><dl class="facts"><dt>Started</dt><dd>${h.started_at}</dd><dt>Status</dt><dd>${h.status}</dd><dt>Finished</dt><dd>${h.finished_at ?? '—'}</dd>
<dt>Command line</dt><dd><code>${capText(h.command_line.join(' '), 2000)}</code></dd><dt>Inputs</dt><dd>${h.inputs.slice(0, 50).map((i, n) => html`${n ? html`<br>` : ''}<code>${capText(i.path, 500)}</code>`)}${h.inputs.length > 50 ? html`<br>… and ${h.inputs.length - 50} more` : ''}</dd>
${h.error ? html`<dt>Error</dt><dd>${capText(h.error, 4000)}</dd>` : ''}</dl></div>
<section aria-labelledby="h-progress" data-events="/api/hunts/${h.id}/events"><h2 id="h-progress">Progress</h2>
<label for="hunt-progress">Files read</label> <progress id="hunt-progress"${live ? '' : new SafeHtml(' value="1" max="1"')}></progress>
<p role="status" aria-live="polite">${live ? 'Connecting…' : `Hunt ${h.status}: ${h.files_read ?? '?'} of ${h.files_total ?? '?'} files, ${h.events ?? '?'} events, ${h.matches ?? '?'} matches, ${h.findings ?? 0} findings.`}</p>
<ol class="progress" aria-label="Hunt messages"></ol>
<p><a id="hunt-findings" href="/findings?hunt=${h.id}"${live ? new SafeHtml(' hidden') : ''}>The findings of this hunt</a></p></section>`);
}

// ---- rules -------------------------------------------------------------------------------------

export function rulesPage(ctx: PageContext, rules: CatalogueRule[], problems: string[]): string {
  return layout(ctx, 'Rules', 'rules', html`<h1>Rule catalogue</h1><p>${rules.length} bundled rules (rules/, with the default tuning of data/tuning/). Each rule's page shows it as Sigma and as KQL, SPL, ES|QL, EQL and SQL queries.</p>
${problems.length ? html`<div class="panel error" role="alert"><p>Rules that did not load:</p><ul>${problems.slice(0, 50).map((p) => html`<li>${p}</li>`)}</ul></div>` : ''}
<div class="tablewrap"><table><thead><tr><th scope="col">Rule</th><th scope="col">Level</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">File</th></tr></thead><tbody>
${rules.map((r) => html`<tr><td><a href="/rules/${encodeURIComponent(r.key)}">${capText(r.doc.meta.title, 200)}</a></td><td>${r.doc.meta.level ? sev(r.doc.meta.level) : '—'}</td><td>${r.doc.type}</td><td>${r.doc.meta.status ?? '—'}</td><td><code>${r.file}</code></td></tr>`)}
</tbody></table></div>`);
}

export function rulePage(ctx: PageContext, r: CatalogueRule, source: string, convs: Map<string, Conversion>): string {
  const m = r.doc.meta;
  const panels = TABS.map((t, i) => {
    const c = convs.get(t.target);
    const text = t.target === 'sigma' ? source : c?.query;
    const pid = `panel-${t.target}`;
    const body: HtmlValue = text !== undefined
      ? html`<pre><code id="q-${t.target}">${codeLines(text)}</code></pre><button type="button" class="secondary" data-copy="q-${t.target}" hidden>Copy ${t.label}</button> <span class="status" id="q-${t.target}-status" role="status" aria-live="polite"></span>`
      : html`<p class="conv-error">This rule cannot be written as ${t.label}: ${c?.error ?? 'not converted'}</p>`;
    return html`<div role="tabpanel" id="${pid}" aria-labelledby="tab-${t.target}" tabindex="0"${i ? new SafeHtml(' hidden') : ''}>${body}</div>`;
  });
  return layout(ctx, capText(m.title, 100), 'rules', html`<p><a href="/rules">← All rules</a></p><h1>${capText(m.title, 300)}</h1>
<div class="panel"><dl class="facts"><dt>Id</dt><dd><code>${m.id ?? '—'}</code></dd><dt>Level</dt><dd>${m.level ? sev(m.level) : '—'}</dd><dt>Status</dt><dd>${m.status ?? '—'}</dd>
<dt>Type</dt><dd>${r.doc.type}</dd><dt>File</dt><dd><code>${r.file}</code></dd><dt>Tags</dt><dd>${m.tags.join(', ') || '—'}</dd>
${m.author ? html`<dt>Author</dt><dd>${m.author}</dd>` : ''}</dl>
${m.description ? paragraphsHtml(m.description, 8000) : ''}
${m.falsepositives?.length ? html`<h2>False positives</h2><ul>${m.falsepositives.map((f) => html`<li>${f}</li>`)}</ul>` : ''}
${m.references?.length ? html`<h2>References</h2><ul>${m.references.map((u) => html`<li>${link(u)}</li>`)}</ul>` : ''}</div>
<h2 id="h-queries">Queries</h2>
<div role="tablist" aria-labelledby="h-queries">${TABS.map((t, i) => html`<button type="button" role="tab" id="tab-${t.target}" aria-controls="panel-${t.target}" aria-selected="${i === 0 ? 'true' : 'false'}" tabindex="${i === 0 ? '0' : '-1'}">${t.label}</button>`)}</div>
${panels}`);
}

// ---- technique -----------------------------------------------------------------------------------

export function techniqueHtmlPage(ctx: PageContext, t: TechniqueSection): string {
  return layout(ctx, `${t.id} ${t.name}`, 'technique', html`<h1>${t.id}: ${t.name}</h1>
${t.url ? html`<p>${link(t.url, `ATT&CK page of ${t.id}`)}</p>` : ''}
<nav aria-label="Sections of the page" class="panel"><ul>${t.sections.map((s, i) => html`<li><a href="#s-${i}">${capText(s.title, 200)}</a></li>`)}</ul></nav>
${t.sections.slice(0, 60).map((s, i) => html`<section aria-labelledby="s-${i}"><h2 id="s-${i}">${capText(s.title, 300)}</h2>${textBlocksHtml(s.text, 200_000)}</section>`)}`);
}
