// The updated SigmaHQ rule set kept under $TRACEHOUND_HOME/rules/sigma/: a release package (zip)
// unpacked with the zip reader's limits, checked by loading it, swapped in whole, and compared
// with the version it replaces.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { readZipDirectory, withMember } from '../sources/zip/reader.js';
import { idInText, loadPlaceholderDir, loadRules, MAX_RULE_FILE_BYTES, ruleSetFailures } from './load-rules.js';
import { RuleSet } from '../sigma/ruleset.js';

/** SigmaHQ's release packages (assets of every release at github.com/SigmaHQ/sigma/releases). */
export const SIGMA_PACKAGES: Record<string, string> = {
  core: 'sigma_core.zip',
  'core+': 'sigma_core+.zip',
  'core++': 'sigma_core++.zip',
  'emerging-threats': 'sigma_emerging_threats_addon.zip',
  all: 'sigma_all_rules.zip',
};
export const SIGMA_RELEASE_URL = 'https://github.com/SigmaHQ/sigma/releases/latest/download/';
/** The largest package accepted (the full set is about 3 MB zipped). */
export const MAX_PACKAGE_BYTES = 64 * 1024 * 1024;
/** The most rule text unpacked from one package. */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

/** `--rules sigma` names the updated set. */
export const SIGMA_SHORT_NAME = 'sigma';

export class RuleStoreError extends Error {}

export function sigmaStoreDir(home: string): string {
  return join(home, 'rules', 'sigma');
}

/** A `--rules` value: a path that exists is a path; `sigma` otherwise names the updated set (an error when there is none). */
export function resolveRulePath(p: string, home: string): string {
  if (p !== SIGMA_SHORT_NAME || existsSync(p)) return p;
  const current = join(sigmaStoreDir(home), 'current');
  if (!existsSync(current)) throw new RuleStoreError(`--rules sigma: no SigmaHQ rules under ${sigmaStoreDir(home)} yet; run 'tracehound rules update' (or give a rule folder)`);
  return current;
}

export interface RuleEntry { path: string; title: string; hash: string }

export interface StoreState {
  source: string;
  sha256: string;
  bytes: number;
  updated: string;
  /** by rule id (the file's path when it has none) */
  rules: Record<string, RuleEntry>;
}

export function readState(home: string): StoreState | null {
  try {
    return JSON.parse(readFileSync(join(sigmaStoreDir(home), 'state.json'), 'utf8')) as StoreState;
  } catch {
    return null;
  }
}

export interface RuleChange { id: string; title: string; path: string }

export interface UpdateResult {
  dir: string;
  source: string;
  sha256: string;
  bytes: number;
  /** the package is the one already installed: nothing changed */
  upToDate: boolean;
  rules: number;
  loaded: number;
  failed: number;
  added: RuleChange[];
  removed: RuleChange[];
  changed: RuleChange[];
  unchanged: number;
  previous: { source: string; sha256: string; updated: string } | null;
  /** members not unpacked, with the reason */
  problems: string[];
}

const isRuleFile = (name: string) => /\.ya?ml$/i.test(name);

/**
 * Unpacks `zipPath` (already verified by the caller) into the store, replacing the current set
 * only when it loads at least one rule. Returns what changed against the set it replaced.
 */
export async function installPackage(zipPath: string, pkg: { source: string; sha256: string; bytes: number }, home: string, now = new Date()): Promise<UpdateResult> {
  const store = sigmaStoreDir(home);
  const prev = readState(home);
  const base = { dir: join(store, 'current'), source: pkg.source, sha256: pkg.sha256, bytes: pkg.bytes, previous: prev ? { source: prev.source, sha256: prev.sha256, updated: prev.updated } : null };
  if (prev && prev.sha256 === pkg.sha256 && existsSync(base.dir)) {
    const n = Object.keys(prev.rules).length;
    return { ...base, upToDate: true, rules: n, loaded: n, failed: 0, added: [], removed: [], changed: [], unchanged: n, problems: [] };
  }
  let dir;
  try {
    dir = readZipDirectory(zipPath);
  } catch (e) {
    throw new RuleStoreError(`${pkg.source}: not a usable zip: ${(e as Error).message}`);
  }
  mkdirSync(store, { recursive: true, mode: 0o700 });
  const incoming = join(store, `.incoming-${process.pid}`);
  rmSync(incoming, { recursive: true, force: true });
  const problems = dir.problems.map((p) => `offset ${p.offset}: ${p.message}`);
  const rules: Record<string, RuleEntry> = {};
  let unpacked = 0;
  try {
    for (const m of dir.members) {
      if (!isRuleFile(m.name)) continue;
      if (m.unsafeName) { problems.push(`${m.name}: ${m.unsafeName}; not unpacked`); continue; }
      if (m.size > MAX_RULE_FILE_BYTES) { problems.push(`${m.name}: ${m.size} bytes, over the ${MAX_RULE_FILE_BYTES}-byte rule file limit; not unpacked`); continue; }
      if ((unpacked += m.size) > MAX_UNPACKED_BYTES) throw new RuleStoreError(`${pkg.source}: more than ${MAX_UNPACKED_BYTES} bytes of rules; not installed`);
      const rel = normalize(m.name.replace(/\\/g, '/'));
      const target = join(incoming, rel);
      if (!target.startsWith(incoming + sep)) { problems.push(`${m.name}: outside the package; not unpacked`); continue; }
      try {
        const text = await withMember(zipPath, m, async (tmp) => readFileSync(tmp));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, text);
        const s = text.toString('utf8');
        const id = idInText(s) ?? rel.split(sep).join('/');
        rules[id] = { path: rel.split(sep).join('/'), title: /^title:[ \t]*(.*?)[ \t]*\r?$/m.exec(s)?.[1]?.replace(/^(["'])(.*)\1$/, '$2') ?? '', hash: createHash('sha256').update(text).digest('hex') };
      } catch (e) {
        problems.push(`${m.name}: ${(e as Error).message}`);
      }
    }
    if (!Object.keys(rules).length) throw new RuleStoreError(`${pkg.source}: no rule files (.yml) in the package; nothing installed`);
    const loaded = loadRules([incoming], loadPlaceholderDir());
    const rs = new RuleSet(loaded.docs);
    const ok = rs.rules.length + rs.correlations.length;
    if (ok === 0) throw new RuleStoreError(`${pkg.source}: none of its ${loaded.total} rules loads; nothing installed`);
    // swap: the old set is kept as previous/ until the next update
    const current = join(store, 'current'), previous = join(store, 'previous');
    rmSync(previous, { recursive: true, force: true });
    if (existsSync(current)) renameSync(current, previous);
    renameSync(incoming, current);
    const state: StoreState = { source: pkg.source, sha256: pkg.sha256, bytes: pkg.bytes, updated: now.toISOString(), rules };
    const tmp = join(store, `state.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(state) + '\n', { mode: 0o600 });
    renameSync(tmp, join(store, 'state.json'));
    const old = prev?.rules ?? {};
    const change = (id: string, e: RuleEntry): RuleChange => ({ id, title: e.title, path: e.path });
    const added = Object.entries(rules).filter(([id]) => !old[id]).map(([id, e]) => change(id, e));
    const removed = Object.entries(old).filter(([id]) => !rules[id]).map(([id, e]) => change(id, e));
    const changed = Object.entries(rules).filter(([id, e]) => old[id] && old[id]!.hash !== e.hash).map(([id, e]) => change(id, e));
    const failed = new Set([...loaded.errors, ...ruleSetFailures(rs)].map((p) => p.doc)).size;
    return {
      ...base, upToDate: false, rules: loaded.total, loaded: loaded.total - failed, failed, added, removed, changed, unchanged: Object.keys(rules).length - added.length - changed.length, problems,
    };
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
}

/** The size of a local package file, refused over the limit. */
export function localPackageSize(path: string): number {
  const size = statSync(path).size;
  if (size > MAX_PACKAGE_BYTES) throw new RuleStoreError(`${path}: ${size} bytes, over the ${MAX_PACKAGE_BYTES}-byte package limit`);
  return size;
}
