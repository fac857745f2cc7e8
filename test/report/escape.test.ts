// The escaping functions of the HTML and Markdown reports, and the terminal's `visible`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capText, describeChar, escapeHtml, html, htmlAttr, htmlText, mdCode, mdLink, mdText, safeHttpUrl, SafeHtml } from '../../src/report/escape.js';
import { truncateStart, visible } from '../../src/report/text.js';
import { CONTROLS, IMG_ATTR, JS_URL, RLO, SCRIPT_TAG } from './fixtures.js';

test('escapeHtml: & < > " \' become character references, nothing else changes', () => {
  assert.equal(escapeHtml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&#39;f');
  assert.equal(escapeHtml(SCRIPT_TAG), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'escaping is not idempotent: text is text');
  assert.equal(escapeHtml('plain ü 😀'), 'plain ü 😀');
});

test('htmlText: control, bidi, zero-width and tag characters become visible marker elements', () => {
  const out = htmlText(`a${RLO}b`);
  assert.equal(out, 'a<span class="cc" title="U+202E RIGHT-TO-LEFT OVERRIDE">\\u202e</span>b');
  assert.ok(!out.includes(RLO));
  const all = htmlText(CONTROLS);
  assert.doesNotMatch(all, /[\u0000-\u001f]/, 'no raw control character left');
  assert.equal(all.match(/class="cc"/g)?.length, 32);
  assert.match(all, />\\x00</);
  assert.match(all, />\\n</);
  assert.match(all, />\\x1b</);
  for (const c of ['\u200b', '\u200e', '\u2066', '\u2069', '\ufeff', '\u061c', '\u00ad', '\u2028', '\u0085']) {
    assert.match(htmlText(`x${c}y`), /class="cc"/, `U+${c.charCodeAt(0).toString(16)} is marked`);
  }
  // a tag character (U+E0041) as a whole code point
  assert.match(htmlText('x\u{e0041}y'), />\\u\{e0041\}</);
  assert.equal(describeChar('\u0000'), 'U+0000 NULL');
  assert.equal(describeChar('\u{e0041}'), 'U+E0041 TAG CHARACTER');
  // markup in the value stays text
  assert.equal(htmlText(IMG_ATTR), '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
});

test('htmlAttr: escaped for a quoted attribute value, unsafe characters as plain escapes', () => {
  assert.equal(htmlAttr(`x" onmouseover="alert(1)`), 'x&quot; onmouseover=&quot;alert(1)');
  assert.equal(htmlAttr(`'${RLO}`), '&#39;\\u202e');
});

test('the html template escapes interpolations by context and passes only SafeHtml through', () => {
  const v = `"><script>x</script>${RLO}`;
  const out = html`<a title="${v}">${v}</a>`.html;
  assert.equal(out, `<a title="&quot;&gt;&lt;script&gt;x&lt;/script&gt;\\u202e">&quot;&gt;&lt;script&gt;x&lt;/script&gt;<span class="cc" title="U+202E RIGHT-TO-LEFT OVERRIDE">\\u202e</span></a>`);
  // nested templates are not escaped twice; plain strings that look like markup are
  assert.equal(html`<p>${html`<b>${'<i>'}</b>`}</p>`.html, '<p><b>&lt;i&gt;</b></p>');
  assert.equal(html`<p>${'<b>x</b>'}</p>`.html, '<p>&lt;b&gt;x&lt;/b&gt;</p>');
  // arrays, numbers, null/undefined/false
  assert.equal(html`${['<', 1, null, undefined, false, new SafeHtml('<br>')]}`.html, '&lt;1<br>');
  // the second value of one attribute is still in the attribute
  assert.equal(html`<i data-x="${'a'} ${'"b'}">`.html, '<i data-x="a &quot;b">');
});

test('safeHttpUrl: only absolute http(s) URLs without credentials or hidden characters', () => {
  assert.equal(safeHttpUrl('https://attack.mitre.org/techniques/T1505/002/'), 'https://attack.mitre.org/techniques/T1505/002/');
  assert.equal(safeHttpUrl('HTTP://Example.TEST/a b'), 'http://example.test/a%20b');
  for (const bad of [JS_URL, ' javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<b>', 'vbscript:x', 'file:///etc/passwd',
    '//evil.test/x', '/relative', 'https://user:pw@evil.test/', `https://evil.test/${RLO}gpj.exe`, 'http://', 'https://' + 'a'.repeat(5000)]) {
    assert.equal(safeHttpUrl(bad), null, bad.slice(0, 40));
  }
  // quotes in an accepted URL are percent-encoded by the parser, so they never end an attribute
  assert.doesNotMatch(safeHttpUrl('http://x.test/"onmouseover="alert(1)')!, /"/);
});

test('capText: long values cut with a count of what was left out, surrogate pairs kept whole', () => {
  assert.equal(capText('abc', 3), 'abc');
  assert.equal(capText('abcdef', 3), 'abc… (3 more characters)');
  const big = 'x'.repeat(1 << 20);
  const cut = capText(big, 4096);
  assert.ok(cut.length < 4200);
  assert.match(cut, /… \(1,044,480 more characters\)$/);
  const emoji = capText('a😀b', 2);
  assert.equal(emoji, 'a… (3 more characters)', 'the pair is not split');
});

test('mdText escapes what Markdown would interpret: emphasis, links, HTML, tables, autolinks, headings', () => {
  assert.equal(mdText('*a* _b_ `c` [d](e) <f> |g| ~h~ &amp; $x$ @u'), '\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\<f\\> \\|g\\| \\~h\\~ \\&amp; \\$x\\$ \\@u');
  assert.equal(mdText('# not a heading'), '\\# not a heading');
  assert.equal(mdText('- not a list'), '\\- not a list');
  assert.equal(mdText('1. not a list'), '1\\. not a list');
  assert.equal(mdText('see https://evil.test and www.evil.test'), 'see https\\://evil.test and www\\.evil.test');
  assert.equal(mdText('two\nlines'), 'two lines');
  assert.equal(mdText(`a${RLO}b\\`), 'a\\\\u202eb\\\\', 'the marker\'s backslash is escaped so it shows');
  assert.equal(mdText(SCRIPT_TAG), '\\<script\\>alert(1)\\</script\\>');
});

test('mdCode: a code span no value breaks out of', () => {
  assert.equal(mdCode('plain'), '`plain`');
  assert.equal(mdCode('a ` b'), '``a ` b``');
  assert.equal(mdCode('```x'), '```` ```x ````');
  assert.equal(mdCode('x`'), '`` x` ``');
  assert.equal(mdCode(''), '` `');
  assert.equal(mdCode(`<b>${RLO}\n`), '`<b>\\u202e\\n`', 'HTML inside a code span is inert; unsafe characters visible');
  assert.equal(mdCode('a|b', true), '`a\\|b`', 'in a table cell the pipe is escaped');
  // Recover the content the way CommonMark does (strip the fence, then one space each side) for hostile values.
  for (const v of ['a ``` b ` c `` d', '`', '``', ' ` ', '`x`', 'x'.repeat(10) + '````']) {
    const span = mdCode(v);
    const fence = /^`+/.exec(span)![0];
    assert.ok(span.endsWith(fence));
    const inner = span.slice(fence.length, span.length - fence.length);
    assert.ok(!inner.includes(fence) || !new RegExp(`(^|[^\`])${fence}($|[^\`])`).test(inner), `fence ${fence} appears inside: ${span}`);
    const content = inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
    assert.equal(content, v);
  }
});

test('mdLink: autolinks for http(s), escaped text for anything else', () => {
  assert.equal(mdLink('https://attack.mitre.org/techniques/T1505/002/'), '<https://attack.mitre.org/techniques/T1505/002/>');
  assert.equal(mdLink(JS_URL), 'javascript:alert(1)');
  assert.equal(mdLink('[x](javascript:alert(1))'), '\\[x\\](javascript:alert(1))');
});

test('visible (terminal): unsafe characters as escapes, including ones the table did not cover before', () => {
  assert.equal(visible(`a\u001b[31mb${RLO}c\u2066d\u00ade`), 'a\\x1b[31mb\\u202ec\\u2066d\\xade');
  assert.equal(visible('tag\u{e0041}'), 'tag\\u{e0041}');
  assert.equal(truncateStart('C:\\very\\long\\path\\agent.dll', 12), '…h\\agent.dll', 'paths keep their end');
});
