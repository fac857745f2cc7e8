// Field-by-field comparison of one decoded record's XML with libevtx's rendering of it, after the
// normalisations the corpora README lists plus the documented libevtx formatting quirks.
import { elementChildren, parseXml, textOf, type XElement } from './xml-tiny.js';

export interface Field {
  /** element path, e.g. Event/EventData/Data */
  path: string;
  /** '<' element start, '@' attribute, '=' leaf text, '#' mixed-content text */
  kind: string;
  name: string;
  value: string;
}

/**
 * libevtx writes string values verbatim, so a string that holds XML (LiveId's SOAP envelopes)
 * becomes markup in its output. Our renderer escapes it. Compare such strings as XML: a leaf
 * element of ours whose text is an XML fragment is re-parsed into elements.
 */
export function reparseXmlStrings(el: XElement): void {
  const kids = elementChildren(el);
  if (kids.length === 0) {
    const t = textOf(el);
    if (t.length > 1 && t.trimStart().startsWith('<') && t.includes('>')) {
      try {
        const inner = parseXml('<r>' + t + '</r>')[0];
        if (inner && elementChildren(inner).length > 0) el.children = inner.children;
      } catch {
        // not XML: keep the text
      }
    }
    return;
  }
  for (const k of kids) reparseXmlStrings(k);
}

export function flatten(el: XElement, path = '', out: Field[] = []): Field[] {
  const p = path ? path + '/' + el.name : el.name;
  out.push({ path: p, kind: '<', name: '', value: '' });
  for (const [a, v] of el.attrs) out.push({ path: p, kind: '@', name: a, value: v });
  const kids = elementChildren(el);
  const t = textOf(el);
  if (kids.length === 0) out.push({ path: p, kind: '=', name: '', value: t });
  else if (t.trim()) out.push({ path: p, kind: '#', name: '', value: t.trim() });
  for (const k of kids) flatten(k, p, out);
  return out;
}

const TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)Z$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const DEC = /^\d+$/;
const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/;
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/g;

/** Normalisations from the corpora README, applied to both sides. */
export function norm(v: string): string {
  let m = TS.exec(v);
  if (m) return m[1] + '.' + (m[2]! + '000000').slice(0, 6) + 'Z';
  if (HEX.test(v)) return '0x' + (v.slice(2).replace(/^0+/, '') || '0').toLowerCase();
  m = GUID.exec(v);
  if (m) return m[1]!.toUpperCase();
  // libevtx writes C0 control characters raw (not well-formed XML); we write U+FFFD.
  if (CONTROL.test(v)) v = v.replace(CONTROL_ALL, '\ufffd');
  // libevtx drops trailing line breaks of string values.
  return v.replace(/[\r\n]+$/, '');
}

/** Why two values differ after normalisation, or null when they are equivalent. */
export function valuesEquivalent(mine: string, ref: string): boolean {
  const a = norm(mine);
  const b = norm(ref);
  if (a === b) return true;
  // size_t: Windows and evtx-rs write hex (0x260), libevtx decimal (608).
  if (HEX.test(a) && DEC.test(b)) return BigInt(a) === BigInt(b);
  // Reals: libevtx writes %e (3.199234e+003); we write the shortest round-trip form.
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y) && /e[+-]/.test(b)) {
    return Math.abs(x - y) <= Math.abs(y) * 1e-6;
  }
  return false;
}

/** null when equal, else a description of the first difference. */
export function compareFields(mine: Field[], ref: Field[]): string | null {
  const n = Math.max(mine.length, ref.length);
  for (let i = 0; i < n; i++) {
    const a = mine[i];
    const b = ref[i];
    if (!a) return `reference has more: ${show(b!)}`;
    if (!b) return `decoded has more: ${show(a)}`;
    if (a.path !== b.path || a.kind !== b.kind || a.name !== b.name) return `structure: ${show(a)} vs ${show(b)}`;
    if (a.kind === '<') continue;
    if (!valuesEquivalent(a.value, b.value)) return `value: ${show(a)} vs ${show(b)}`;
  }
  return null;
}

function show(f: Field): string {
  const v = f.value.length > 80 ? f.value.slice(0, 80) + '…' : f.value;
  if (f.kind === '<') return `<${f.path}>`;
  if (f.kind === '@') return `${f.path}@${f.name}=${JSON.stringify(v)}`;
  return `${f.path}${f.kind === '#' ? '#text' : ''}=${JSON.stringify(v)}`;
}

export function recordIdOf(el: XElement): string | undefined {
  const sys = elementChildren(el).find((e) => e.name === 'System');
  const rid = sys && elementChildren(sys).find((e) => e.name === 'EventRecordID');
  return rid ? textOf(rid) : undefined;
}

/**
 * evtx-rs's XML writer indents inside empty elements (`<Provider ...>\n    </Provider>`):
 * drop whitespace-only text nodes that contain a line break (indentation, not data).
 */
export function stripIndentation(el: XElement): void {
  el.children = el.children.filter((c) => typeof c !== 'string' || !(c.trim() === '' && c.includes('\n')));
  for (const k of elementChildren(el)) stripIndentation(k);
}

/**
 * The evtx-rs JSON shape of an XML element tree, computed independently from the parsed XML
 * (all scalars are strings). Used to check that the JSON builder and the XML renderer, fed by
 * the same walk, agree on every record.
 */
export function xmlToEvtxJson(root: XElement): Record<string, unknown> {
  return { [root.name]: elementValue(root) };
}

function directText(el: XElement, hasKids: boolean): string {
  const t = textOf(el);
  return hasKids && t.trim() === '' ? '' : t;
}

function nonEmptyAttrs(el: XElement): [string, string][] {
  return el.attrs.filter(([, v]) => v !== '');
}

function elementValue(el: XElement): unknown {
  const kids = elementChildren(el);
  const text = directText(el, kids.length > 0);
  const attrs = nonEmptyAttrs(el);
  if (!kids.length && !text && !attrs.length) return null;
  if (!kids.length && !attrs.length) return text;
  return elementBody(el, el.name === 'EventData' || el.name === 'UserData');
}

function dataValue(el: XElement): unknown {
  const kids = elementChildren(el);
  if (kids.length) return elementBody(el, false);
  return directText(el, false);
}

function elementBody(el: XElement, inContainer: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const attrs = nonEmptyAttrs(el);
  if (attrs.length) o['#attributes'] = Object.fromEntries(attrs);
  const kids = elementChildren(el);
  const text = directText(el, kids.length > 0);
  if (text) o['#text'] = text;
  const dataKids = inContainer ? kids.filter((k) => k.name === 'Data') : [];
  const nameOf = (k: XElement): string => k.attrs.find(([n]) => n === 'Name')?.[1] ?? '';
  const flatten = dataKids.some((k) => nameOf(k) !== '');
  let dataDone = false;
  const seen = new Map<string, number>();
  for (const k of kids) {
    if (inContainer && k.name === 'Data') {
      if (flatten) {
        if (nameOf(k) !== '') o[nameOf(k)] = dataValue(k);
      } else if (!dataDone) {
        dataDone = true;
        o['Data'] = { '#text': dataKids.length === 1 ? dataValue(k) : dataKids.map(dataValue) };
      }
      continue;
    }
    const c = seen.get(k.name) ?? 0;
    seen.set(k.name, c + 1);
    o[c === 0 ? k.name : `${k.name}_${c}`] = elementValue(k);
  }
  return o;
}

/** Deep comparison with scalars compared as normalised strings; returns the first difference. */
export function jsonDiff(mine: unknown, conv: unknown, path = ''): string | null {
  if (mine === null || conv === null) return mine === conv ? null : `${path}: ${JSON.stringify(mine)} vs ${JSON.stringify(conv)}`;
  if (Array.isArray(mine) || Array.isArray(conv)) {
    if (!Array.isArray(mine) || !Array.isArray(conv) || mine.length !== conv.length) return `${path}: array shape`;
    for (let i = 0; i < mine.length; i++) {
      const d = jsonDiff(mine[i], conv[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof mine === 'object' || typeof conv === 'object') {
    if (typeof mine !== 'object' || typeof conv !== 'object') return `${path}: ${JSON.stringify(mine)?.slice(0, 80)} vs ${JSON.stringify(conv)?.slice(0, 80)}`;
    const a = Object.keys(mine as object);
    const b = Object.keys(conv as object);
    if (a.join('\u0000') !== b.join('\u0000')) return `${path}: keys [${a.join(',')}] vs [${b.join(',')}]`;
    for (const k of a) {
      const d = jsonDiff((mine as Record<string, unknown>)[k], (conv as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return norm(String(mine)) === norm(String(conv)) ? null : `${path}: ${JSON.stringify(mine)} vs ${JSON.stringify(conv)}`;
}
