// A tiny XML tokenizer/parser for the tests (no XML library is installed): elements, attributes,
// text, CDATA, comments/PIs skipped, the five predefined entities and numeric character references.
// Enough for libevtx's `evtxexport -f xml` output and for the decoder's own XML rendering.

export interface XElement {
  name: string;
  attrs: [string, string][];
  children: (XElement | string)[];
}

function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return m;
    }
  });
}

export class XmlSyntaxError extends Error {}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Parses a document (or a sequence of top-level elements); returns the top-level elements. */
export function parseXml(src: string): XElement[] {
  const roots: XElement[] = [];
  const stack: XElement[] = [];
  let i = 0;
  const n = src.length;
  const fail = (msg: string): never => {
    throw new XmlSyntaxError(`${msg} at ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  while (i < n) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      const t = src.slice(i, textEnd);
      if (stack.length) stack[stack.length - 1]!.children.push(decodeEntities(t));
      else if (t.trim()) fail('text outside any element');
      i = textEnd;
      if (lt < 0) break;
    }
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i + 4);
      if (e < 0) fail('unterminated comment');
      i = e + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i + 9);
      if (e < 0) fail('unterminated CDATA');
      if (!stack.length) fail('CDATA outside any element');
      stack[stack.length - 1]!.children.push(src.slice(i + 9, e));
      i = e + 3;
      continue;
    }
    if (src.startsWith('<?', i) || src.startsWith('<!', i)) {
      const e = src.indexOf('>', i + 2);
      if (e < 0) fail('unterminated declaration');
      i = e + 1;
      continue;
    }
    if (src[i + 1] === '/') {
      const e = src.indexOf('>', i + 2);
      if (e < 0) fail('unterminated end tag');
      const name = src.slice(i + 2, e).trim();
      const top = stack.pop();
      if (!top || top.name !== name) fail(`mismatched end tag </${name}>`);
      i = e + 1;
      continue;
    }
    // start tag
    let j = i + 1;
    for (let c = src.charCodeAt(j); j < n && !isSpace(c) && c !== 47 && c !== 62; c = src.charCodeAt(++j));
    const el: XElement = { name: src.slice(i + 1, j), attrs: [], children: [] };
    if (!el.name) fail('empty element name');
    let selfClose = false;
    for (;;) {
      while (j < n && isSpace(src.charCodeAt(j))) j++;
      if (j >= n) fail('unterminated start tag');
      if (src[j] === '>') {
        j++;
        break;
      }
      if (src[j] === '/' && src[j + 1] === '>') {
        selfClose = true;
        j += 2;
        break;
      }
      let k = j;
      for (let c = src.charCodeAt(k); k < n && !isSpace(c) && c !== 61 && c !== 47 && c !== 62; c = src.charCodeAt(++k));
      const an = src.slice(j, k);
      while (k < n && isSpace(src.charCodeAt(k))) k++;
      if (src[k] !== '=') fail('attribute without value');
      k++;
      while (k < n && isSpace(src.charCodeAt(k))) k++;
      const q = src[k];
      if (q !== '"' && q !== "'") fail('unquoted attribute value');
      const e = src.indexOf(q!, k + 1);
      if (e < 0) fail('unterminated attribute value');
      const raw = src.slice(k + 1, e);
      if (raw.includes('<')) fail('"<" in attribute value');
      el.attrs.push([an, decodeEntities(raw)]);
      j = e + 1;
    }
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else roots.push(el);
    if (!selfClose) stack.push(el);
    i = j;
  }
  if (stack.length) throw new XmlSyntaxError(`unclosed element <${stack[stack.length - 1]!.name}>`);
  return roots;
}

/** Direct text of an element (child elements skipped). */
export function textOf(el: XElement): string {
  let s = '';
  for (const c of el.children) if (typeof c === 'string') s += c;
  return s;
}

export function elementChildren(el: XElement): XElement[] {
  return el.children.filter((c): c is XElement => typeof c !== 'string');
}
