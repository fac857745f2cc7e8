// --format markdown: the ticket report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MARKDOWN_LIMITS, renderMarkdownReport } from '../../src/report/markdown.js';
import { cli, finding, hostileFindings, IMG_ATTR, JS_URL, MEGA, RLO, SCRIPT_TAG } from './fixtures.js';

test('markdown: summary first, then each finding with its facts, evidence, fields, why, false positives, checklist and references', () => {
  const f = finding({
    playbook: [
      { id: 'l1-verify', title: 'Verify the registered agents', text: 'Compare Get-TransportAgent with the baseline.', phase: 'l1', commands: ['Get-TransportAgent | Format-List'] },
      { id: 'contain', title: 'Disable the agent', text: 'Disable it before uninstalling.' },
    ],
    correlated_by: ['fedcba9876543210'],
  });
  const md = renderMarkdownReport([f, finding({ id: '1111111111111111', severity: 'high', score: 64, title: 'Second' })], {
    inputs: ['samples'], generated: '2026-11-03T00:00:00.000Z', tool: 'tracehound 0.1.0', files: { total: 1, read: 1, skipped: 0, unreadable: 0 }, events: 11,
    rules: { loaded: 4, correlations: 1, failed: 0 }, matches: 5,
  });
  const order = ['# tracehound findings', 'Generated 2026', '## Summary', '| critical | 1 |', '| high | 1 |', '| `EXCH01.corp.example` | 2 | critical |',
    '## 1. Exchange Transport Worker Starts a Shell or LOLBin', '**Severity:** critical · **Score:** 100/100 · **Confidence:** high', '**Host:** `EXCH01.corp.example`',
    '**First seen:** 2026-11-02T13:07:19.402Z', '**Correlated by:** `fedcba9876543210`', '### Evidence', '- `samples/demo-exchange01.jsonl:9` (jsonl)', '### Matched fields', '| field | value |',
    '| `Image` | `C:\\Windows\\System32\\cmd.exe` |', '### Why it matters', 'A transport worker started a shell.', '### False positives to rule out', '- None known',
    '### What to do next', '- [ ] Verify the registered agents — Compare Get-TransportAgent with the baseline. (l1)', '  ```powershell', '  Get-TransportAgent | Format-List',
    '- [ ] Disable the agent — Disable it before uninstalling.', '### References', '- <https://attack.mitre.org/techniques/T1505/002/>', '## 2. Second'];
  let at = 0;
  for (const s of order) {
    const i = md.indexOf(s, at);
    assert.ok(i >= 0, `missing (or out of order): ${s}\n---\n${md}`);
    at = i + s.length;
  }
  assert.match(md, /Run: 1 of 1 file read; 11 events; 4 rules and 1 correlation; 5 matches\./);
});

test('markdown: hostile values stay inert text, in code spans that cannot be broken out of, and are capped', () => {
  const md = renderMarkdownReport(hostileFindings());
  // no raw HTML, no raw control or bidi characters anywhere
  assert.ok(!md.includes('<script>') || /`[^`\n]*<script>alert\(1\)<\/script>/.test(md), 'raw <script> only inside code spans');
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    // fenced blocks (the playbook's commands) are verbatim: skip them
    const f = /^\s*(`{3,})/.exec(line);
    if (f) { if (fence === null) fence = f[1]!; else if (f[1] === fence) fence = null; continue; }
    if (fence !== null) continue;
    // outside code spans there is no unescaped < (escaped: \<)
    const outside = line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '').replace(/<https?:\/\/[^\s<>]+>/g, '');
    assert.doesNotMatch(outside, /(^|[^\\])</, `raw < outside a code span: ${line.slice(0, 200)}`);
  }
  assert.ok(!md.includes(RLO), 'no raw U+202E');
  assert.doesNotMatch(md.replace(/\n/g, ''), /[\u0000-\u001f]/, 'no raw control characters');
  assert.ok(md.includes('\\u202e'), 'U+202E shown as \\u202e');
  assert.ok(md.includes('ctl:\\x00\\x01'), 'controls shown as escapes');
  // the hostile title is escaped text
  assert.ok(md.includes('## 1. Hostile \\<script\\>alert(1)\\</script\\> title \\\\u202eexe.txt'));
  // field values in a table: pipes escaped inside the code span, backtick runs fenced by a longer run
  assert.ok(md.includes('| `Backticks` | ````a ``` b ` c `` d \\| e```` |'), md.split('\n').find((l) => l.includes('Backticks')));
  assert.ok(md.includes(`\`${IMG_ATTR.replace(/\|/g, '\\|')}\``) || md.includes(IMG_ATTR), 'the img string appears verbatim inside a code span');
  // javascript: is not a link; data: neither
  assert.ok(md.includes(`- ${JS_URL}`));
  assert.ok(!md.includes(`<${JS_URL}>`));
  assert.doesNotMatch(md, /(^|[^\\])\]\(javascript:/m, 'no unescaped link to javascript:');
  assert.ok(md.includes('- data:text/html,\\<script\\>alert(1)\\</script\\>'));
  // the 1 MB command line is cut
  assert.ok(md.length < 100_000, `markdown is ${md.length} characters`);
  assert.match(md, /… \(1,0\d\d,\d{3} more characters\)/);
  assert.ok(MARKDOWN_LIMITS.valueChars < MEGA);
  // the checklist with a hostile step, its command block fenced longer than the backticks inside
  assert.ok(md.includes('- [ ] Step \\<script\\>alert(1)\\</script\\> — Do "\\>\\<img src=x onerror=alert(1)\\> (containment)'));
  assert.ok(md.includes('  ````powershell'));
  // a finding without time or host
  assert.ok(md.includes('**Host:** *(none)*'));
  assert.ok(md.includes('**First seen:** *(no time)*'));
});

test('markdown: at most maxFindings findings in full, the rest counted', () => {
  const many = Array.from({ length: 7 }, (_, i) => finding({ id: `${i}`.repeat(16), title: `F${i}`, score: 100 - i }));
  const md = renderMarkdownReport(many, undefined, { maxFindings: 3 });
  assert.equal(md.match(/^## \d+\. /gm)?.length, 3);
  assert.match(md, /\*4 findings not shown: this report shows the 3 most severe\.\*/);
  assert.match(md, /^7 findings, from /m, 'the summary counts them all');
});

test('hunt --format markdown on the demo evidence', () => {
  const r = cli('hunt', 'samples', '--format', 'markdown');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^# tracehound findings\n\nGenerated \d{4}-.* by tracehound \d+\.\d+\.\d+ from `samples`\./);
  assert.match(r.stdout, /## Summary/);
  assert.match(r.stdout, /## 1\. .*Transport/);
  assert.match(r.stdout, /### Matched fields/);
  assert.ok(!r.stdout.includes(SCRIPT_TAG));
});
