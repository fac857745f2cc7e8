// The HTML report as text: CSP and hashes, no external loads, escaping, caps (the browser test runs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTML_LIMITS, inlineHtml, renderHtmlReport, REPORT_CSP, techniqueFromMarkdown, textBlocksHtml, timelineSvg } from '../../src/report/html.js';
import type { ReportSummary } from '../../src/report/summary.js';
import { cli, CONTROLS, finding, hostileFindings, IMG_ATTR, JS_URL, RLO, SCRIPT_TAG, tempDir } from './fixtures.js';

const SUMMARY: ReportSummary = { inputs: [`C:\\evidence\\${SCRIPT_TAG}`], generated: '2026-11-03T00:00:00.000Z', tool: 'tracehound 0.1.0', events: 11 };

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

test('html: strict CSP whose hashes are those of the one inline style and the one inline script', () => {
  const doc = renderHtmlReport(hostileFindings(), SUMMARY);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(doc)?.[1];
  assert.equal(csp, REPORT_CSP);
  assert.match(csp!, /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'; img-src data:; base-uri 'none'; form-action 'none'$/);
  assert.ok(doc.indexOf('Content-Security-Policy') < doc.indexOf('<style>'), 'the policy comes before anything it governs');
  const styles = [...doc.matchAll(/<style>([\s\S]*?)<\/style>/g)];
  const scripts = [...doc.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  assert.equal(styles.length, 1);
  assert.equal(scripts.length, 1);
  assert.ok(csp!.includes(hash(styles[0]![1]!)), 'style hash');
  assert.ok(csp!.includes(hash(scripts[0]![1]!)), 'script hash');
  assert.equal((doc.match(/<script/g) ?? []).length, 1, 'no other script element, not even escaped wrongly');
});

test('html: nothing is loaded from anywhere; links only to http(s), with rel=noreferrer noopener', () => {
  const doc = renderHtmlReport(hostileFindings(), SUMMARY);
  // every real start tag (escaped text has no raw <): the elements and attributes used
  const tags = [...doc.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/g)];
  const names = new Set(tags.map((t) => t[1]!.toLowerCase()));
  const attrs = new Set(tags.flatMap((t) => [...t[2]!.matchAll(/\s([\w:-]+)/g)].map((a) => a[1]!.toLowerCase())));
  for (const el of ['img', 'iframe', 'object', 'embed', 'video', 'audio', 'source', 'form', 'base', 'frame', 'image', 'use', 'foreignobject']) assert.ok(!names.has(el), `<${el}>`);
  for (const at of ['src', 'srcset', 'poster', 'data', 'action', 'formaction', 'background', 'style', 'xlink:href']) assert.ok(!attrs.has(at), `${at}= attribute`);
  assert.ok(![...attrs].some((a) => a.startsWith('on')), 'no event handler attribute');
  assert.ok(!tags.some((t) => t[1] === 'input' && !/type="(checkbox|search)"/.test(t[2]!)), 'inputs are checkboxes and the filter box only');
  assert.doesNotMatch(doc, /@import|url\(/i, 'no CSS fetch');
  assert.equal([...doc.matchAll(/<link /g)].length, 1);
  assert.match(doc, /<link rel="icon" href="data:,">/, 'the favicon is inline (no favicon request)');
  for (const m of doc.matchAll(/<a ([^>]*)>/g)) {
    const href = /href="([^"]*)"/.exec(m[1]!)?.[1] ?? '';
    if (href.startsWith('#')) continue;
    assert.match(href, /^https?:\/\//, `link to ${href}`);
    assert.match(m[1]!, /rel="noreferrer noopener"/);
  }
  assert.doesNotMatch(doc, /<a [^>]*href="\s*(javascript|data|vbscript):/i);
  // the javascript: reference is text
  assert.ok(doc.includes(`<span class="nolink">${JS_URL}</span>`));
});

test('html: hostile values are escaped text; control and bidi characters are visible markers', () => {
  const doc = renderHtmlReport(hostileFindings(), SUMMARY);
  assert.ok(!doc.includes(SCRIPT_TAG));
  assert.ok(!doc.includes('<img'));
  assert.ok(doc.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(doc.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!doc.includes(RLO), 'no raw U+202E');
  assert.doesNotMatch(doc, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/, 'no raw control character');
  assert.ok(doc.includes('<span class="cc" title="U+202E RIGHT-TO-LEFT OVERRIDE">\\u202e</span>'));
  assert.ok(doc.includes('<span class="cc" title="U+0000 NULL">\\x00</span>'));
  // inside the SVG chart: escapes as text, never an HTML element (which would break out of the SVG)
  const svg = /<svg[\s\S]*?<\/svg>/.exec(doc)![0];
  assert.doesNotMatch(svg, /<(span|b|i|code|p|div|img|script)\b/);
  assert.ok(svg.includes('Hostile &lt;script&gt;'));
  // the <title> element holds text only
  assert.doesNotMatch(/<title>([\s\S]*?)<\/title>/.exec(doc)![1]!, /</);
  // the description (which can hold evidence) is plain paragraphs: no list, no link, even to http(s)
  assert.ok(doc.includes(`<p>Why &quot;&gt;&lt;img src=x onerror=alert(1)&gt; matters</p><p>- item &lt;script&gt;alert(1)&lt;/script&gt; - [link](${JS_URL})</p>`));
  const plain = renderHtmlReport([finding({ description: 'Agent [Click](https://evil.test/) at **C:\\x**' })], SUMMARY);
  assert.ok(plain.includes('<p>Agent [Click](https://evil.test/) at **C:\\x**</p>'));
  assert.ok(!plain.includes('href="https://evil.test/"'));
  void CONTROLS; void IMG_ATTR;
});

test('html: sizes are capped — a 1 MB command line, many fields, evidence and findings', () => {
  const doc = renderHtmlReport(hostileFindings(), SUMMARY);
  assert.ok(doc.length < 200_000, `report is ${doc.length} characters for 1 MB of evidence`);
  assert.match(doc, /… \(1,0\d\d,\d{3} more characters\)/);
  const many = finding({
    fields: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`F${i}`, 'v'.repeat(100_000)])),
    evidence: Array.from({ length: 50 }, (_, i) => ({ file: 'x.evtx', kind: 'evtx' as const, record: i })),
    count: 900,
  });
  const d2 = renderHtmlReport([many], SUMMARY);
  assert.ok(d2.length < HTML_LIMITS.cardChars + HTML_LIMITS.fields * (HTML_LIMITS.minValueChars + 200) + 40_000, `card of ${d2.length} characters`);
  assert.match(d2, /… and 15 more fields/);
  assert.match(d2, /… and 30 more references/);
  assert.match(d2, /900 events in all; the references are the first 50\./);
  const fs = Array.from({ length: 5 }, (_, i) => finding({ id: `${i}`.repeat(16), title: `Finding ${i}`, score: 90 - i }));
  const d3 = renderHtmlReport(fs, SUMMARY, { maxFindings: 2 });
  assert.equal((d3.match(/<article class="card/g) ?? []).length, 2);
  assert.match(d3, /shows the 2 most severe of 5 findings: 3 are left out/);
  assert.match(d3, /<b>5<\/b><span>critical<\/span>/, 'the counts cover all findings');
});

test('html: summary (inputs, counts by severity and host), chart, cards, technique section', () => {
  const doc = renderHtmlReport([...hostileFindings(), finding({ id: 'd'.repeat(16), host: 'EXCH02', severity: 'low', score: 24 })], SUMMARY, {
    technique: { id: 'T1505.002', name: 'Transport Agent', sections: [{ title: `What ${SCRIPT_TAG}`, text: 'Para one `Install-TransportAgent` **bold**.\n\n- a\n- b\n\n```\nGet-TransportAgent <x>\n```' }] },
  });
  assert.match(doc, /<section id="summary">/);
  assert.ok(doc.includes('<code>C:\\evidence\\&lt;script&gt;alert(1)&lt;/script&gt;</code>'), 'inputs');
  assert.match(doc, /<th>Host<\/th>/);
  assert.ok(doc.includes('<code>EXCH02</code>'));
  assert.match(doc, /<section id="timeline"><h2>Timeline<\/h2><figure class="chart"><svg/);
  assert.match(doc, /1 finding has no time and is not charted\./);
  assert.equal((doc.match(/<article class="card/g) ?? []).length, 4);
  assert.match(doc, /<h4>Why it matters<\/h4>/);
  assert.match(doc, /<h4>Matched fields<\/h4>/);
  assert.match(doc, /<h4>What to do next<\/h4><ol class="playbook"><li class="step"><label><input type="checkbox"> <strong>Step &lt;script&gt;/);
  assert.match(doc, /<h4>False positives to rule out<\/h4>/);
  assert.match(doc, /<h4>References<\/h4>/);
  assert.match(doc, /<a href="#f-bbbbbbbbbbbbbbbb"><code>bbbbbbbbbbbbbbbb<\/code><\/a>/, 'correlated_by links to the card');
  assert.match(doc, /<section id="technique"><h2>Technique T1505\.002: Transport Agent<\/h2>/);
  assert.ok(doc.includes('<h3>What &lt;script&gt;alert(1)&lt;/script&gt;</h3>'));
  assert.ok(doc.includes('<p>Para one <code>Install-TransportAgent</code> <strong>bold</strong>.</p><ul><li>a</li><li>b</li></ul><pre><code>Get-TransportAgent &lt;x&gt;</code></pre>'));
  assert.doesNotMatch(renderHtmlReport([], SUMMARY, { technique: null }), /id="technique"/);
  assert.match(renderHtmlReport([], SUMMARY), /Technique T1505\.002: Server Software Component: Transport Agent/, 'the built-in summary by default');
  // the filter box is hidden until the script shows it (the report reads fully without JS)
  assert.match(doc, /<div id="filters" hidden>/);
});

test('inline and block text: recognised Markdown bits only, links only to http(s)', () => {
  assert.equal(inlineHtml('[a](https://x.test/) [b](javascript:alert(1)) `<c>`').html,
    '<a href="https://x.test/" rel="noreferrer noopener" target="_blank">a</a> [b](javascript:alert(1)) <code>&lt;c&gt;</code>');
  assert.equal(textBlocksHtml('# H <x>\ntext\nmore\n\n* one\n  continued').html, '<h4>H &lt;x&gt;</h4><p>text more</p><ul><li>one continued</li></ul>');
  assert.match(timelineSvg([]).html, /No finding has a time/);
  // backslash escapes, code spans with longer fences, bare URLs, raw HTML stays text
  assert.equal(inlineHtml('ATT\\&CK \\*not bold\\* ``a`b`` see https://x.test/a. <img src=x onerror=alert(1)> javascript:alert(1)').html,
    'ATT&amp;CK *not bold* <code>a`b</code> see <a href="https://x.test/a" rel="noreferrer noopener" target="_blank">https://x.test/a</a>. &lt;img src=x onerror=alert(1)&gt; javascript:alert(1)');
  assert.equal(textBlocksHtml('| a | b |\n|---|---|\n| `x \\| y` | <b>z</b> \\| w |').html,
    '<div class="tablewrap"><table class="md"><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><code>x | y</code></td><td>&lt;b&gt;z&lt;/b&gt; | w</td></tr></tbody></table></div>');
});

test('a technique page in Markdown becomes the report\'s technique section, rendered as escaped text', () => {
  const md = `# [T1505.002](https://attack.mitre.org/techniques/T1505/002/) Transport Agent\n\n- Tactic: persistence\n\n## Summary (tracehound)\n\nText with ATT\\&CK and ${SCRIPT_TAG}.\n\n## Links\n\n- [evil](${JS_URL})\n- [good](https://attack.mitre.org/)\n`;
  const t = techniqueFromMarkdown(md);
  assert.equal(t.id, 'T1505.002');
  assert.equal(t.name, 'Transport Agent');
  assert.equal(t.url, 'https://attack.mitre.org/techniques/T1505/002/');
  assert.deepEqual(t.sections.map((x) => x.title), ['Overview', 'Summary (tracehound)', 'Links']);
  const doc = renderHtmlReport([], SUMMARY, { technique: t });
  assert.match(doc, /<h2>Technique T1505\.002: Transport Agent<\/h2>/);
  assert.ok(doc.includes('<p>Text with ATT&amp;CK and &lt;script&gt;alert(1)&lt;/script&gt;.</p>'));
  assert.ok(doc.includes(`<li>[evil](${JS_URL})</li>`), 'a javascript: link stays text');
  assert.ok(doc.includes('<li><a href="https://attack.mitre.org/" rel="noreferrer noopener" target="_blank">good</a></li>'));
  assert.equal((doc.match(/<script/g) ?? []).length, 1);
});

test('hunt --html FILE writes the report after the hunt; a bad path fails before it', () => {
  const dir = tempDir();
  const out = join(dir, 'report.html');
  const r = cli('hunt', 'samples', '--format', 'jsonl', '--html', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /HTML report of \d+ findings written to /);
  const doc = readFileSync(out, 'utf8');
  assert.match(doc, /^<!DOCTYPE html>/);
  assert.equal((doc.match(/<article class="card/g) ?? []).length, r.stdout.trim().split('\n').length, 'one card per printed finding');
  assert.match(doc, /<dt>Inputs<\/dt><dd><code>samples<\/code>/);
  assert.match(doc, /by tracehound \d+\.\d+\.\d+/);
  assert.match(doc, /<section id="technique"><h2>Technique T1505\.002: /, 'the knowledge pack\'s technique page');
  // with --per-event the report still has the findings
  const p = cli('hunt', 'samples', '--per-event', '--format', 'jsonl', '--html', join(dir, 'p.html'));
  assert.equal(p.status, 0, p.stderr);
  assert.ok((readFileSync(join(dir, 'p.html'), 'utf8').match(/<article class="card/g) ?? []).length >= 5);
  const bad = cli('hunt', 'samples', '--format', 'jsonl', '--html', join(dir, 'no-such-dir', 'r.html'));
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '', 'nothing hunted');
  assert.match(bad.stderr, /no-such-dir/);
  const dash = cli('hunt', 'samples', '--format', 'jsonl', '--html', '-');
  assert.equal(dash.status, 2, 'the report and the records cannot both go to standard output');
  assert.match(dash.stderr, /--out FILE/);
  const toStdout = cli('hunt', 'samples', '--out', join(dir, 'f.jsonl'), '--html', '-', '-q');
  assert.equal(toStdout.status, 0, toStdout.stderr);
  assert.match(toStdout.stdout, /^<!DOCTYPE html>/);
});
