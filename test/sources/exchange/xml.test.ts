import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, child, children, decodeText, parseXml, textOf, XmlError, MAX_XML_DEPTH, type XmlElement } from '../../../src/sources/exchange/xml.js';

function xmlError(text: string, opts?: Parameters<typeof parseXml>[1]): XmlError {
  try {
    parseXml(text, opts);
  } catch (e) {
    assert.ok(e instanceof XmlError, `expected XmlError, got ${String(e)}`);
    return e;
  }
  assert.fail('no error');
}

test('elements, attributes, text, CDATA, comments, PIs, entities and character references; every element keeps its line', () => {
  const root = parseXml([
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!-- written by Install-TransportAgent -->',
    '<configuration>',
    '  <mexRuntime kind=\'a &amp; b\'>',
    '    <?pi ignored?>',
    '    <note>x &lt; y &#65;&#x42;<![CDATA[<raw & text>]]>z</note>',
    '    <empty a="1"',
    '           b="&quot;q&quot;"/>',
    '  </mexRuntime>',
    '</configuration>',
    '<!-- trailing comment -->',
  ].join('\r\n'));
  assert.equal(root.name, 'configuration');
  assert.equal(root.line, 3);
  const mex = child(root, 'mexRuntime')!;
  assert.equal(mex.line, 4);
  assert.equal(attr(mex, 'kind'), 'a & b');
  const note = child(mex, 'note')!;
  assert.equal(note.line, 6);
  assert.deepEqual(note.children, ['x < y AB<raw & text>z']);
  const empty = child(mex, 'empty')!;
  assert.deepEqual(empty.attrs, { a: '1', b: '"q"' });
  assert.equal(empty.line, 7);
  assert.equal(empty.attrLines['b'], 8);
  assert.deepEqual(children(mex).map((e) => e.name), ['note', 'empty']);
  assert.equal(children(mex, 'note').length, 1);
  assert.equal(textOf(mex).replace(/\s+/g, ' ').trim(), 'x < y AB<raw & text>z');
});

test('attribute values: literal whitespace normalised, references exact; __proto__ is an ordinary own attribute', () => {
  const el = parseXml('<a v="x\ty\nz" w="1&#10;2" __proto__="p" constructor="c"/>');
  assert.equal(el.attrs['v'], 'x y z');
  assert.equal(el.attrs['w'], '1\n2');
  assert.ok(Object.hasOwn(el.attrs, '__proto__'));
  assert.equal(attr(el, '__proto__'), 'p');
  assert.equal(Object.getPrototypeOf(el.attrs), Object.prototype);
  assert.equal(attr(parseXml('<a/>'), 'constructor'), undefined);
});

test('a DOCTYPE is refused before any entity is declared (billion laughs, external entities)', () => {
  const lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>';
  const e = xmlError(lol);
  assert.match(e.message, /DOCTYPE.*entity expansion/);
  assert.equal(e.line, 2);
  assert.match(xmlError('<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>').message, /DOCTYPE/);
  assert.match(xmlError('<x><!DOCTYPE y></x>').message, /DOCTYPE/);
  assert.match(xmlError('<x>&xxe;</x>').message, /undefined entity &xxe;/);
});

test('depth: 64 nested elements parse, 65 do not', () => {
  const nest = (n: number): string => '<a>'.repeat(n) + '</a>'.repeat(n);
  let el: XmlElement | undefined = parseXml(nest(MAX_XML_DEPTH));
  let depth = 0;
  while (el) { depth++; el = child(el, 'a'); }
  assert.equal(depth, MAX_XML_DEPTH);
  const e = xmlError(nest(MAX_XML_DEPTH + 1));
  assert.match(e.message, /deeper than 64/);
  const bomb = xmlError('<a>\n'.repeat(100_000));
  assert.equal(bomb.line, 65);
});

test('size and element-count limits', () => {
  assert.match(xmlError('<a/>', { maxChars: 3 }).message, /longer than 3/);
  assert.match(xmlError('<a><b/><b/><b/></a>', { maxElements: 3 }).message, /more than 3 elements/);
});

test('malformed documents: each an XmlError with line and column', () => {
  const cases: [string, RegExp, number, number][] = [
    ['<a>\n  <b>\n</a>', /end tag <\/a> does not match <b> \(line 2\)/, 3, 1],
    ['<a>\n  <b>text', /element <b> \(line 2\) not closed/, 2, 10],
    ['<a x="1" x="2"/>', /attribute x given twice/, 1, 10],
    ['<a x="<"/>', /'<' inside the value/, 1, 7],
    ['<a x=1/>', /not quoted/, 1, 6],
    ['<a x="1"y="2"/>', /expected whitespace/, 1, 9],
    ['<a/>\n<b/>', /content after the root element/, 2, 1],
    ['text<a/>', /text before the root element/, 1, 1],
    ['', /no root element/, 1, 1],
    ['<a>&amp</a>', /does not start an entity/, 1, 4],
    ['<a>&#0;</a>', /not an XML character/, 1, 4],
    ['<a>&#xZZ;</a>', /bad character reference/, 1, 4],
    ['<a>\n\u0001</a>', /U\+0001 is not allowed/, 2, 1],
    ['<a><!-- open', /comment not closed/, 1, 8],
    ['<a><![CDATA[ open', /CDATA section not closed/, 1, 13],
    ['<a', /start tag <a> not closed/, 1, 1],
    ['<1a/>', /expected a name/, 1, 2],
  ];
  for (const [text, re, line, col] of cases) {
    const e = xmlError(text);
    assert.match(e.message, re, text);
    assert.deepEqual([e.line, e.col], [line, col], `${text}: ${e.message}`);
  }
});

test('whitespace-only text is kept (CLIXML <S> values can be spaces); a BOM is skipped', () => {
  const el = parseXml('\ufeff<S N="x">  </S>');
  assert.deepEqual(el.children, ['  ']);
});

test('decodeText: UTF-8 with and without BOM, UTF-16LE/BE with BOM, BOM-less UTF-16LE, ANSI fallback', () => {
  const s = '<Objs>Ünïcode ✓</Objs>';
  const utf8 = Buffer.from(s, 'utf8');
  assert.equal(decodeText(utf8), s);
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])), s);
  const le = Buffer.from(s, 'utf16le');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), le])), s);
  assert.equal(decodeText(le), s);
  const be = Buffer.from(le);
  be.swap16();
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), s);
  assert.equal(decodeText(be), s);
  // Windows-1252 "Müller" from Out-File -Encoding Default
  assert.equal(decodeText(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72])), 'Müller');
  assert.equal(decodeText(new Uint8Array(0)), '');
  // a head read for sniffing can end inside a UTF-8 character: still UTF-8, not ANSI
  const head = Buffer.from('Identity : Müller ✓', 'utf8');
  assert.equal(decodeText(head.subarray(0, head.length - 1)), 'Identity : Müller \ufffd');
});
