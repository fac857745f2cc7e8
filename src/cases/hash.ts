// Hashes a hunt records: SHA-256 of each evidence file (streamed, bounded memory) and the rule-set
// version (a hash of the rule files' contents, independent of their names and order).
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { listInputs } from '../sources/inputs.js';
import { ruleFiles } from '../hunt/load-rules.js';
import type { Placeholders } from '../sigma/modifiers.js';

export interface InputHash {
  path: string;
  size: number | null;
  sha256: string | null;
  /** why the file could not be hashed */
  error?: string;
}

const CHUNK = 1 << 20;

/** SHA-256 of one file, read 1 MiB at a time. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Size and SHA-256 of every evidence file under `paths` (folders recursively, in the order the hunt
 * reads them; zip archives are hashed whole). A file that cannot be read gets `error` instead.
 */
export async function hashInputs(paths: string[]): Promise<InputHash[]> {
  const { files, unreadable } = listInputs(paths);
  const out: InputHash[] = [];
  for (const path of files) {
    try {
      const size = statSync(path).size;
      out.push({ path: resolve(path), size, sha256: await sha256File(path) });
    } catch (e) {
      out.push({ path: resolve(path), size: null, sha256: null, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  }
  for (const u of unreadable) out.push({ path: resolve(u.path), size: null, sha256: null, error: u.reason });
  return out;
}

/**
 * The rule-set version: SHA-256 over the sorted SHA-256s of the rule files' contents, so the same
 * rules give the same version wherever they lie; the placeholder values the rules are expanded
 * with (tuning) count too, since they change what the rules match. Paths that cannot be read are
 * left out (the hunt reports them).
 */
export function rulesetVersion(rulePaths: string[], placeholders?: Placeholders): string {
  const hashes: string[] = [];
  for (const p of rulePaths) {
    let files: string[];
    try { files = ruleFiles(p); } catch { continue; }
    for (const f of files) {
      try { hashes.push(createHash('sha256').update(readFileSync(f)).digest('hex')); } catch { /* reported by the hunt */ }
    }
  }
  if (placeholders instanceof Map && placeholders.size > 0) {
    const entries = [...(placeholders as Map<string, string[]>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hashes.push(createHash('sha256').update('placeholders\n' + JSON.stringify(entries)).digest('hex'));
  }
  hashes.sort();
  return createHash('sha256').update(hashes.join('\n')).digest('hex');
}
