// Triage of a hunt's output: a minimum severity, rule statuses, and a list of excluded rules (by
// id, id prefix, title or audit check), each with the reason it is excluded. Pure: the CLI reads
// the files.
import { parse as parseYaml } from 'yaml';
import { levelOf, type RuleMeta, type SigmaDocument } from '../sigma/model.js';
import { SEVERITY_RANK, type Finding, type Severity } from './model.js';

/** Sigma rule statuses (specification v2.1.0). */
export const RULE_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;

export interface Exclusion {
  /** rule ids (or their first 8+ characters), rule titles, or audit checks, as written */
  match: string[];
  reason: string;
  /** the file that listed it */
  file: string;
}

/** Shortest id prefix an exclusion may use (the table's RULE column shows 8 characters). */
export const MIN_ID_PREFIX = 8;

export class ExclusionList {
  private readonly exact = new Map<string, Exclusion>();
  private readonly prefixes: Exclusion[] = [];
  constructor(readonly entries: readonly Exclusion[]) {
    for (const e of entries) for (const m of e.match) {
      this.exact.set(m.toLowerCase(), e);
      if (/^[0-9a-f-]+$/i.test(m) && m.length >= MIN_ID_PREFIX) this.prefixes.push({ ...e, match: [m] });
    }
  }
  /** The exclusion that covers a rule or check named by any of `keys` (id, name, title, check). */
  find(keys: readonly (string | null | undefined)[]): Exclusion | undefined {
    for (const k of keys) {
      if (!k) continue;
      const e = this.exact.get(k.toLowerCase());
      if (e) return e;
    }
    for (const k of keys) {
      if (!k) continue;
      const p = this.prefixes.find((x) => k.toLowerCase().startsWith(x.match[0]!.toLowerCase()));
      if (p) return p;
    }
    return undefined;
  }
}

/**
 * An exclusion file: YAML, either a list or a map with a `rules:` list, each entry a string (id,
 * id prefix of 8+ characters, title or audit check) or a map `{id|title|check, reason}`.
 */
export function parseExclusions(text: string, file: string): Exclusion[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'rules' in doc) doc = (doc as { rules: unknown }).rules;
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error(`${file}: expected a list of rule ids or titles (or a map with a 'rules:' list)`);
  return doc.map((x: unknown, i) => {
    if (typeof x === 'string' && x.trim()) return { match: [x.trim()], reason: '', file };
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      const match = [o['id'], o['title'], o['check']].filter((v): v is string => typeof v === 'string' && !!v.trim()).map((v) => v.trim());
      if (match.length) return { match, reason: typeof o['reason'] === 'string' ? o['reason'].trim() : '', file };
    }
    throw new Error(`${file}: entry ${i + 1}: expected a rule id, title or check, or a map with 'id', 'title' or 'check'`);
  });
}

export interface TriageOptions {
  minLevel?: Severity;
  /** rule statuses to keep; a rule without a status is kept */
  statuses?: ReadonlySet<string>;
  exclude?: ExclusionList;
}

export type DropReason = 'level' | 'status' | 'excluded';

/** Why a rule's output is not shown, or null when it is. */
export function ruleDropped(meta: RuleMeta, opts: TriageOptions): DropReason | null {
  if (opts.minLevel && SEVERITY_RANK[levelOf(meta)] < SEVERITY_RANK[opts.minLevel]) return 'level';
  if (opts.statuses && meta.status !== undefined && !opts.statuses.has(meta.status)) return 'status';
  if (opts.exclude?.find([meta.id, meta.name, meta.title])) return 'excluded';
  return null;
}

/** Why a finding is not shown (audit findings: by severity and check), or null when it is. */
export function findingDropped(f: Finding, opts: TriageOptions, meta?: RuleMeta): DropReason | null {
  if (meta) return ruleDropped(meta, opts);
  if (opts.minLevel && SEVERITY_RANK[f.severity] < SEVERITY_RANK[opts.minLevel]) return 'level';
  if (opts.exclude?.find([f.rule_id, f.check, f.title])) return 'excluded';
  return null;
}

/**
 * The documents to load: every filter, the correlations that pass, and the rules that pass or that a
 * kept correlation reads (their own hits are still dropped by `ruleDropped`).
 */
export function selectDocuments(docs: readonly SigmaDocument[], opts: TriageOptions): SigmaDocument[] {
  if (!opts.minLevel && !opts.statuses && !opts.exclude) return [...docs];
  const needed = new Set<string>();
  for (const d of docs) if (d.type === 'correlation' && !ruleDropped(d.meta, opts)) for (const r of d.rules) needed.add(r);
  return docs.filter((d) => d.type === 'filter' || !ruleDropped(d.meta, opts) ||
    (d.type === 'rule' && [d.meta.id, d.meta.name].some((k) => k !== undefined && needed.has(k))));
}

/** How many of `items` each reason drops. */
export function dropCounts<T>(items: readonly T[], why: (x: T) => DropReason | null): Record<DropReason, number> {
  const n: Record<DropReason, number> = { level: 0, status: 0, excluded: 0 };
  for (const x of items) { const r = why(x); if (r) n[r]++; }
  return n;
}
