// Rule files and folders -> Sigma documents, with every problem named by file:line:col and rule id.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSigmaText } from '../sigma/parse.js';
import type { RuleProblem, SigmaDocument } from '../sigma/model.js';
import type { RuleSet } from '../sigma/ruleset.js';
import type { Placeholders } from '../sigma/modifiers.js';
import { firstInvalidUtf8, lineOfOffset } from '../util/utf8.js';
import { dataPath } from '../util/package-root.js';
import { RuleCache } from './rule-cache.js';

export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

/** A problem that kept a document from loading; `doc` names that document (one rule can have several problems). */
export interface LoadProblem extends RuleProblem { doc: string }

export interface LoadedRules {
  docs: SigmaDocument[];
  errors: LoadProblem[];
  warnings: RuleProblem[];
  /** rule files read */
  files: number;
  /** documents found (loaded or failed) */
  total: number;
  /** paths given that could not be read at all */
  unreadable: string[];
}

/** The document a loaded rule came from, as `ruleSetFailures` names it. */
export function docKey(d: SigmaDocument): string {
  return `${d.source.path}:${d.source.pos.line}`;
}

/** Problems the rule set found in loaded documents (compile errors, bad correlation references), per document. */
export function ruleSetFailures(rs: RuleSet): LoadProblem[] {
  return rs.problems.map((p) => ({ ...p, doc: `${p.path}:${p.line}` }));
}

export function ruleFiles(path: string, out: string[] = []): string[] {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(path, e.name);
      if (e.isDirectory()) ruleFiles(p, out);
      else if (e.isFile() && /^\.ya?ml$/i.test(extname(e.name))) out.push(p);
    }
  } else out.push(path);
  return out;
}

export function loadPlaceholders(file: string): Map<string, string[]> {
  const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: expected a map of placeholder name -> list of values`);
  const m = new Map<string, string[]>();
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'string' || typeof x === 'number')) throw new Error(`${file}: placeholder '${k}' must be a string or a list of strings`);
    m.set(k, list.map(String));
  }
  return m;
}

/**
 * Every `*.yaml` / `*.yml` file of a folder (by default `data/tuning/`, the rule packs' tuning)
 * merged into one set of placeholders; a name defined in two files is an error naming both. An
 * absent folder gives no placeholders.
 */
export function loadPlaceholderDir(dir: string = dataPath('tuning')): Placeholders {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.') && /^\.ya?ml$/i.test(extname(e.name))).map((e) => e.name).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map<string, string[]>();
    throw e;
  }
  const merged = new Map<string, string[]>();
  const from = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    for (const [k, v] of loadPlaceholders(file)) {
      const prev = from.get(k);
      if (prev !== undefined) throw new Error(`placeholder '${k}' is defined in both ${prev} and ${file}`);
      from.set(k, file);
      merged.set(k, v);
    }
  }
  return merged;
}

export interface LoadOptions {
  /** keep parsed rules in the rule cache of $TRACEHOUND_HOME (src/hunt/rule-cache.ts), or in this cache */
  cache?: boolean | RuleCache;
}

export function loadRules(paths: string[], placeholders?: Placeholders, opts: LoadOptions = {}): LoadedRules {
  const res: LoadedRules = { docs: [], errors: [], warnings: [], files: 0, total: 0, unreadable: [] };
  // Placeholders other than a Map cannot be part of the cache key: such loads are not cached.
  const cache = opts.cache === true ? (placeholders === undefined || placeholders instanceof Map ? new RuleCache(paths, placeholders) : undefined) : opts.cache || undefined;
  const read = new Set<string>();
  for (const p of paths) {
    let files: string[];
    try {
      files = ruleFiles(p);
    } catch (e) {
      res.unreadable.push(p);
      res.errors.push({ path: p, doc: p, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    for (const f of files) { read.add(f); loadFile(f, res, placeholders, cache); }
  }
  cache?.save(read);
  const seen = new Map<string, string>();
  for (const d of res.docs) {
    const id = d.meta.id;
    if (!id) continue;
    const prev = seen.get(id);
    if (prev) res.warnings.push({ path: d.source.path, line: d.source.pos.line, col: d.source.pos.col, rule_id: id, message: `id also used by ${prev}` });
    else seen.set(id, d.source.path);
  }
  return res;
}

/** A YAML document marker line (`---` or `...`). */
const boundary = (s: string | undefined) => s !== undefined && /^(---|\.\.\.)(\s|$)/.test(s);

/**
 * The top-level `id:` written in the YAML document that holds `line` (the first document without
 * a line), read from the text, so errors raised before a rule could be parsed still name it.
 */
export function idInText(text: string, line?: number): string | undefined {
  const lines = text.split('\n');
  const at = Math.min(Math.max((line ?? 1) - 1, 0), lines.length - 1);
  let start = at, end = at + 1;
  while (start > 0 && !boundary(lines[start - 1])) start--;
  while (end < lines.length && !boundary(lines[end])) end++;
  for (let i = start; i < end; i++) {
    const m = /^id:[ \t]*(["']?)([^"'\s#]+)\1[ \t]*(#.*)?\r?$/.exec(lines[i]!);
    if (m) return m[2];
  }
  return undefined;
}

function headOf(f: string, bytes: number): string {
  const fd = openSync(f, 'r');
  try {
    const b = Buffer.alloc(bytes);
    return b.subarray(0, readSync(fd, b, 0, bytes, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `p` with the rule id taken from the text when it has none, and the document it belongs to. */
function located(p: RuleProblem, text: string): LoadProblem {
  const id = p.rule_id ?? idInText(text, p.line);
  let n = 0;
  if (p.line !== undefined) for (const [i, l] of text.split('\n').entries()) { if (i >= p.line - 1) break; if (boundary(l)) n++; }
  return { ...p, ...(id ? { rule_id: id } : {}), doc: `${p.path}#${n}` };
}

function loadFile(f: string, res: LoadedRules, placeholders?: Placeholders, cache?: RuleCache): void {
  res.files++;
  let buf: Buffer;
  try {
    const size = statSync(f).size;
    if (size > MAX_RULE_FILE_BYTES) {
      res.total++;
      res.errors.push(located({ path: f, message: `rule file is ${size} bytes, over the ${MAX_RULE_FILE_BYTES}-byte limit; not read` }, headOf(f, 64 * 1024)));
      return;
    }
    buf = readFileSync(f);
  } catch (e) {
    res.total++;
    res.errors.push({ path: f, doc: f, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return;
  }
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    res.total++;
    const { line, col } = lineOfOffset(buf, bad);
    res.errors.push({ ...located({ path: f, line, col, message: `not valid UTF-8 (byte 0x${buf[bad]!.toString(16).padStart(2, '0')} at offset ${bad})` }, buf.toString('utf8')), doc: f });
    return;
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const sha = cache ? RuleCache.sha(buf) : '';
  let r = cache?.get(f, sha);
  if (!r) {
    r = parseSigmaText(text, f, placeholders ? { placeholders } : {});
    cache?.set(f, sha, r);
  }
  res.total += r.documents;
  res.docs.push(...r.docs);
  // YAML errors come before the rule is read, so they carry no id: take it from the text.
  res.errors.push(...r.errors.map((p) => located(p, text)));
  res.warnings.push(...r.warnings);
}
