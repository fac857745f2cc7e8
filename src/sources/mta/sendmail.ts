// Sendmail's mail filters: INPUT_MAIL_FILTER(`name', `S=…, F=…, T=…') and MAIL_FILTER in the m4
// source (sendmail.mc), define(`confINPUT_MAIL_FILTERS', `a, b'); in the generated sendmail.cf,
// `Xname, S=…, F=…` lines and `O InputMailFilters=a, b` (cf/README, "Adding Support for Mail Filters").
import { excerpt, numberedLines, type LineRef, type MtaProblem } from './model.js';

export interface SendmailFilter {
  name: string;
  /** S=: local:/path, unix:/path or inet:port@host */
  socket: string | null;
  /** the other equates (F, T) as written */
  equates: Record<string, string>;
  /** INPUT_MAIL_FILTER (used at once) or MAIL_FILTER (used only when listed) */
  macro: 'INPUT_MAIL_FILTER' | 'MAIL_FILTER' | 'X';
  ref: LineRef;
}

export interface SendmailConfig {
  form: 'mc' | 'cf';
  filters: SendmailFilter[];
  /** confINPUT_MAIL_FILTERS / InputMailFilters: the filters in use, in order */
  inputFilters: string[] | null;
  inputFiltersRef: LineRef | null;
}

function equates(s: string): { socket: string | null; equates: Record<string, string> } {
  const out: Record<string, string> = {};
  let socket: string | null = null;
  // equates are comma-separated; T= holds `C:..;S:..` without commas
  for (const part of s.split(',')) {
    const m = /^\s*([A-Za-z])\s*=\s*(.*?)\s*$/.exec(part);
    if (!m) continue;
    if (m[1]!.toUpperCase() === 'S') socket = m[2]!;
    else out[m[1]!.toUpperCase()] = m[2]!;
  }
  return { socket, equates: out };
}

/** m4 arguments of a macro call starting at `open` (the '('): `quoted' strings, nested quotes kept. */
function m4Args(text: string, open: number): { args: string[]; end: number } | null {
  const args: string[] = [];
  let cur = '', quote = 0, paren = 0;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '`') { if (quote++ > 0) cur += ch; continue; }
    if (ch === "'" && quote > 0) { if (--quote > 0) cur += ch; continue; }
    if (quote === 0) {
      if (ch === '(') paren++;
      else if (ch === ')') { if (paren-- === 0) { args.push(cur.trim()); return { args, end: i }; } }
      else if (ch === ',' && paren === 0) { args.push(cur.trim()); cur = ''; continue; }
    }
    cur += ch;
  }
  return null;
}

const lineAt = (starts: number[], off: number) => {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid]! <= off) lo = mid; else hi = mid - 1; }
  return lo + 1;
};

export function parseSendmailMc(text: string, file: string): { config: SendmailConfig; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const config: SendmailConfig = { form: 'mc', filters: [], inputFilters: null, inputFiltersRef: null };
  // dnl discards to the end of the line; kept as blanks so offsets keep their lines
  const clean = text.replace(/\bdnl\b[^\n]*/g, (m) => ' '.repeat(m.length));
  const starts = [0];
  for (let i = 0; i < clean.length; i++) if (clean[i] === '\n') starts.push(i + 1);
  const re = /\b(INPUT_MAIL_FILTER|MAIL_FILTER|define)\s*\(/g;
  for (let m; (m = re.exec(clean));) {
    const line = lineAt(starts, m.index);
    const call = m4Args(clean, m.index + m[0].length - 1);
    if (!call) { problems.push({ file, line, message: `${m[1]}( without its closing parenthesis` }); break; }
    re.lastIndex = call.end + 1;
    const [a0 = '', a1 = ''] = call.args;
    if (m[1] === 'define') {
      if (a0 === 'confINPUT_MAIL_FILTERS') {
        config.inputFilters = a1.split(',').map((x) => x.trim()).filter(Boolean);
        config.inputFiltersRef = { file, line };
      }
      continue;
    }
    if (!a0) { problems.push({ file, line, message: `${m[1]} without a filter name` }); continue; }
    config.filters.push({ name: a0, ...equates(a1), macro: m[1] as 'INPUT_MAIL_FILTER' | 'MAIL_FILTER', ref: { file, line } });
  }
  return { config, problems };
}

export function parseSendmailCf(text: string, file: string): { config: SendmailConfig; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const config: SendmailConfig = { form: 'cf', filters: [], inputFilters: null, inputFiltersRef: null };
  for (const { text: l, line } of numberedLines(text)) {
    if (l.startsWith('X')) {
      const m = /^X([^,\s]+)\s*,?(.*)$/.exec(l);
      if (!m) { problems.push({ file, line, message: `mail filter line without a name: ${excerpt(l)}` }); continue; }
      config.filters.push({ name: m[1]!, ...equates(m[2]!), macro: 'X', ref: { file, line } });
    } else if (/^O\s*InputMailFilters\s*=/.test(l)) {
      config.inputFilters = l.slice(l.indexOf('=') + 1).split(',').map((x) => x.trim()).filter(Boolean);
      config.inputFiltersRef = { file, line };
    }
  }
  return { config, problems };
}
