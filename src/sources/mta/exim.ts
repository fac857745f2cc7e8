// Exim configuration (spec.txt ch. 6): main options, `begin` sections, router/transport/authenticator
// instances (`name:` then options), ACL statements, macros (NAME = value) and .include lines;
// comment lines start with #, a trailing backslash continues a line. Debian's split conf.d is the
// same language spread over files, read as one text with each line keeping its own file.
// Also Exim filter files (`# Exim filter`, filter.txt) and Debian's update-exim4.conf.conf.
import { excerpt, MAX_LINE_CHARS, numberedLines, type LineRef, type MtaProblem, type Setting } from './model.js';

export interface EximInstance { section: string; name: string; options: Setting[]; ref: LineRef }

export interface EximConfig {
  main: Setting[];
  instances: EximInstance[];
  /** every logical line after macro substitution, for expansion items anywhere (${run…}) */
  lines: { text: string; section: string; ref: LineRef }[];
  sections: string[];
  includes: { path: string; optional: boolean; ref: LineRef }[];
  macros: Record<string, string>;
}

export interface TextPart { file: string; text: string; section?: string }

const SECTIONS = new Set(['acl', 'authenticators', 'routers', 'transports', 'retry', 'rewrite', 'local_scan']);
/** Debian conf.d directory names -> Exim section names */
export const DEBIAN_SPLIT_SECTIONS: Record<string, string> = { main: 'main', acl: 'acl', router: 'routers', transport: 'transports', retry: 'retry', rewrite: 'rewrite', auth: 'authenticators' };

function logical(parts: TextPart[], problems: MtaProblem[]): { text: string; ref: LineRef; section?: string }[] {
  const out: { text: string; ref: LineRef; section?: string }[] = [];
  for (const p of parts) {
    let cur: { text: string; ref: LineRef; section?: string } | null = null;
    let first = true;
    for (const { text: raw, line } of numberedLines(p.text)) {
      const t = raw.trim();
      if (cur) {
        // a comment or blank line inside a continuation is skipped (spec 6.7)
        if (t.startsWith('#') || t === '') continue;
        cur.text = cur.text.length < MAX_LINE_CHARS ? cur.text + t : cur.text;
      } else {
        if (t === '' || t.startsWith('#')) continue;
        cur = { text: t, ref: { file: p.file, line }, ...(first && p.section ? { section: p.section } : {}) };
        first = false;
      }
      if (cur.text.endsWith('\\')) { cur.text = cur.text.slice(0, -1); continue; }
      if (cur.text.length >= MAX_LINE_CHARS) problems.push({ file: p.file, line: cur.ref.line, message: `logical line longer than ${MAX_LINE_CHARS} characters; cut` });
      out.push(cur);
      cur = null;
    }
    if (cur) { problems.push({ file: p.file, line: cur.ref.line, message: 'file ends inside a continued line' }); out.push(cur); }
  }
  return out;
}

export function parseEximConfig(parts: TextPart[]): { config: EximConfig; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const c: EximConfig = { main: [], instances: [], lines: [], sections: [], includes: [], macros: {} };
  let section = 'main';
  let inst: EximInstance | null = null;
  const macroRe = () => {
    const names = Object.keys(c.macros).sort((a, b) => b.length - a.length).map((n) => n.replace(/[^A-Za-z0-9_]/g, ''));
    return names.length ? new RegExp(`\\b(${names.join('|')})\\b`, 'g') : null;
  };
  let re: RegExp | null = null;
  const subst = (s: string) => {
    if (!re) return s;
    // macros may use earlier macros; a few rounds, bounded
    for (let i = 0; i < 5; i++) { const t = s.replace(re, (m) => c.macros[m] ?? m); if (t === s) break; s = t.length > MAX_LINE_CHARS ? t.slice(0, MAX_LINE_CHARS) : t; }
    return s;
  };
  for (const l of logical(parts, problems)) {
    if (l.section) { section = l.section; inst = null; }
    if (l.text.startsWith('.')) {
      const m = /^\.(include|include_if_exists)\s+(.+)$/.exec(l.text);
      if (m) c.includes.push({ path: subst(m[2]!.trim()), optional: m[1] === 'include_if_exists', ref: l.ref });
      else if (!/^\.(ifdef|ifndef|elifdef|elifndef|else|endif)\b/.test(l.text)) problems.push({ file: l.ref.file, line: l.ref.line, message: `unknown directive ${excerpt(l.text)}` });
      continue;
    }
    const mac = /^([A-Z][A-Za-z0-9_]*)\s*(==?)\s*(.*)$/.exec(l.text);
    // Option names are lower case, so an upper-case name before = is a macro (a `Name:` instance head has a colon first).
    if (mac && !l.text.slice(0, l.text.indexOf('=')).includes(':')) {
      c.macros[mac[1]!] = subst(mac[3]!);
      re = macroRe();
      continue;
    }
    const text = subst(l.text);
    const begin = /^begin\s+(\S+)$/.exec(text);
    if (begin) {
      section = begin[1]!;
      if (!SECTIONS.has(section)) problems.push({ file: l.ref.file, line: l.ref.line, message: `unknown section 'begin ${excerpt(section)}'` });
      c.sections.push(section);
      inst = null;
      continue;
    }
    c.lines.push({ text, section, ref: l.ref });
    if (section === 'main') {
      const opt = option(text, l.ref);
      if (opt) c.main.push(opt); else problems.push({ file: l.ref.file, line: l.ref.line, message: `not an option setting: ${excerpt(text)}` });
      continue;
    }
    if (section === 'routers' || section === 'transports' || section === 'authenticators' || section === 'acl') {
      const head = /^([A-Za-z0-9_.-]+):\s*(.*)$/.exec(text);
      if (head && (section !== 'acl' || head[2] === '')) {
        inst = { section, name: head[1]!, options: [], ref: l.ref };
        c.instances.push(inst);
        if (head[2]) { const o = option(head[2], l.ref); if (o) inst.options.push(o); }
        continue;
      }
      if (section === 'acl') continue; // ACL statements are kept in lines
      const o = option(text, l.ref);
      if (!inst) { problems.push({ file: l.ref.file, line: l.ref.line, message: `option outside any ${section.replace(/s$/, '')}: ${excerpt(text)}` }); continue; }
      if (o) inst.options.push(o); else problems.push({ file: l.ref.file, line: l.ref.line, message: `not an option setting: ${excerpt(text)}` });
    }
  }
  return { config: c, problems };
}

/** `name = value`, `name` (true), `no_name` / `not_name` (false); `hide name = value`. */
function option(text: string, ref: LineRef): Setting | null {
  // named lists (domainlist local_domains = …) are settings named `domainlist local_domains`
  const list = /^((?:domain|host|address|localpart)list(?:_cache)?\s+[A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(text);
  if (list) return { name: list[1]!.replace(/\s+/, ' '), value: list[2]!.trim(), ref };
  const m = /^(?:hide\s+)?([a-z][a-z0-9_]*)\s*(?:=\s*(.*))?$/i.exec(text);
  if (!m) return null;
  if (m[2] === undefined) {
    const neg = /^(no|not)_(.+)$/.exec(m[1]!);
    return neg ? { name: neg[2]!, value: 'false', ref } : { name: m[1]!, value: 'true', ref };
  }
  let v = m[2].trim();
  if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\])/g, '$1');
  return { name: m[1]!, value: v, ref };
}

export function instanceOption(i: EximInstance, name: string): Setting | undefined {
  return [...i.options].reverse().find((o) => o.name === name);
}

/** An Exim filter file's actions: deliver, pipe, save (with `unseen` or `seen` before them). */
export interface FilterAction { verb: 'deliver' | 'pipe' | 'save' | 'redirect'; arg: string; unseen: boolean; ref: LineRef }

/** Words of a filter: quoted strings with \-escapes, comments from # to the end of the line. */
function filterWords(text: string, file: string): { w: string; line: number }[] {
  const out: { w: string; line: number }[] = [];
  let line = 1;
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (ch === '\n') { line++; i++; continue; }
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (ch === '"') {
      let s = '', j = i + 1;
      const at = line;
      for (; j < text.length && text[j] !== '"'; j++) { if (text[j] === '\\' && j + 1 < text.length) j++; if (text[j] === '\n') line++; s += text[j]; }
      out.push({ w: s, line: at });
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s"]/.test(text[j]!)) j++;
    out.push({ w: text.slice(i, j), line });
    i = j;
  }
  void file;
  return out;
}

export function isEximFilter(text: string): boolean { return /^\s*#\s*Exim filter/i.test(text); }
export function isSieveFilter(text: string): boolean { return /^\s*#\s*Sieve filter/i.test(text) || /^\s*require\s+\[?\s*"/m.test(text.slice(0, 2048)); }

export function parseEximFilter(text: string, file: string): { actions: FilterAction[]; problems: MtaProblem[] } {
  const actions: FilterAction[] = [];
  const problems: MtaProblem[] = [];
  const words = filterWords(text, file);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.w.toLowerCase();
    if (w !== 'deliver' && w !== 'pipe' && w !== 'save') continue;
    const prev = words[i - 1]?.w.toLowerCase();
    const arg = words[i + 1];
    if (!arg) { problems.push({ file, line: words[i]!.line, message: `'${w}' without its argument` }); continue; }
    actions.push({ verb: w, arg: arg.w, unseen: prev === 'unseen', ref: { file, line: words[i]!.line } });
  }
  return { actions, problems };
}

/** Sieve `redirect [:copy] "address"` actions (RFC 5228, RFC 3894). */
export function parseSieveRedirects(text: string, file: string): FilterAction[] {
  const out: FilterAction[] = [];
  for (const { text: l, line } of numberedLines(text)) {
    const m = /^\s*redirect\s+(:copy\s+)?"([^"]*)"/i.exec(l);
    if (m) out.push({ verb: 'redirect', arg: m[2]!, unseen: !!m[1], ref: { file, line } });
  }
  return out;
}

/** Debian's update-exim4.conf.conf: shell assignments dc_name='value'. */
export function parseDebconf(text: string, file: string): { settings: Setting[]; problems: MtaProblem[] } {
  const settings: Setting[] = [], problems: MtaProblem[] = [];
  for (const { text: l, line } of numberedLines(text)) {
    const t = l.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?:'([^']*)'|"([^"]*)"|(\S*))\s*$/.exec(t);
    if (!m) { problems.push({ file, line, message: `not a shell assignment: ${excerpt(t)}` }); continue; }
    settings.push({ name: m[1]!, value: m[2] ?? m[3] ?? m[4] ?? '', ref: { file, line } });
  }
  return { settings, problems };
}
