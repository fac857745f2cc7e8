// XML entity and character references -> text: the five predefined entities and numeric
// references only (no DTD is ever read, so no other entity can exist).

/**
 * Decodes `&...;` references in `s`; `fail` is called with the message and the index of the bad
 * reference. With `xmlCharsOnly`, references to characters XML 1.0 forbids (controls) are refused;
 * without it only NUL, surrogates and out-of-range codes are (Windows event XML carries controls).
 */
export function decodeXmlRefs(s: string, fail: (message: string, index: number) => never, xmlCharsOnly: boolean): string {
  if (s.indexOf('&') < 0) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const amp = s.indexOf('&', i);
    if (amp < 0) return out + s.slice(i);
    out += s.slice(i, amp);
    const semi = s.indexOf(';', amp);
    const ref = semi < 0 || semi - amp > 12 ? '' : s.slice(amp + 1, semi);
    if (ref === '') fail(`'&' that does not start an entity or character reference`, amp);
    if (ref[0] === '#') {
      const hex = ref[1] === 'x';
      const digits = ref.slice(hex ? 2 : 1);
      if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) fail(`bad character reference &${ref};`, amp);
      const code = parseInt(digits, hex ? 16 : 10);
      const ok = xmlCharsOnly
        ? code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff)
        : code !== 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      if (!ok) fail(`character reference &${ref}; is not ${xmlCharsOnly ? 'an XML character' : 'a character'}`, amp);
      out += String.fromCodePoint(code);
    } else {
      switch (ref) {
        case 'lt': out += '<'; break;
        case 'gt': out += '>'; break;
        case 'amp': out += '&'; break;
        case 'quot': out += '"'; break;
        case 'apos': out += "'"; break;
        default: fail(`undefined entity &${ref}; (only the five predefined entities exist: DTDs are not read)`, amp);
      }
    }
    i = semi + 1;
  }
}
