// Postfix configuration: main.cf and `postconf -n` (name = value, continuation lines start with
// white space, # comments only at the start of a line), master.cf and `postconf -M` (one service
// per logical line, -o overrides, pipe argv=), `postconf -P` (service/type/name = value), and
// $name expansion over the settings and the defaults (postconf(5), master(5)).
import { excerpt, MAX_LINE_CHARS, numberedLines, type LineRef, type MtaProblem, type Setting } from './model.js';

export interface LogicalLine { text: string; ref: LineRef }

/** Postfix's logical lines: a line that starts with white space continues the previous one. */
export function postfixLogicalLines(text: string, file: string, problems: MtaProblem[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let cur: LogicalLine | null = null;
  for (const { text: raw, line } of numberedLines(text)) {
    if (/^\s*#/.test(raw) || raw.trim() === '') { continue; }
    if (/^\s/.test(raw)) {
      if (!cur) { problems.push({ file, line, message: `continuation line with nothing to continue: ${excerpt(raw.trim())}` }); continue; }
      if (cur.text.length < MAX_LINE_CHARS) cur.text += ' ' + raw.trim();
      else if (!cur.text.endsWith('\u0000')) { problems.push({ file, line, message: `logical line longer than ${MAX_LINE_CHARS} characters; cut` }); cur.text += '\u0000'; }
      continue;
    }
    cur = { text: raw.trim(), ref: { file, line } };
    out.push(cur);
  }
  return out.map((l) => ({ ...l, text: l.text.replace(/\u0000$/, '') }));
}

/** main.cf or `postconf -n` / `postconf` output: the settings in file order. */
export function parseMainCf(text: string, file: string): { settings: Setting[]; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const settings: Setting[] = [];
  for (const l of postfixLogicalLines(text, file, problems)) {
    const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(l.text);
    if (!m) { problems.push({ file, line: l.ref.line, message: `not a 'name = value' line: ${excerpt(l.text)}` }); continue; }
    settings.push({ name: m[1]!, value: m[2]!.trim(), ref: l.ref });
  }
  return { settings, problems };
}

export interface MasterService {
  service: string;
  type: string;
  private: string;
  unpriv: string;
  chroot: string;
  wakeup: string;
  maxproc: string;
  /** the daemon (smtpd, pipe, smtp, ...) */
  command: string;
  /** `-o name=value` overrides, in order */
  overrides: Setting[];
  /** pipe(8) attributes before argv= (flags, user, ...) */
  attributes: Record<string, string>;
  /** pipe(8) argv=: the program and its arguments */
  argv: string[] | null;
  /** every argument after the command, as written */
  args: string[];
  ref: LineRef;
}

/** pipe(8) and spawn(8) run the program named by argv= */
const runsProgram = (command: string) => command === 'pipe' || command === 'spawn';

const SERVICE_TYPES = new Set(['inet', 'unix', 'fifo', 'pass', 'unix-dgram']);

/** Words of a master.cf line; `{ a b }` groups a value with spaces (Postfix 3.0). */
function words(s: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    if (s[i] === '{') {
      const end = s.indexOf('}', i + 1);
      if (end < 0) return 'unbalanced { in the line';
      out.push(s.slice(i + 1, end).trim());
      i = end + 1;
      continue;
    }
    let j = i;
    // name={ value with spaces } stays one word
    while (j < s.length && !/\s/.test(s[j]!)) {
      if (s[j] === '=' && s[j + 1] === '{') {
        const end = s.indexOf('}', j + 2);
        if (end < 0) return 'unbalanced { in the line';
        j = end + 1;
        break;
      }
      j++;
    }
    out.push(s.slice(i, j).replace(/=\{\s*(.*?)\s*\}$/, '=$1'));
    i = j;
  }
  return out;
}

/** master.cf or `postconf -M` output: the services in file order. */
export function parseMasterCf(text: string, file: string): { services: MasterService[]; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const services: MasterService[] = [];
  for (const l of postfixLogicalLines(text, file, problems)) {
    const w = words(l.text);
    if (typeof w === 'string') { problems.push({ file, line: l.ref.line, message: w }); continue; }
    if (w.length < 8 || !SERVICE_TYPES.has(w[1]!)) {
      problems.push({ file, line: l.ref.line, message: `not a master.cf service line (service type private unpriv chroot wakeup maxproc command): ${excerpt(l.text)}` });
      continue;
    }
    const args = w.slice(8);
    const overrides: Setting[] = [];
    const attributes: Record<string, string> = {};
    let argv: string[] | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-o' && i + 1 < args.length) {
        const kv = args[++i]!;
        const eq = kv.indexOf('=');
        if (eq <= 0) { problems.push({ file, line: l.ref.line, message: `-o without name=value: ${excerpt(kv)}` }); continue; }
        overrides.push({ name: kv.slice(0, eq).trim(), value: kv.slice(eq + 1).trim(), ref: l.ref });
      } else if (/^-o[A-Za-z_]/.test(a)) {
        const kv = a.slice(2), eq = kv.indexOf('=');
        if (eq > 0) overrides.push({ name: kv.slice(0, eq), value: kv.slice(eq + 1), ref: l.ref });
      } else if (runsProgram(w[7]!) && a.startsWith('argv=')) {
        argv = [a.slice(5), ...args.slice(i + 1)].filter((x) => x !== '');
        break;
      } else if (runsProgram(w[7]!) && /^[a-z_]+=/.test(a)) {
        const eq = a.indexOf('=');
        attributes[a.slice(0, eq)] = a.slice(eq + 1);
      }
    }
    if (w[7] === 'pipe' && !argv) problems.push({ file, line: l.ref.line, message: `pipe service '${w[0]}' has no argv=` });
    services.push({ service: w[0]!, type: w[1]!, private: w[2]!, unpriv: w[3]!, chroot: w[4]!, wakeup: w[5]!, maxproc: w[6]!, command: w[7]!, overrides, attributes, argv, args, ref: l.ref });
  }
  return { services, problems };
}

export interface ServiceOverride extends Setting { service: string; type: string }

/** `postconf -P` output: `service/type/name = value` per line. */
export function parsePostconfP(text: string, file: string): { overrides: ServiceOverride[]; problems: MtaProblem[] } {
  const problems: MtaProblem[] = [];
  const overrides: ServiceOverride[] = [];
  for (const l of postfixLogicalLines(text, file, problems)) {
    const m = /^([^/\s]+)\/([^/\s]+)\/([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(l.text);
    if (!m) { problems.push({ file, line: l.ref.line, message: `not a 'service/type/name = value' line: ${excerpt(l.text)}` }); continue; }
    overrides.push({ service: m[1]!, type: m[2]!, name: m[3]!, value: m[4]!.trim(), ref: l.ref });
  }
  return { overrides, problems };
}

/**
 * $name, ${name} and $(name) expanded over `values` (Postfix's own rule: unknown names expand to
 * nothing; ${name?x} and ${name:x} conditionals). Depth-bounded so a self-reference cannot loop.
 */
export function expandPostfix(value: string, lookup: (name: string) => string | undefined, depth = 0): string {
  if (depth > 20 || !value.includes('$')) return value;
  return value.replace(/\$(?:\{([A-Za-z0-9_]+)(?:([?:])([^}]*))?\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))/g, (_m, b: string | undefined, op: string | undefined, alt: string | undefined, p: string | undefined, bare: string | undefined) => {
    const name = (b ?? p ?? bare)!;
    const v = lookup(name);
    if (op === '?') return v ? expandPostfix(alt ?? '', lookup, depth + 1) : '';
    if (op === ':') return v ? '' : expandPostfix(alt ?? '', lookup, depth + 1);
    return v === undefined ? '' : expandPostfix(v, lookup, depth + 1);
  });
}

/** A Postfix list value: separated by commas and/or white space; `{ ... }` keeps a group whole. */
export function postfixList(value: string): string[] {
  const out: string[] = [];
  let cur = '', depth = 0;
  for (const ch of value) {
    if (ch === '{') depth++;
    if (ch === '}') depth = Math.max(0, depth - 1);
    if (depth === 0 && (ch === ',' || /\s/.test(ch))) { if (cur) out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}
