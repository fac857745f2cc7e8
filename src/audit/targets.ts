// What an agent's strings say it looks for: e-mail addresses, domains, regular expressions, file
// paths, URLs and IP addresses found in its string literals and resources. Heuristic by nature
// (a string is evidence, not a proven target); every list is bounded.
import type { DotNetStrings } from '../sources/pe/dotnet-strings.js';
import { parseIPv4 } from '../util/ip.js';

export const TARGET_KINDS = ['emails', 'domains', 'regexes', 'paths', 'urls', 'ips'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];
/** values kept per kind */
export const MAX_TARGETS_PER_KIND = 50;
const MAX_VALUE_CHARS = 300;

export type AgentTargets = Record<TargetKind, string[]> & {
  /** strings examined: user strings (#US) and strings from resources */
  examined: { userStrings: number; resourceStrings: number };
  /** values found beyond MAX_TARGETS_PER_KIND, per kind; and the reader's own limits */
  truncated: string[];
  /** damage in #US or the resources, with file offsets */
  problems: string[];
};

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const URL = /\b(?:https?|ftps?|ldaps?|smtp|file):\/\/[^\s"'<>`]+/gi;
const DRIVE_PATH = /(?:^|[\s"'=(])([A-Za-z]:\\[^\r\n"*?<>|]*)/g;
const UNC_PATH = /(?:^|[\s"'=(])(\\\\[A-Za-z0-9._$-]+\\[^\r\n"*?<>|]*)/g;
const ENV_PATH = /(%[A-Za-z_][A-Za-z0-9_]*%\\[^\r\n"*?<>|]*)/g;
const IPV4 = /(?<![\d.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.])/g;
/** A domain on its own (the whole string, or after '@'): lower-case labels, alphabetic top label. */
const DOMAIN = /^@?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})$/;
/** Last labels that make file names, not domains. */
const FILE_EXTENSIONS = new Set(['dll', 'exe', 'xml', 'dat', 'txt', 'config', 'log', 'eml', 'msg', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'pdf', 'zip', 'ps1', 'bat', 'cmd', 'json', 'ini', 'tmp', 'cs', 'js', 'html', 'htm', 'resources', 'sys', 'doc', 'docx', 'xls', 'xlsx', 'csv', 'cab', 'rar', 'vbs', 'bin', 'db']);

/** Regex constructs: escapes of a class, character classes, groups, anchors, quantified atoms, alternation in groups, inline flags. */
const REGEX_SIGNS: RegExp[] = [
  /\\[dwsDWSbB]/, /\\[.\\/()[\]{}|?*+^$@-]/, /\[[^\]]{1,64}\]/, /\(\?[:=!<imsx]/, /\((?:[^()|]+\|)+[^()|]+\)/,
  /(?:^|[^\\])\.[*+?]/, /(?:[\])]|\\[dws.])(?:\{\d+(?:,\d*)?\}|[*+?])/, /^\^/, /[^\\]\$$/,
];

function regexScore(s: string): number {
  let n = 0;
  for (const r of REGEX_SIGNS) if (r.test(s)) n++;
  return n;
}

/** A plausible regular expression: two constructs or more, compiles, and is not prose or a path. */
function looksLikeRegex(s: string): boolean {
  if (s.length < 4 || s.length > 1000 || /^[A-Za-z]:\\|^\\\\|^%\w+%\\/.test(s)) return false;
  if ((s.match(/ /g)?.length ?? 0) > 6) return false; // a sentence with brackets
  if (regexScore(s) < 2) return false;
  // .NET inline options ((?i), (?-s:...)) and named groups (?<n>...) are checked as plain groups.
  try { new RegExp(s.replace(/\(\?[imnsx-]+\)/g, '').replace(/\(\?[imnsx-]+:/g, '(?:').replace(/\(\?'\w+'/g, '(')); } catch { return false; }
  return true;
}

/** A host address: a dotted quad ending in .0 or starting with 0 reads as a version (15.0.0.0) or a network. */
function validIp(s: string): boolean {
  const o = s.split('.');
  return parseIPv4(s) !== null && o.every((x) => x === '0' || !x.startsWith('0')) && o[0] !== '0' && o[3] !== '0';
}

/** Classifies every string; each kind keeps its first MAX_TARGETS_PER_KIND distinct values (case-insensitively). */
export function classifyTargets(strings: Iterable<string>): Record<TargetKind, string[]> & { dropped: Record<TargetKind, number> } {
  const out = Object.fromEntries(TARGET_KINDS.map((k) => [k, [] as string[]])) as Record<TargetKind, string[]>;
  const seen = Object.fromEntries(TARGET_KINDS.map((k) => [k, new Set<string>()])) as Record<TargetKind, Set<string>>;
  const dropped = Object.fromEntries(TARGET_KINDS.map((k) => [k, 0])) as Record<TargetKind, number>;
  const add = (k: TargetKind, v: string) => {
    const value = v.trim().slice(0, MAX_VALUE_CHARS);
    const key = value.toLowerCase();
    if (!value || seen[k].has(key)) return;
    seen[k].add(key);
    if (out[k].length < MAX_TARGETS_PER_KIND) out[k].push(value); else dropped[k]++;
  };
  for (const s of strings) {
    const regex = looksLikeRegex(s);
    if (regex) add('regexes', s);
    for (const m of s.matchAll(URL)) add('urls', m[0].replace(/[.,;)]+$/, ''));
    if (!regex) {
      for (const m of s.matchAll(EMAIL)) add('emails', m[0]);
      for (const re of [DRIVE_PATH, UNC_PATH, ENV_PATH]) for (const m of s.matchAll(re)) add('paths', m[1]!.replace(/[\s.,;)]+$/, ''));
    }
    for (const m of s.matchAll(IPV4)) if (validIp(m[1]!)) add('ips', m[1]!);
    const d = DOMAIN.exec(s.trim());
    if (d && !FILE_EXTENSIONS.has(d[1]!.slice(d[1]!.lastIndexOf('.') + 1))) add('domains', d[1]!);
  }
  return { ...out, dropped };
}

/** The targets of an assembly's strings, with the reader's limits and problems. */
export function agentTargets(s: DotNetStrings): AgentTargets {
  const resourceStrings = s.resources.flatMap((r) => r.strings);
  const c = classifyTargets([...s.userStrings.map((u) => u.value), ...resourceStrings]);
  const truncated = [...s.truncated];
  for (const k of TARGET_KINDS) if (c.dropped[k]) truncated.push(`${c.dropped[k]} more ${k} beyond the first ${MAX_TARGETS_PER_KIND}`);
  const lists = Object.fromEntries(TARGET_KINDS.map((k) => [k, c[k]])) as Record<TargetKind, string[]>;
  return {
    ...lists,
    examined: { userStrings: s.userStrings.length, resourceStrings: resourceStrings.length },
    truncated,
    problems: s.problems.map((p) => `offset ${p.offset}: ${p.message}`),
  };
}

export function hasTargets(t: AgentTargets): boolean {
  return TARGET_KINDS.some((k) => t[k].length > 0);
}
