// Rule files and folders -> Sigma documents, with every problem named by file:line:col and rule id.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseSigmaText } from '../sigma/parse.js';
import type { RuleProblem, SigmaDocument } from '../sigma/model.js';
import type { Placeholders } from '../sigma/modifiers.js';
import { firstInvalidUtf8, lineOfOffset } from '../util/utf8.js';

export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

export interface LoadedRules {
  docs: SigmaDocument[];
  errors: RuleProblem[];
  warnings: RuleProblem[];
  /** rule files read */
  files: number;
  /** documents found (loaded or failed) */
  total: number;
  /** paths given that could not be read at all */
  unreadable: string[];
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

export function loadPlaceholders(file: string): Placeholders {
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

export function loadRules(paths: string[], placeholders?: Placeholders): LoadedRules {
  const res: LoadedRules = { docs: [], errors: [], warnings: [], files: 0, total: 0, unreadable: [] };
  for (const p of paths) {
    let files: string[];
    try {
      files = ruleFiles(p);
    } catch (e) {
      res.unreadable.push(p);
      res.errors.push({ path: p, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    for (const f of files) loadFile(f, res, placeholders);
  }
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

function loadFile(f: string, res: LoadedRules, placeholders?: Placeholders): void {
  res.files++;
  let buf: Buffer;
  try {
    const size = statSync(f).size;
    if (size > MAX_RULE_FILE_BYTES) {
      res.total++;
      res.errors.push({ path: f, message: `rule file is ${size} bytes, over the ${MAX_RULE_FILE_BYTES}-byte limit; not read` });
      return;
    }
    buf = readFileSync(f);
  } catch (e) {
    res.total++;
    res.errors.push({ path: f, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
    return;
  }
  const bad = firstInvalidUtf8(buf);
  if (bad >= 0) {
    res.total++;
    const { line, col } = lineOfOffset(buf, bad);
    res.errors.push({ path: f, line, col, message: `not valid UTF-8 (byte 0x${buf[bad]!.toString(16).padStart(2, '0')} at offset ${bad})` });
    return;
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const r = parseSigmaText(text, f, placeholders ? { placeholders } : {});
  res.total += r.documents;
  res.docs.push(...r.docs);
  res.errors.push(...r.errors);
  res.warnings.push(...r.warnings);
}
