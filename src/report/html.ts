// A single-file HTML report that works offline: inline CSS and JS only, under a strict
// Content-Security-Policy (hashes for the one <style> and the one <script>, nothing else allowed),
// no external resource, a timeline chart drawn server-side as SVG, one card per finding, an
// optional filter box (the report is complete without JS), and the technique's page.
//
// Every value that comes from evidence is attacker-controlled. All markup is built with the `html`
// template (escape.ts), which escapes every interpolated value for its context and shows control,
// zero-width and bidi characters as visible markers; links are only ever absolute http(s) URLs;
// sizes are capped per value, per card and for the whole report.
import { createHash } from 'node:crypto';
import type { FieldValue } from '../events/model.js';
import type { EvidenceRef, Finding, PlaybookStep } from '../findings/model.js';
import { SEVERITY_RANK } from '../findings/model.js';
import { capText, html, htmlAttr, safeHttpUrl, SafeHtml, type HtmlValue } from './escape.js';
import { countByHost, countBySeverity, evidenceWhere, SEVERITIES_DESC, sortFindings, timeRange, type ReportSummary } from './summary.js';
import { truncate } from './text.js';

export const HTML_LIMITS = {
  /** findings rendered as cards (the most severe); the rest are counted */
  findings: 200,
  evidence: 20,
  fields: 25,
  /** characters of one value (a 1 MB command line shows its first 4 KB) */
  valueChars: 4096,
  /** characters of all field values of one card; past it each value gets `minValueChars` */
  cardChars: 16_384,
  minValueChars: 256,
  arrayItems: 50,
  listItems: 20,
  steps: 30,
  /** characters of a playbook step's text, commands per step and characters per command */
  stepChars: 4000,
  commands: 10,
  commandChars: 2000,
  textChars: 8000,
  /** characters of one section of the technique page */
  techniqueChars: 65_536,
  titleChars: 500,
  chartRows: 40,
  hosts: 50,
  inputs: 50,
};

/** A technique page to embed: its sections are Markdown-ish text, rendered escaped (never as HTML). */
export interface TechniqueSection {
  id: string;
  name: string;
  url?: string;
  sections: { title: string; text: string }[];
}

export interface HtmlReportOptions {
  title?: string;
  /** cards rendered (default HTML_LIMITS.findings) */
  maxFindings?: number;
  /** the technique page; undefined: a short built-in T1505.002 summary; null: no such section */
  technique?: TechniqueSection | null;
  /** the report's time when the summary gives none (default: now) */
  now?: Date;
}

/** The built-in T1505.002 summary, used when no knowledge-pack page is given. */
const T1505_002_SUMMARY: TechniqueSection = {
  id: 'T1505.002',
  name: 'Server Software Component: Transport Agent',
  url: 'https://attack.mitre.org/techniques/T1505/002/',
  sections: [
    {
      title: 'What it is',
      text: 'An attacker with Exchange administrator rights registers a .NET assembly as a transport agent (`Install-TransportAgent`, or an edit of `agents.config`). From then on the assembly runs inside the transport worker on every message the server handles: it can read, copy, change or drop mail and take commands hidden in messages, and it survives reboots and password resets. Turla\'s LightNeuron is the best-known case.',
    },
    {
      title: 'Where the evidence is',
      text: '- the registered agents (`Get-TransportAgent`, `agents.config`) against the Microsoft and vendor agents expected on the server\n- the MSExchange Management log: `Install-TransportAgent` and `Enable-TransportAgent`, including failed attempts\n- process creation by `EdgeTransport.exe` (a shell or a living-off-the-land binary)\n- agent DLLs outside the Exchange folders, unsigned, or named like Microsoft\'s own',
    },
    {
      title: 'First steps',
      text: 'Disable and uninstall a malicious agent before deleting its DLL (transport will not start while a registered agent\'s file is missing), keep a copy of the DLL and the configuration for analysis, and look for the same agent on every other transport server.',
    },
  ],
};

// ---- pieces ------------------------------------------------------------------------------------

const NOFOLLOW = 'noreferrer noopener';

/** A reference: a link when it is an absolute http(s) URL, otherwise escaped text saying it is not one. */
function referenceHtml(ref: string): SafeHtml {
  const text = capText(ref, 2000);
  const url = safeHttpUrl(ref);
  return url
    ? html`<a href="${url}" rel="${NOFOLLOW}" target="_blank">${text}</a>`
    : html`<span class="nolink">${text}</span> <span class="muted">(not a web link: shown as text)</span>`;
}

/**
 * Inline Markdown-ish text as escaped HTML. Recognised: code spans (any backtick fence),
 * **bold**, [text](url) and bare URLs (links only for absolute http(s) URLs), and backslash escapes
 * of ASCII punctuation (the escapes the knowledge pack's Markdown writes). Everything else is text;
 * raw HTML in the input stays text.
 */
export function inlineHtml(s: string): SafeHtml {
  const parts: HtmlValue[] = [];
  const re = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*((?:\\.|[^*\n])+)\*\*|\[((?:\\.|[^\]\n])+)\]\(([^)\s]+)\)|\\([!-/:-@[-`{-~])|(https?:\/\/[^\s<>()"'`]+[^\s<>()"'`.,;:!?])/g;
  let last = 0;
  for (const m of s.matchAll(re)) {
    parts.push(s.slice(last, m.index));
    if (m[1] !== undefined) {
      const code = m[2]!;
      parts.push(html`<code>${code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '' ? code.slice(1, -1) : code}</code>`);
    } else if (m[3] !== undefined) parts.push(html`<strong>${inlineHtml(m[3])}</strong>`);
    else if (m[4] !== undefined) {
      const url = safeHttpUrl(m[5]!);
      parts.push(url ? html`<a href="${url}" rel="${NOFOLLOW}" target="_blank">${inlineHtml(m[4])}</a>` : m[0]);
    } else if (m[6] !== undefined) parts.push(m[6]);
    else {
      const url = safeHttpUrl(m[7]!);
      parts.push(url ? html`<a href="${url}" rel="${NOFOLLOW}" target="_blank">${m[7]!}</a>` : m[7]!);
    }
    last = m.index + m[0].length;
  }
  parts.push(s.slice(last));
  return html`${parts}`;
}

/** The cells of a Markdown table row (`| a | b \| c |`). */
function tableCells(line: string): string[] {
  const t = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  // as in GFM, `\|` is a pipe in the cell, code spans included
  return t.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/**
 * Markdown-ish blocks as escaped HTML: paragraphs, `-`/`*` lists, `#` headings, fenced code and
 * pipe tables; inline parts as inlineHtml. Never raw HTML. At most `max` characters are read.
 */
export function textBlocksHtml(text: string, max = HTML_LIMITS.textChars): SafeHtml {
  const s = capText(text, max).replace(/\r\n?/g, '\n');
  const out: SafeHtml[] = [];
  const lines = s.split('\n');
  let para: string[] = [];
  let list: string[] = [];
  const flushPara = () => { if (para.length) out.push(html`<p>${inlineHtml(para.join(' '))}</p>`); para = []; };
  const flushList = () => { if (list.length) out.push(html`<ul>${list.map((i) => html`<li>${inlineHtml(i)}</li>`)}</ul>`); list = []; };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      flushPara(); flushList();
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence[1]!); i++) body.push(lines[i]!);
      out.push(html`<pre><code>${body.join('\n')}</code></pre>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      flushPara(); flushList();
      const rows: string[][] = [];
      let head: string[] | null = null;
      for (; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]!); i++) {
        const cells = tableCells(lines[i]!);
        if (cells.every((c) => /^:?-{2,}:?$/.test(c))) { if (rows.length === 1 && !head) head = rows.pop()!; continue; }
        rows.push(cells);
      }
      i--;
      out.push(html`<div class="tablewrap"><table class="md">${head ? html`<thead><tr>${head.map((c) => html`<th>${inlineHtml(c)}</th>`)}</tr></thead>` : ''}<tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${inlineHtml(c)}</td>`)}</tr>`)}</tbody></table></div>`);
      continue;
    }
    const item = /^\s*[-*+]\s+(.*)$/.exec(line);
    const head = /^\s*#{1,6}\s+(.*)$/.exec(line);
    if (item) { flushPara(); list.push(item[1]!); continue; }
    if (head) { flushPara(); flushList(); out.push(html`<h4>${inlineHtml(head[1]!)}</h4>`); continue; }
    if (line.trim() === '') { flushPara(); flushList(); continue; }
    if (list.length && /^\s+\S/.test(line)) { list[list.length - 1] += ' ' + line.trim(); continue; }
    flushList();
    para.push(line.trim());
  }
  flushPara(); flushList();
  return html`${out}`;
}

/**
 * Plain paragraphs (blank lines separate them, line breaks inside are spaces), no markup at all:
 * for text that can hold evidence (an audit finding's reasons name agents and paths), where even a
 * harmless-looking [link](https://…) must not become clickable.
 */
export function paragraphsHtml(text: string, max = HTML_LIMITS.textChars): SafeHtml {
  const paras = capText(text, max).replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).map((p) => p.replace(/[ \t]*\n[ \t]*/g, ' ').trim()).filter(Boolean);
  return html`${paras.map((p) => html`<p>${p}</p>`)}`;
}

/** Markdown backslash escapes removed (for titles taken from Markdown). */
function unescapeMd(s: string): string {
  return s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/**
 * A technique page written as Markdown (the knowledge pack's `renderMarkdown`) as a report section:
 * the `# [Tnnnn.nnn](url) Name` heading gives id and name, text before the first `##` becomes
 * "Overview", and each `##` heading a section. The text stays Markdown-ish, rendered escaped.
 */
export function techniqueFromMarkdown(md: string, fallback: { id: string; name: string } = { id: 'T1505.002', name: 'Transport Agent' }): TechniqueSection {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  let id = fallback.id, name = fallback.name;
  const h1 = lines.findIndex((l) => /^#\s/.test(l));
  if (h1 >= 0) {
    const m = /^#\s+\[?(T\d{4}(?:\.\d{3})?)\]?(?:\([^)\s]*\))?\s+(.+)$/.exec(lines[h1]!);
    if (m) { id = m[1]!; name = unescapeMd(m[2]!.trim()); }
  }
  const sections: { title: string; text: string }[] = [];
  let cur: { title: string; lines: string[] } = { title: 'Overview', lines: [] };
  lines.forEach((l, i) => {
    if (i === h1) return;
    const h2 = /^##\s+(.+)$/.exec(l);
    if (h2) {
      if (cur.lines.some((x) => x.trim())) sections.push({ title: cur.title, text: cur.lines.join('\n').trim() });
      cur = { title: unescapeMd(h2[1]!.trim()), lines: [] };
    } else cur.lines.push(l);
  });
  if (cur.lines.some((x) => x.trim())) sections.push({ title: cur.title, text: cur.lines.join('\n').trim() });
  const path = id.replace('.', '/');
  return { id, name, url: `https://attack.mitre.org/techniques/${path}/`, sections };
}

/** One field value: strings as code, arrays of plain values as a numbered list, anything else as JSON. */
function valueHtml(v: FieldValue, budget: { left: number }): SafeHtml {
  const cap = (s: string) => {
    const max = Math.max(HTML_LIMITS.minValueChars, Math.min(HTML_LIMITS.valueChars, budget.left));
    const out = capText(s, max);
    budget.left -= Math.min(s.length, max);
    return out;
  };
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    const items = v.slice(0, HTML_LIMITS.arrayItems);
    return html`<ol class="arr">${items.map((x) => html`<li><code class="val">${x === '' ? '' : cap(typeof x === 'string' ? x : JSON.stringify(x))}</code>${x === '' ? html`<span class="muted">(empty)</span>` : ''}</li>`)}${v.length > items.length ? html`<li class="more">… and ${v.length - items.length} more items</li>` : ''}</ol>`;
  }
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
  if (s === '') return html`<span class="muted">(empty)</span>`;
  return html`<code class="val">${cap(s)}</code>`;
}

function evidenceHtml(r: EvidenceRef): SafeHtml {
  const loc = r.record !== undefined ? `record ${r.record}` : r.line !== undefined ? `line ${r.line}` : r.offset !== undefined ? `offset ${r.offset}` : '';
  const extra = r.record !== undefined && r.offset !== undefined ? `, offset ${r.offset}` : '';
  return html`<li><code>${capText(r.file, 1000)}</code> <span class="loc">${loc}${extra}</span> <span class="kind">${r.kind}</span></li>`;
}

function stepHtml(s: PlaybookStep): SafeHtml {
  const cmds = s.commands?.slice(0, HTML_LIMITS.commands) ?? [];
  return html`<li class="step"><label><input type="checkbox"> <strong>${capText(s.title, 300)}</strong></label>${s.phase ? html` <span class="phase">${s.phase}</span>` : ''}
<div class="steptext">${textBlocksHtml(s.text, HTML_LIMITS.stepChars)}</div>${cmds.length ? html`<pre class="cmd"><code>${cmds.map((c) => capText(c, HTML_LIMITS.commandChars)).join('\n')}</code></pre>` : ''}${(s.commands?.length ?? 0) > cmds.length ? html`<p class="more">… and ${s.commands!.length - cmds.length} more commands</p>` : ''}</li>`;
}

function listHtml(items: string[], render: (s: string) => SafeHtml, cls = ''): SafeHtml {
  const shown = items.slice(0, HTML_LIMITS.listItems);
  return html`<ul class="${cls}">${shown.map((i) => html`<li>${render(i)}</li>`)}${items.length > shown.length ? html`<li class="more">… and ${items.length - shown.length} more</li>` : ''}</ul>`;
}

function cardHtml(f: Finding, rendered: Set<string>): SafeHtml {
  const L = HTML_LIMITS;
  const fields = Object.entries(f.fields);
  const budget = { left: L.cardChars };
  const who = f.rule_id !== null ? html`<dt>Rule</dt><dd><code>${capText(f.rule_id, 300)}</code></dd>` : '';
  const check = f.check ? html`<dt>Check</dt><dd><code>${f.check}</code></dd>` : '';
  const corr = f.correlated_by?.length
    ? html`<dt>Correlated by</dt><dd>${f.correlated_by.map((c, i) => html`${i ? ', ' : ''}${rendered.has(c) ? html`<a href="#f-${c}"><code>${c}</code></a>` : html`<code>${c}</code>`}`)}</dd>`
    : '';
  return html`<article class="card sev-${f.severity}" id="f-${f.id}" data-rank="${SEVERITY_RANK[f.severity]}">
<header class="cardhead"><span class="badge sev-${f.severity}">${f.severity}</span><span class="score" title="score 0-100: severity x confidence, raised by correlations">${f.score}</span><h3>${capText(f.title, L.titleChars)}</h3>${f.correlation ? html`<span class="corr" title="a correlation rule joined several events">correlation</span>` : ''}</header>
<dl class="facts">
<dt>Host</dt><dd>${f.host === null ? html`<span class="muted">(none)</span>` : html`<code>${capText(f.host, 300)}</code>`}</dd>
<dt>First seen</dt><dd>${f.first_seen ?? html`<span class="muted">(no time)</span>`}</dd>
<dt>Last seen</dt><dd>${f.last_seen ?? html`<span class="muted">(no time)</span>`}</dd>
<dt>Events</dt><dd>${f.count}</dd>
<dt>Confidence</dt><dd>${f.confidence}</dd>
<dt>Techniques</dt><dd>${f.techniques.join(', ') || '—'}</dd>
${who}${check}<dt>Finding id</dt><dd><code>${f.id}</code></dd>${corr}
</dl>
${f.description ? html`<section class="why"><h4>Why it matters</h4>${paragraphsHtml(f.description)}</section>` : ''}
<section><h4>Evidence</h4>${f.evidence.length ? html`<ul class="evidence">${f.evidence.slice(0, L.evidence).map(evidenceHtml)}${f.evidence.length > L.evidence ? html`<li class="more">… and ${f.evidence.length - L.evidence} more references</li>` : ''}</ul>` : html`<p class="muted">No evidence reference.</p>`}${f.count > f.evidence.length ? html`<p class="muted">${f.count} events in all; the references are the first ${f.evidence.length}.</p>` : ''}</section>
${fields.length ? html`<section><h4>Matched fields</h4><table class="fields"><tbody>${fields.slice(0, L.fields).map(([k, v]) => html`<tr><th scope="row"><code>${capText(k, 200)}</code></th><td>${valueHtml(v, budget)}</td></tr>`)}${fields.length > L.fields ? html`<tr><td colspan="2" class="more">… and ${fields.length - L.fields} more fields</td></tr>` : ''}</tbody></table></section>` : ''}
<section><h4>What to do next</h4>${f.playbook?.length ? html`<ol class="playbook">${f.playbook.slice(0, L.steps).map(stepHtml)}${f.playbook.length > L.steps ? html`<li class="more">… and ${f.playbook.length - L.steps} more steps</li>` : ''}</ol>` : html`<p class="muted">No playbook steps are attached to this finding.</p>`}</section>
${f.falsepositives.length ? html`<section><h4>False positives to rule out</h4>${listHtml(f.falsepositives, (s) => html`${capText(s, 1000)}`)}</section>` : ''}
${f.references.length ? html`<section><h4>References</h4>${listHtml(f.references, referenceHtml, 'refs')}</section>` : ''}
</article>`;
}

// ---- the timeline chart --------------------------------------------------------------------------

/**
 * Text inside SVG or <title>: escaped, unsafe characters as plain escapes (`\u202e`). No marker
 * element here: an HTML element such as <span> inside <svg> makes the parser leave the SVG.
 */
export function plainText(s: string): SafeHtml {
  return new SafeHtml(htmlAttr(s));
}

const fmtTime = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** The findings on a time axis (inline SVG, no script): one row per finding, first to last seen. */
export function timelineSvg(findings: readonly Finding[]): SafeHtml {
  const timed = findings
    .map((f) => ({ f, a: Date.parse(f.first_seen ?? f.last_seen ?? ''), b: Date.parse(f.last_seen ?? f.first_seen ?? '') }))
    .filter((x) => !Number.isNaN(x.a) && !Number.isNaN(x.b))
    .sort((x, y) => x.a - y.a || SEVERITY_RANK[y.f.severity] - SEVERITY_RANK[x.f.severity]);
  const untimed = findings.length - timed.length;
  if (timed.length === 0) return html`<p class="muted">No finding has a time${untimed ? html` (${untimed} without one)` : ''}.</p>`;
  const rows = timed.slice(0, HTML_LIMITS.chartRows);
  let lo = Math.min(...rows.map((r) => r.a)), hi = Math.max(...rows.map((r) => r.b));
  if (hi - lo < 60_000) { lo -= 1_800_000; hi += 1_800_000; }
  const pad = (hi - lo) * 0.03;
  lo -= pad; hi += pad;
  const W = 1000, LABEL = 280, RIGHT = 16, TOP = 28, ROW = 22;
  const H = TOP + rows.length * ROW + 8;
  const x = (t: number) => LABEL + ((t - lo) / (hi - lo)) * (W - LABEL - RIGHT);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((k) => lo + k * (hi - lo));
  const grid = ticks.map((t, i) => html`<line class="grid" x1="${x(t).toFixed(1)}" y1="${TOP - 6}" x2="${x(t).toFixed(1)}" y2="${H - 4}"/><text class="tick" x="${x(t).toFixed(1)}" y="14" text-anchor="${i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}">${fmtTime(t)}</text>`);
  const marks = rows.map((r, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const x1 = x(r.a), x2 = x(r.b);
    const label = truncate(r.f.title, 42);
    const tip = `${r.f.severity}${r.f.correlation ? ' correlation' : ''} · ${r.f.title}${r.f.host ? ` · ${r.f.host}` : ''} · ${r.f.first_seen ?? ''}${r.f.last_seen && r.f.last_seen !== r.f.first_seen ? ` to ${r.f.last_seen}` : ''} · ${r.f.count} event${r.f.count === 1 ? '' : 's'}`;
    return html`<a href="#f-${r.f.id}"><g class="row sev-${r.f.severity}"><title>${plainText(capText(tip, 600))}</title>${i % 2 ? html`<rect class="stripe" x="0" y="${TOP + i * ROW}" width="${W}" height="${ROW}"/>` : ''}<text class="label" x="${LABEL - 8}" y="${(y + 4).toFixed(1)}" text-anchor="end">${plainText(label)}</text>${x2 - x1 > 1 ? html`<line class="${r.f.correlation ? 'span corr-span' : 'span'}" x1="${x1.toFixed(1)}" y1="${y}" x2="${x2.toFixed(1)}" y2="${y}"/>` : ''}<circle cx="${x1.toFixed(1)}" cy="${y}" r="5"/>${x2 - x1 > 1 ? html`<circle cx="${x2.toFixed(1)}" cy="${y}" r="5"/>` : ''}</g></a>`;
  });
  const notes: string[] = [];
  if (timed.length > rows.length) notes.push(`${timed.length - rows.length} more findings with a time are not charted (the chart shows the ${rows.length} earliest).`);
  if (untimed) notes.push(`${untimed} finding${untimed === 1 ? ' has' : 's have'} no time and ${untimed === 1 ? 'is' : 'are'} not charted.`);
  return html`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Findings over time, ${fmtTime(lo)} to ${fmtTime(hi)} UTC">${grid}${marks}</svg>
<figcaption>Each row is a finding, from its first to its last event (UTC); select a row to go to its card.${notes.length ? html` ${notes.join(' ')}` : ''}</figcaption></figure>`;
}

// ---- the report -------------------------------------------------------------------------------

const STYLE = `
:root{--fg:#1f2430;--muted:#667085;--bg:#f6f7f9;--card:#fff;--line:#e3e6eb;--code:#f1f3f6;--accent:#2456c7;
--critical:#b42318;--high:#d9480f;--medium:#b7791f;--low:#1c7ed6;--informational:#6b7280}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:0;line-height:1.35;overflow-wrap:anywhere}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:16px 0 6px}
a{color:var(--accent)}
code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
code{background:var(--code);border-radius:4px;padding:1px 4px;overflow-wrap:break-word;white-space:pre-wrap}
pre{background:var(--code);border-radius:6px;padding:8px 10px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
pre code{background:none;padding:0}
.muted{color:var(--muted)}
.sub{color:var(--muted);margin:0}
nav.toc{margin:12px 0 0;display:flex;gap:14px;flex-wrap:wrap}
.tiles{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0 16px}
.tile{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--informational);border-radius:8px;padding:8px 14px;min-width:120px}
.tile b{display:block;font-size:24px;line-height:1.2}
.tile span{color:var(--muted);text-transform:capitalize}
.tile.sev-critical{border-left-color:var(--critical)}.tile.sev-high{border-left-color:var(--high)}.tile.sev-medium{border-left-color:var(--medium)}.tile.sev-low{border-left-color:var(--low)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.panel h3{font-size:14px;margin-bottom:8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:12px 0 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
dl.run{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dl.run dt{color:var(--muted)}dl.run dd{margin:0}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--informational);border-radius:8px;padding:14px 18px;margin:0 0 16px}
.card.sev-critical{border-left-color:var(--critical)}.card.sev-high{border-left-color:var(--high)}.card.sev-medium{border-left-color:var(--medium)}.card.sev-low{border-left-color:var(--low)}
.cardhead{display:flex;align-items:center;gap:10px}
.badge{color:#fff;background:var(--informational);border-radius:4px;padding:2px 8px;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
.badge.sev-critical{background:var(--critical)}.badge.sev-high{background:var(--high)}.badge.sev-medium{background:var(--medium)}.badge.sev-low{background:var(--low)}
.score{font-weight:700;font-size:15px;border:2px solid var(--line);border-radius:999px;min-width:38px;text-align:center;padding:0 6px}
.corr{font-size:11px;font-weight:600;color:var(--accent);border:1px solid var(--accent);border-radius:3px;padding:0 5px;white-space:nowrap;text-transform:uppercase;letter-spacing:.03em}
.chart .corr-span{stroke-dasharray:8 4}
table.fields{table-layout:fixed}
table.fields th{width:24%;font-weight:normal}
table.fields code,ul.evidence code,dl.facts code{overflow-wrap:anywhere}
table.fields code.val{display:inline}
ol.arr{margin:0;padding-left:28px}
ul.evidence,ul.refs{padding-left:20px;margin:0}
.loc{color:var(--muted)}
.kind{font-size:11px;border:1px solid var(--line);border-radius:3px;padding:0 4px;color:var(--muted)}
.more{color:var(--muted);font-style:italic}
ol.playbook{padding-left:22px;margin:0}
ol.playbook li.step{margin:0 0 8px}
.phase{font-size:11px;background:#e8eefc;color:#1e3a8a;border-radius:3px;padding:0 5px}
.steptext p{margin:2px 0}
.cc{background:#fde68a;color:#7c2d12;border:1px solid #d97706;border-radius:3px;padding:0 2px;font:11px ui-monospace,Menlo,Consolas,monospace}
.nolink{overflow-wrap:anywhere}
#filters{display:flex;gap:10px;align-items:center;margin:0 0 14px;flex-wrap:wrap}
#filters input[type=search]{flex:1;min-width:220px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
#filters select{padding:5px 8px;border:1px solid var(--line);border-radius:6px;font:inherit;background:var(--card)}
[hidden]{display:none!important}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px}
figure.chart figcaption{color:var(--muted);font-size:12px;margin-top:6px}
.chart svg{display:block;font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.chart .grid{stroke:#d5d9e0;stroke-dasharray:3 3}
.chart .tick{fill:#667085}
.chart .label{fill:#1f2430}
.chart .stripe{fill:#f3f5f8}
.chart .row circle{stroke:#fff;stroke-width:1.5}
.chart .span{stroke-width:4;stroke-linecap:round}
.chart .sev-critical circle{fill:var(--critical)}.chart .sev-critical .span{stroke:var(--critical)}
.chart .sev-high circle{fill:var(--high)}.chart .sev-high .span{stroke:var(--high)}
.chart .sev-medium circle{fill:var(--medium)}.chart .sev-medium .span{stroke:var(--medium)}
.chart .sev-low circle{fill:var(--low)}.chart .sev-low .span{stroke:var(--low)}
.chart .sev-informational circle{fill:var(--informational)}.chart .sev-informational .span{stroke:var(--informational)}
.chart a:hover .label{fill:var(--accent);text-decoration:underline}
.notice{background:#fff7e6;border:1px solid #f5c26b;border-radius:6px;padding:8px 12px}
footer{color:var(--muted);font-size:12px;margin-top:32px}
#technique details.panel{margin:0 0 10px}
#technique summary{cursor:pointer}
#technique summary h3{display:inline;font-size:15px}
.tablewrap{overflow-x:auto}
table.md{font-size:13px;margin:6px 0 10px}
table.md th{background:var(--code)}
@media print{#filters,nav.toc{display:none!important}body{background:#fff}.card{break-inside:avoid}}
`;

const SCRIPT = `
(function () {
  var box = document.getElementById('filters');
  if (!box) return;
  var q = document.getElementById('filter-text'), sev = document.getElementById('filter-severity'), shown = document.getElementById('filter-shown');
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.card'));
  var texts = cards.map(function (c) { return (c.textContent || '').toLowerCase(); });
  function apply() {
    var t = q.value.trim().toLowerCase(), min = Number(sev.value), n = 0;
    cards.forEach(function (c, i) {
      var ok = Number(c.getAttribute('data-rank')) >= min && (t === '' || texts[i].indexOf(t) >= 0);
      c.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + cards.length + ' findings shown';
  }
  q.addEventListener('input', apply);
  sev.addEventListener('change', apply);
  box.hidden = false;
  apply();
})();
`;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The Content-Security-Policy of the report: nothing but its own style and script, and data: images. */
export const REPORT_CSP = `default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;

function runHtml(s: ReportSummary): SafeHtml {
  const rows: [string, HtmlValue][] = [];
  if (s.files) rows.push(['Files', `${s.files.read} of ${s.files.total} read${s.files.skipped ? `, ${s.files.skipped} skipped` : ''}${s.files.unreadable ? `, ${s.files.unreadable} unreadable` : ''}`]);
  if (s.events !== undefined) {
    const kinds = Object.entries(s.eventsByKind ?? {}).map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', ');
    rows.push(['Events', `${s.events.toLocaleString('en')}${kinds ? ` (${kinds})` : ''}${s.outsideWindow ? `; ${s.outsideWindow.toLocaleString('en')} outside the time window` : ''}`]);
  }
  if (s.window && (s.window.from || s.window.to)) rows.push(['Time window', `${s.window.from ?? '…'} to ${s.window.to ?? '…'}`]);
  if (s.rules) rows.push(['Rules', `${s.rules.loaded} rules and ${s.rules.correlations} correlations loaded${s.rules.failed ? `, ${s.rules.failed} failed` : ''}`]);
  if (s.matches !== undefined) rows.push(['Matches', `${s.matches.toLocaleString('en')}${s.correlationMatches ? `, ${s.correlationMatches} correlation matches` : ''}`]);
  if (s.audited) rows.push(['Audited', `${s.audited} Exchange configuration, export and DLL files`]);
  if (s.recordProblems) rows.push(['Unusable records', s.recordProblems.toLocaleString('en')]);
  const inputs = s.inputs.slice(0, HTML_LIMITS.inputs);
  return html`<div class="panel"><h3>Run</h3><dl class="run">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
<dt>Inputs</dt><dd>${inputs.map((p, i) => html`${i ? html`<br>` : ''}<code>${capText(p, 500)}</code>`)}${s.inputs.length > inputs.length ? html`<br><span class="more">… and ${s.inputs.length - inputs.length} more</span>` : ''}${s.inputs.length ? '' : html`<span class="muted">(none)</span>`}</dd></dl></div>`;
}

function hostsHtml(findings: readonly Finding[]): SafeHtml {
  const hosts = countByHost(findings);
  const shown = hosts.slice(0, HTML_LIMITS.hosts);
  const sevs = SEVERITIES_DESC;
  return html`<div class="panel"><h3>Findings by host</h3>${hosts.length ? html`<table><thead><tr><th>Host</th>${sevs.map((s) => html`<th class="n" title="${s}">${s === 'informational' ? 'info' : s}</th>`)}<th class="n">Total</th></tr></thead><tbody>
${shown.map((h) => html`<tr><td>${h.host === null ? html`<span class="muted">(none)</span>` : html`<code>${capText(h.host, 200)}</code>`}</td>${sevs.map((s) => html`<td class="n">${h.bySeverity[s] || ''}</td>`)}<td class="n"><b>${h.total}</b></td></tr>`)}
${hosts.length > shown.length ? html`<tr><td colspan="7" class="more">… and ${hosts.length - shown.length} more hosts</td></tr>` : ''}</tbody></table>` : html`<p class="muted">No findings.</p>`}</div>`;
}

function techniqueHtml(t: TechniqueSection): SafeHtml {
  const url = t.url ? safeHttpUrl(t.url) : null;
  return html`<section id="technique"><h2>Technique ${t.id}: ${t.name}</h2>
${t.sections.slice(0, 40).map((s, i) => html`<details class="panel"${i === 0 ? html` open` : ''}><summary><h3>${capText(s.title, 300)}</h3></summary>${textBlocksHtml(s.text, HTML_LIMITS.techniqueChars)}</details>`)}
${url ? html`<p><a href="${url}" rel="${NOFOLLOW}" target="_blank">${url}</a></p>` : ''}</section>`;
}

/** The report as one HTML document (UTF-8). */
export function renderHtmlReport(findings: readonly Finding[], summary: ReportSummary, opts: HtmlReportOptions = {}): string {
  const all = sortFindings(findings);
  const max = Math.max(0, opts.maxFindings ?? HTML_LIMITS.findings);
  const shown = all.slice(0, max);
  const ids = new Set(shown.map((f) => f.id));
  const bySev = countBySeverity(all);
  const range = timeRange(all);
  const generated = summary.generated ?? (opts.now ?? new Date()).toISOString();
  const title = opts.title ?? 'tracehound report';
  const technique = opts.technique === undefined ? T1505_002_SUMMARY : opts.technique;
  const present = SEVERITIES_DESC.filter((s) => bySev[s] > 0);

  const body = html`<main>
<header><h1>${title}</h1><p class="sub">${all.length} finding${all.length === 1 ? '' : 's'}${range ? html` between ${range.first} and ${range.last}` : ''} · generated ${generated}${summary.tool ? html` by ${summary.tool}` : ''}</p>
<nav class="toc"><a href="#summary">Summary</a><a href="#timeline">Timeline</a><a href="#findings">Findings</a>${technique ? html`<a href="#technique">Technique ${technique.id}</a>` : ''}</nav></header>
<section id="summary"><h2>Summary</h2>
<div class="tiles">${SEVERITIES_DESC.map((s) => html`<div class="tile sev-${s}"><b>${bySev[s]}</b><span>${s}</span></div>`)}</div>
<div class="grid2">${runHtml(summary)}${hostsHtml(all)}</div></section>
<section id="timeline"><h2>Timeline</h2>${timelineSvg(shown)}</section>
<section id="findings"><h2>Findings</h2>
${all.length > shown.length ? html`<p class="notice">This report shows the ${shown.length} most severe of ${all.length} findings: ${all.length - shown.length} are left out. Use <code>--format json</code> for all of them.</p>` : ''}
<div id="filters" hidden><input type="search" id="filter-text" placeholder="Filter findings: title, host, evidence, field values…" aria-label="Filter findings"><select id="filter-severity" aria-label="Minimum severity"><option value="0">All severities</option>${present.map((s) => html`<option value="${SEVERITY_RANK[s]}">${s} and above</option>`)}</select><span id="filter-shown" class="muted"></span></div>
${shown.length ? shown.map((f) => cardHtml(f, ids)) : html`<p class="muted">No findings.</p>`}
</section>
${technique ? techniqueHtml(technique) : ''}
<footer>Generated by ${summary.tool ?? 'tracehound'} on ${generated}. Values from the evidence are shown as text; invisible and direction-changing characters appear as marked escapes such as <span class="cc">\\u202e</span>, and long values are cut.</footer>
</main>`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
${html`<title>${plainText(`${title} — ${all.length} finding${all.length === 1 ? '' : 's'}`)}</title>`}
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

