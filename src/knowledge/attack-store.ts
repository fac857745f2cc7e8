// The local ATT&CK store: the extract written by `tracehound attack import`, one JSON file
// (`attack.json`) in $TRACEHOUND_HOME, or ~/.tracehound, or the folder given with --store.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tracehoundHome } from '../util/home.js';
import { EXTRACT_FORMAT, EXTRACT_VERSION, type AttackDataComponent, type AttackExtract, type AttackTechnique } from './attack-import.js';

const STORE_FILE = 'attack.json';

export class AttackStoreError extends Error {}

/** `--store DIR` if given, else $TRACEHOUND_HOME, else ~/.tracehound. */
export function storeDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return resolve(option);
  return tracehoundHome(env);
}

export function storePath(dir: string): string {
  return join(dir, STORE_FILE);
}

/** Writes the extract (atomically: a temporary file renamed over the old one); returns the file. */
export function writeAttackStore(dir: string, extract: AttackExtract): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = storePath(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(extract) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  return file;
}

/** What a page says about where its official fields came from. */
export interface StoreInfo {
  file: string;
  imported_at: string;
  source: string;
  attack_version: string | null;
  newest_modified: string | null;
  copyright: string | null;
}

export interface AttackStore {
  info: StoreInfo;
  extract: AttackExtract;
  technique(id: string): AttackTechnique | null;
  dataComponent(id: string): AttackDataComponent | null;
}

const MAX_STORE_BYTES = 512 << 20;

/** The store in DIR, or null when nothing was imported there. A damaged store is an error. */
export function readAttackStore(dir: string): AttackStore | null {
  const file = storePath(dir);
  if (!existsSync(file)) return null;
  const size = statSync(file).size;
  const bad = (what: string): never => {
    throw new AttackStoreError(`${file}: ${what}; run 'tracehound attack import' again`);
  };
  if (size > MAX_STORE_BYTES) bad('larger than any extract tracehound writes');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    bad(`not readable JSON (${(e as Error).message})`);
  }
  const x = doc as Partial<AttackExtract> | null;
  if (typeof x !== 'object' || x === null || x.format !== EXTRACT_FORMAT) bad('not a tracehound ATT&CK store');
  if (x!.format_version !== EXTRACT_VERSION) bad(`store format version ${String(x!.format_version)}, this tracehound reads version ${EXTRACT_VERSION}`);
  if (typeof x!.techniques !== 'object' || x!.techniques === null || typeof x!.data_components !== 'object' || x!.data_components === null) bad('the techniques or data components are missing');
  const extract = x as AttackExtract;
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  return {
    info: {
      file,
      imported_at: String(extract.imported_at ?? ''),
      source: String(extract.source?.path ?? ''),
      attack_version: extract.bundle?.attack_version ?? null,
      newest_modified: extract.bundle?.newest_modified ?? null,
      copyright: extract.bundle?.copyright ?? null,
    },
    extract,
    technique: (id) => (own(extract.techniques, id) ? extract.techniques[id]! : null),
    dataComponent: (id) => (own(extract.data_components, id) ? extract.data_components[id]! : null),
  };
}
