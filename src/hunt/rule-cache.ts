// Parsed rule files kept between runs, so a hunt does not parse thousands of YAML rules again.
// One pack per set of rule paths in $TRACEHOUND_HOME/rule-cache/; an entry is used only when the
// file's path, the SHA-256 of its bytes, the placeholders and the engine (a hash of the rule
// parser's own code) are all the same, so an edited rule, other tuning or a new version of
// tracehound parses again. A pack that cannot be read is ignored (and rewritten).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { ParseResult } from '../sigma/parse.js';
import { tracehoundHome } from '../util/home.js';

const FORMAT = 1;
/** Packs kept (the least recently used are removed beyond this). */
export const MAX_PACKS = 8;
/** A pack larger than this is not written. */
export const MAX_PACK_BYTES = 128 * 1024 * 1024;

interface Pack { format: number; engine: string; entries: Record<string, { sha: string; result: ParseResult }> }

let engineHash: string | undefined;

/** A hash of the code that turns rule text into documents (src/sigma and this folder, as run). */
export function engineVersion(): string {
  if (engineHash) return engineHash;
  const h = createHash('sha256');
  h.update(String(FORMAT));
  for (const dir of [dirname(fileURLToPath(import.meta.url)), join(dirname(fileURLToPath(import.meta.url)), '..', 'sigma')]) {
    for (const f of readdirSync(dir).filter((x) => /\.(js|ts)$/.test(x)).sort()) h.update(f).update(readFileSync(join(dir, f)));
  }
  return (engineHash = h.digest('hex').slice(0, 32));
}

export class RuleCache {
  private pack: Pack;
  private dirty = false;
  readonly file: string;

  /** The pack for these rule paths and placeholders, in `dir` (default $TRACEHOUND_HOME/rule-cache). */
  constructor(paths: string[], placeholders: Map<string, string[]> | undefined, readonly dir = join(tracehoundHome(), 'rule-cache')) {
    const key = createHash('sha256').update(JSON.stringify([paths, placeholders ? [...placeholders].sort() : null])).digest('hex').slice(0, 32);
    this.file = join(dir, `${key}.v8`);
    const engine = engineVersion();
    this.pack = { format: FORMAT, engine, entries: {} };
    try {
      const p = deserialize(readFileSync(this.file)) as Pack;
      if (p && p.format === FORMAT && p.engine === engine && p.entries && typeof p.entries === 'object') this.pack = p;
    } catch { /* absent or unreadable: start empty */ }
  }

  static sha(buf: Buffer): string {
    return createHash('sha256').update(buf).digest('hex');
  }

  get(path: string, sha: string): ParseResult | undefined {
    const e = this.pack.entries[path];
    return e && e.sha === sha ? e.result : undefined;
  }

  set(path: string, sha: string, result: ParseResult): void {
    this.pack.entries[path] = { sha, result };
    this.dirty = true;
  }

  /** Writes the pack when it changed (dropping files no longer loaded) and bounds the cache folder. */
  save(loaded: Set<string>): void {
    for (const p of Object.keys(this.pack.entries)) if (!loaded.has(p)) { delete this.pack.entries[p]; this.dirty = true; }
    if (!this.dirty) { touch(this.file); return; }
    try {
      const buf = serialize(this.pack);
      if (buf.length > MAX_PACK_BYTES) return;
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, buf, { mode: 0o600 });
      renameSync(tmp, this.file);
      this.dirty = false;
      prune(this.dir);
    } catch { /* a cache that cannot be written only costs time */ }
  }
}

function touch(file: string): void {
  try { const now = new Date(); utimesSync(file, now, now); } catch { /* absent: nothing to keep */ }
}

function prune(dir: string): void {
  const packs = readdirSync(dir).filter((f) => f.endsWith('.v8')).map((f) => ({ f: join(dir, f), t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const p of packs.slice(MAX_PACKS)) try { unlinkSync(p.f); } catch { /* gone already */ }
}
