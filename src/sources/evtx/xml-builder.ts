// Renders one record as XML, Event Viewer style (2-space indentation, empty elements self-closed),
// from the same walk that feeds the JSON builder. Only used when DecodeOptions.xml is set.
//
// Output is always well-formed: text and attribute values are escaped, and characters that XML 1.0
// cannot carry at all (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) are
// replaced with U+FFFD.

const enum St {
  /** start tag open, no '>' written yet */
  Start = 0,
  /** '>' written, only text so far */
  Text = 1,
  /** contains child elements */
  Elems = 2,
}

function needsEscape(s: string, attr: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38 || c === 60 || c === 62 || (attr && c === 34)) return true;
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) return true;
    if (c >= 0xd800 && c <= 0xdfff) return true;
    if (c >= 0xfffe) return true;
  }
  return false;
}

export function escapeXml(s: string, attr: boolean): string {
  if (!needsEscape(s, attr)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 38) out += '&amp;';
    else if (c === 60) out += '&lt;';
    else if (c === 62) out += '&gt;';
    else if (c === 34 && attr) out += '&quot;';
    else if (attr && (c === 9 || c === 10 || c === 13)) out += '&#' + c + ';';
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13) out += '\ufffd';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else if (c >= 0xfffe) out += '\ufffd';
    else out += s[i]!;
  }
  return out;
}

/** Only replaces characters XML cannot carry (for CDATA sections and processing instructions, where entities are not interpreted). */
export function sanitizeXmlChars(s: string): string {
  let bad = false;
  for (let i = 0; i < s.length && !bad; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) bad = true;
  }
  if (!bad) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) out += '\ufffd';
    else out += s[i]!;
  }
  return out;
}

const INDENT: string[] = [''];
function indent(d: number): string {
  while (INDENT.length <= d) INDENT.push(INDENT[INDENT.length - 1]! + '  ');
  return INDENT[d]!;
}

function isNameChar(c: number, first: boolean): boolean {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c >= 0xc0) return true;
  if (first) return false;
  return (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

/** Element/attribute names come from the file: make sure they are XML names. */
export function safeXmlName(s: string): string {
  let ok = s.length > 0;
  for (let i = 0; ok && i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isNameChar(c, i === 0) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) ok = false;
  }
  if (ok) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += isNameChar(c, i === 0) && !(c >= 0xd800 && c <= 0xdfff) && c < 0xfffe ? s[i]! : '_';
  }
  return out.length ? out : '_';
}

export class XmlBuilder {
  private out = '';
  private names: string[] = [];
  private states: St[] = [];
  private inAttr = false;

  reset(): void {
    this.out = '';
    this.names.length = 0;
    this.states.length = 0;
    this.inAttr = false;
  }

  result(): string {
    return this.out;
  }

  open(name: string): void {
    const n = safeXmlName(name);
    const d = this.names.length;
    if (d > 0) {
      this.endAttr();
      const st = this.states[d - 1]!;
      if (st === St.Start) this.out += '>';
      this.states[d - 1] = St.Elems;
      this.out += '\n' + indent(d) + '<' + n;
    } else {
      if (this.out.length) this.out += '\n';
      this.out += '<' + n;
    }
    this.names.push(n);
    this.states.push(St.Start);
  }

  attr(name: string): void {
    const d = this.names.length;
    if (d === 0 || this.states[d - 1] !== St.Start) return;
    this.endAttr();
    this.out += ' ' + safeXmlName(name) + '="';
    this.inAttr = true;
  }

  closeStart(): void {
    this.endAttr();
  }

  text(s: string): void {
    if (this.inAttr) {
      this.out += escapeXml(s, true);
      return;
    }
    const d = this.names.length;
    if (d === 0 || s.length === 0) return;
    if (this.states[d - 1] === St.Start) {
      this.out += '>';
      this.states[d - 1] = St.Text;
    }
    this.out += escapeXml(s, false);
  }

  /** An entity reference: the five predefined ones are kept as references, others become text. */
  entity(name: string): void {
    if (name === 'amp' || name === 'lt' || name === 'gt' || name === 'quot' || name === 'apos') this.raw('&' + name + ';');
    else this.text('&' + name + ';');
  }

  charRef(code: number): void {
    const ok = code === 9 || code === 10 || code === 13 || (code >= 32 && code < 0xd800) || (code >= 0xe000 && code < 0xfffe);
    if (ok) this.raw('&#' + code + ';');
    else this.text('\ufffd');
  }

  cdata(s: string): void {
    if (this.inAttr) {
      this.out += escapeXml(s, true);
      return;
    }
    this.raw('<![CDATA[' + sanitizeXmlChars(s).split(']]>').join(']]]]><![CDATA[>') + ']]>');
  }

  pi(target: string, data: string): void {
    if (this.inAttr) return;
    const d = this.names.length;
    const t = safeXmlName(target);
    const body = data.split('?>').join('? >');
    const piText = '<?' + (t.toLowerCase() === 'xml' ? '_' + t : t) + (body ? ' ' + sanitizeXmlChars(body) : '') + '?>';
    if (d === 0) {
      this.out += (this.out.length ? '\n' : '') + piText;
      return;
    }
    if (this.states[d - 1] === St.Start) {
      this.out += '>';
      this.states[d - 1] = St.Text;
    }
    this.out += piText;
  }

  close(): void {
    const d = this.names.length;
    if (d === 0) return;
    this.endAttr();
    const n = this.names.pop()!;
    const st = this.states.pop()!;
    if (st === St.Start) this.out += '/>';
    else if (st === St.Text) this.out += '</' + n + '>';
    else this.out += '\n' + indent(d - 1) + '</' + n + '>';
  }

  private raw(s: string): void {
    if (this.inAttr) {
      this.out += s;
      return;
    }
    const d = this.names.length;
    if (d === 0) return;
    if (this.states[d - 1] === St.Start) {
      this.out += '>';
      this.states[d - 1] = St.Text;
    }
    this.out += s;
  }

  private endAttr(): void {
    if (this.inAttr) {
      this.out += '"';
      this.inAttr = false;
    }
  }
}
