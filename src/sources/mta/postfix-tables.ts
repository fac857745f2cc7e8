// Postfix lookup tables as their source text (the file postmap reads, or the regexp:/pcre: file
// itself): `key value` lines, and `/pattern/flags result` lines with if/endif (postmap(1),
// regexp_table(5), pcre_table(5)); table specifications `type:name`, with static: and inline:.
import { excerpt, type LineRef, type MtaProblem } from './model.js';
import { postfixList, postfixLogicalLines } from './postfix.js';

export interface TableSpec {
  type: string;
  /** the file (or the static value, or the inline text) */
  name: string;
  /** table types whose source is a text file the collection may hold */
  file: string | null;
}

/** Types whose source is `key value` text (postmap input). */
const INDEXED = new Set(['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm', 'texthash']);
const PATTERN = new Set(['regexp', 'pcre']);

export function parseTableSpec(spec: string): TableSpec | null {
  let s = spec.trim();
  // proxy:hash:/x and the like: the inner table is what is read
  while (/^(proxy|unionmap|pipemap):/.test(s) && !/^(unionmap|pipemap):\{/.test(s)) s = s.slice(s.indexOf(':') + 1);
  const m = /^([a-z0-9_]+):(.*)$/i.exec(s);
  if (!m) return null;
  const type = m[1]!.toLowerCase(), name = m[2]!;
  const file = INDEXED.has(type) || PATTERN.has(type) ? name.replace(/\.(db|lmdb|cdb)$/, '') : null;
  return { type, name, file };
}

export interface TableEntry {
  /** the lookup key, or the pattern as written */
  key: string;
  value: string;
  ref: LineRef;
}

/** Entries of a table's source; pattern tables for regexp/pcre types. */
export function parseTableSource(text: string, file: string, type: string): { entries: TableEntry[]; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const entries: TableEntry[] = [];
  const pattern = PATTERN.has(type);
  let depth = 0;
  for (const l of postfixLogicalLines(text, file, problems)) {
    if (!pattern) {
      const m = /^(\S+)\s+(.*)$/.exec(l.text);
      if (!m) { problems.push({ file, line: l.ref.line, message: `table line without a value: ${excerpt(l.text)}` }); continue; }
      entries.push({ key: m[1]!, value: m[2]!.trim(), ref: l.ref });
      continue;
    }
    if (/^endif\b/i.test(l.text)) { if (depth === 0) problems.push({ file, line: l.ref.line, message: 'endif without if' }); else depth--; continue; }
    const isIf = /^if\s+/i.test(l.text);
    const body = isIf ? l.text.replace(/^if\s+/i, '') : l.text;
    const pm = /^!?([^\sA-Za-z0-9\\])/.exec(body);
    if (!pm) { problems.push({ file, line: l.ref.line, message: `expected /pattern/ at the start: ${excerpt(l.text)}` }); continue; }
    const delim = pm[1]!;
    const start = body.indexOf(delim);
    let end = -1;
    for (let i = start + 1; i < body.length; i++) {
      if (body[i] === '\\') { i++; continue; }
      if (body[i] === delim) { end = i; break; }
    }
    if (end < 0) { problems.push({ file, line: l.ref.line, message: `pattern without its closing ${delim}: ${excerpt(l.text)}` }); continue; }
    const flags = /^[A-Za-z]*/.exec(body.slice(end + 1))![0];
    const key = body.slice(0, end + 1 + flags.length);
    const value = body.slice(end + 1 + flags.length).trim();
    if (isIf) { depth++; continue; }
    if (value === '') { problems.push({ file, line: l.ref.line, message: `pattern without a result: ${excerpt(l.text)}` }); continue; }
    entries.push({ key, value, ref: l.ref });
  }
  if (depth > 0) problems.push({ file, message: `${depth} if without endif` });
  return { entries, problems };
}

/** inline:{ key=value, { key = value with spaces } } entries. */
export function inlineEntries(name: string, ref: LineRef): TableEntry[] {
  const body = name.trim().replace(/^\{/, '').replace(/\}$/, '');
  return postfixList(body).map((kv) => kv.replace(/^\{\s*|\s*\}$/g, '')).filter((kv) => kv.includes('='))
    .map((kv) => ({ key: kv.slice(0, kv.indexOf('=')).trim(), value: kv.slice(kv.indexOf('=') + 1).trim(), ref }));
}

/** A header/body check result: its action (upper case) and the rest. */
export function checkAction(value: string): { action: string; arg: string } {
  const m = /^(\S+)\s*(.*)$/.exec(value.trim());
  return { action: (m?.[1] ?? '').toUpperCase(), arg: (m?.[2] ?? '').trim() };
}
