// Does an attachment's declared type or name fit its bytes? The table is data
// (data/eml-attachment-types.yaml).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { dataPath } from '../../util/package-root.js';

interface TypeEntry { mime: string[]; ext: string[]; accepts?: string[] }
interface Table { byMime: Map<string, string>; byExt: Map<string, string>; accepts: Map<string, Set<string>> }

let table: Table | undefined;

export function attachmentTypeTable(file = dataPath('eml-attachment-types.yaml')): Table {
  if (table && file === dataPath('eml-attachment-types.yaml')) return table;
  const doc = parseYaml(readFileSync(file, 'utf8')) as { types?: Record<string, TypeEntry> };
  if (!doc || typeof doc.types !== 'object') throw new Error(`${file}: expected 'types'`);
  const t: Table = { byMime: new Map(), byExt: new Map(), accepts: new Map() };
  for (const [type, e] of Object.entries(doc.types)) {
    if (!Array.isArray(e.mime) || !Array.isArray(e.ext)) throw new Error(`${file}: type ${type} needs 'mime' and 'ext' lists`);
    for (const m of e.mime) { if (t.byMime.has(m)) throw new Error(`${file}: ${m} listed twice`); t.byMime.set(m.toLowerCase(), type); }
    for (const x of e.ext) { if (t.byExt.has(x)) throw new Error(`${file}: .${x} listed twice`); t.byExt.set(x.toLowerCase(), type); }
    t.accepts.set(type, new Set([type, ...(e.accepts ?? [])]));
  }
  if (file === dataPath('eml-attachment-types.yaml')) table = t;
  return t;
}

/** Why the declared Content-Type or the name's extension contradicts the real type, or null. */
export function typeMismatch(real: string | null, declared: string, name: string | null, t: Table = attachmentTypeTable()): string | null {
  if (real === null) return null;
  const says: string[] = [];
  const byMime = t.byMime.get(declared.toLowerCase());
  if (byMime !== undefined && !t.accepts.get(byMime)!.has(real)) says.push(`declared ${declared}`);
  const ext = name && /\.([A-Za-z0-9]{1,8})$/.exec(name.trim())?.[1]?.toLowerCase();
  const byExt = ext ? t.byExt.get(ext) : undefined;
  if (byExt !== undefined && !t.accepts.get(byExt)!.has(real)) says.push(`named .${ext}`);
  return says.length ? `${says.join(' and ')}, but the content is ${real}` : null;
}
